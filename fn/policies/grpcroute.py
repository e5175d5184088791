"""GRPCRoute (Gateway API, GAMMA) for a Service's gRPC ports, for Services routed with
``routing.api: gateway-api`` and ``routing.grpc: GRPCRoute`` (the default).

GRPCRoute has no timeouts and no retries; a Service that asks for them is told, and
``routing.grpc: HTTPRoute`` routes gRPC ports with HTTPRoutes instead, which keep them."""

from __future__ import annotations


from ..mesh import HTTP, MeshModel, Port, Service
from ..settings import Settings
from . import gamma
from .base import Output

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

API_VERSION = gamma.API_VERSION
KIND = "GRPCRoute"


def ports_of(svc: Service) -> list[Port]:
    return [p for p in svc.ports if p.protocol == HTTP and p.grpc]


def generate(model: MeshModel, settings: Settings) -> Output:
    dropped: list[str] = []

    def rule(svc: Service, port: Port, out: Output) -> dict[str, Any]:
        retries = svc.config.retries
        if svc.config.timeout or (retries is not None and retries.attempts > 0):
            dropped.append(svc.name)
        return {"backendRefs": gamma.backend_refs(svc, port.number)}

    out = gamma.generate_routes(model, settings, KIND, settings.paths.grpc_route, ports_of, rule)
    if dropped:
        unique = sorted(set(dropped))
        out.results.info(f"GRPCRoute: no timeout or retries for the gRPC ports of {', '.join(unique)}: GRPCRoute "
                         "has neither (routing.grpc: HTTPRoute keeps them)")
    return out
