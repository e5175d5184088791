"""What the Gateway API route policies share: GAMMA routes, one per Service port, whose
parentRef is the Service itself (group "", kind Service, the port) and whose backendRef
is the same Service and port.

Route shapes follow the mesh conformance tests of kubernetes-sigs/gateway-api
(conformance/tests/mesh/, at 4564255, v1.6.1+). Every field the CRDs would default is
written out (``group: ""``, ``kind: Service``, ``weight: 1``, HTTPRoute's ``matches``):
the API server adds them on create, and Argo CD would otherwise show the route as
OutOfSync forever.
"""

from __future__ import annotations

import re

from ..durations import parse_duration
from ..k8snames import is_dns_subdomain, is_label_value
from ..mesh import MeshModel, Port, Service
from ..mesh.types import GATEWAY_API_ROUTING
from ..settings import Settings
from .base import Generated, Output, metadata, render_labels, service_path, values_of

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

API_VERSION = "gateway.networking.k8s.io/v1"
# The CRDs' pattern for durations (GEP-2257).
GATEWAY_DURATION = re.compile(r"^([0-9]{1,5}(h|m|s|ms)){1,4}$")
GATEWAY_API = GATEWAY_API_ROUTING


def service_ref(svc: Service, port: int, *, weight: bool = False) -> dict[str, Any]:
    ref: dict[str, Any] = {"group": "", "kind": "Service", "name": svc.name, "port": port}
    if weight:
        ref["weight"] = 1
    return ref


def backend_refs(svc: Service, port: int) -> list[dict[str, Any]]:
    """The route's backends: the Service itself, or its per-version Services weighted as
    its split says (fn/mesh/versions.py decided whether the split applies)."""
    if svc.versions is None or not svc.versions.applied:
        return [service_ref(svc, port, weight=True)]
    return [{"group": "", "kind": "Service", "name": v.name, "port": port, "weight": v.weight}
            for v in svc.versions.services]


def gateway_duration(text: str) -> str | None:
    """An Istio duration (``1.5s``, ``500ms``, ``1m30s``) in the Gateway API's format
    (GEP-2257: up to four ``<1-5 digits><h|m|s|ms>`` parts, no fractions), or None."""
    if GATEWAY_DURATION.match(text):
        # Already in the Gateway API's format: written as the person wrote it.
        return text
    seconds = parse_duration(text)
    if seconds is None:
        return None
    ms = round(seconds * 1000)
    parts = []
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        if ms >= size:
            parts.append(f"{ms // size}{unit}")
            ms %= size
    return "".join(parts) or "0s"


def route_name(kind: str, svc: Service, port: Port, several: bool, model: MeshModel, settings: Settings,
               out: Output) -> str | None:
    """``virtualService.nameTemplate`` (routes replace the VirtualService), with the port
    name or number appended when the Service has several ports of this kind."""
    base = settings.virtual_service.name_template.format(**values_of(svc))
    name = f"{base}-{port.name or port.number}" if several else base
    bad = [] if is_dns_subdomain(name) else [f"the name would be {name!r}"]
    for key, template in settings.virtual_service.labels.items():
        if not is_label_value(template.format(**values_of(svc))):
            bad.append(f"labels.{key} gives {template.format(**values_of(svc))!r}")
    if bad:
        why = f"no {kind}: {', '.join(bad)}"
        out.results.warning(f"{svc.name}: {why}", resource_ref=svc.item.ref(), file=svc.item.file_ref())
        out.decline(svc, why)
        return None
    if (kind, svc.namespace, name) in model.user.names:
        reason = f"a {kind} named {name} already exists and is not ours to replace"
        out.note(svc, reason)
        out.decline(svc, reason)
        return None
    return name


def person_routes(svc: Service, model: MeshModel, settings: Settings, kind: str, out: Output) -> bool:
    """True (said why) when a person's routing for this Service wins over generated routes."""
    theirs = model.user.route_for(svc, (kind,))
    if theirs is not None:
        reason = f"kept the {theirs.describe()} written for this Service"
    else:
        vs = model.user.for_host("VirtualService", svc, settings.hosts.cluster_domain)
        if vs is None:
            return False
        # Istio calls a VirtualService and an HTTPRoute for one host undefined behaviour.
        reason = (f"the {vs.describe()} written for this host routes it; another route ({kind}) would mix the "
                  "two APIs, which Istio leaves undefined")
    out.note(svc, reason)
    out.decline(svc, reason)
    return True


def generate_routes(model: MeshModel, settings: Settings, kind: str, path_template: str,
                    ports_of: Callable[[Service], list[Port]],
                    spec_rule: Callable[[Service, Port, Output], dict[str, Any]]) -> Output:
    out = Output()
    for svc in model.services:
        if svc.skip is not None or svc.config.routing_api != GATEWAY_API:
            continue
        ports = ports_of(svc)
        if not ports or person_routes(svc, model, settings, kind, out):
            continue
        labels = render_labels(settings.virtual_service.labels, svc)
        for port in ports:
            name = route_name(kind, svc, port, len(ports) > 1, model, settings, out)
            if name is None:
                continue
            obj = {"apiVersion": API_VERSION, "kind": kind, "metadata": metadata(name, svc.namespace, labels),
                   "spec": {"parentRefs": [service_ref(svc, port.number)], "rules": [spec_rule(svc, port, out)]}}
            out.objects.append(Generated(obj, service_path(path_template, settings, svc)))
            out.covered.add(svc.key)
    return out


def routable(svc: Service) -> str | None:
    """Why some ports get no route at all (TLS is routed by SNI, UDP is not proxied)."""
    from ..mesh import HTTP, TCP, UNKNOWN

    skipped = [p for p in svc.ports if p.protocol not in (HTTP, UNKNOWN, TCP)]
    if not skipped:
        return None
    names = ", ".join(f"{p.number}/{p.name or p.protocol}" for p in skipped)
    return f"no route for port(s) {names}: TLS is routed by SNI and UDP is not proxied"
