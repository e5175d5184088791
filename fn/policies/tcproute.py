"""TCPRoute (Gateway API, GAMMA) for a Service's TCP ports, for Services routed with
``routing.api: gateway-api``: the plain route a VirtualService's ``tcp:`` section gave.

``gateway.networking.k8s.io/v1``: served by the standard channel since Gateway API v1.6
(v1alpha2 is no longer served there), and watched by Istio from 1.31 on (Istio 1.30 and
older watch v1alpha2 only)."""

from __future__ import annotations

from ..mesh import TCP, MeshModel, Port, Service
from ..settings import Settings
from . import gamma
from .base import Output

API_VERSION = gamma.API_VERSION
KIND = "TCPRoute"


def ports_of(svc: Service) -> list[Port]:
    return [p for p in svc.ports if p.protocol == TCP]


def generate(model: MeshModel, settings: Settings) -> Output:
    return gamma.generate_routes(
        model, settings, KIND, settings.paths.tcp_route, ports_of,
        lambda svc, port, out: {"backendRefs": gamma.backend_refs(svc, port.number)})
