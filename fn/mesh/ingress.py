"""Ingress: which gateway identity reaches which Service, from config and from the
Gateway, VirtualService, HTTPRoute and Ingress objects in the input.

A gateway's identity depends on how it was installed, so a configured principal wins; a
gateway workload in the input gives its ServiceAccount; otherwise Istio's defaults are
assumed and said so (``assumed``)."""

from __future__ import annotations


from ..items import Item
from ..settings import Settings
from ..records import ordered_record

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable

ISTIO_NET = "networking.istio.io"
GATEWAY_API = "gateway.networking.k8s.io"
ROUTE_KINDS = ("HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute")
DEFAULT_INGRESS = ("istio-system", "istio-ingressgateway")
DEFAULT_INGRESS_SA = "istio-ingressgateway-service-account"


@ordered_record
class IngressRoute:
    service: tuple[str, str]  # (namespace, name)
    principal: str
    gateway: str  # namespace/name
    ports: tuple[int, ...]  # Service ports; () for all
    evidence: str
    assumed: bool = False


def principal(trust_domain: str, namespace: str, sa: str) -> str:
    return f"{trust_domain}/ns/{namespace}/sa/{sa}"


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _service_of(host: Any, ns: str, domain: str) -> tuple[str, str] | None:
    if not isinstance(host, str) or not host or "*" in host:
        return None
    parts = host.rstrip(".").split(".")
    if len(parts) == 1:
        return (ns, parts[0])
    rest = ".".join(parts[2:])
    if rest in ("", "svc", f"svc.{domain}"):
        return (parts[1], parts[0])
    return None


class _Gateways:
    def __init__(self, items: list[Item], settings: Settings, default_ns: str, pods: Iterable[Any]):
        self.td = settings.authorization.trust_domain
        self.configured = {(g.namespace, g.name): g.principal for g in settings.authorization.ingress_gateways}
        self.pods = list(pods)  # (namespace, labels, service account)
        self.default_ns = default_ns

    def istio(self, ns: str, name: str, selector: dict[str, str]) -> tuple[str, bool] | None:
        if (ns, name) in self.configured:
            return self.configured[(ns, name)], False
        for pns, labels, sa in self.pods:
            if selector and all(labels.get(k) == v for k, v in selector.items()):
                return principal(self.td, pns, sa), False
        if selector.get("istio") == "ingressgateway":
            return principal(self.td, DEFAULT_INGRESS[0], DEFAULT_INGRESS_SA), True
        return None


def discover(items: list[Item], settings: Settings, default_ns: str,
             pods: Iterable[tuple[str, dict[str, str], str]]) -> tuple[list[IngressRoute], list[str]]:
    """Routes from gateways to Services, and warnings about gateways whose identity is unknown."""
    domain = settings.hosts.cluster_domain
    gw = _Gateways(items, settings, default_ns, pods)
    td = gw.td
    routes: list[IngressRoute] = []
    warnings: list[str] = []
    istio_gws: dict[tuple[str, str], tuple[str, bool] | None] = {}
    api_gws: dict[tuple[str, str], tuple[str, bool]] = {}
    for item in items:
        ns = item.namespace or default_ns
        if item.group == ISTIO_NET and item.kind == "Gateway":
            sel = {str(k): str(v) for k, v in _d(item.get("spec", "selector")).items()}
            found = gw.istio(ns, item.name, sel)
            istio_gws[(ns, item.name)] = found
            if found is None:
                warnings.append(f"{item.describe()}: no principal for its selector {sel}; add it to "
                                "authorization.ingressGateways, or its routes are not allowed in")
        elif item.group == GATEWAY_API and item.kind == "Gateway":
            cls = str(item.get("spec", "gatewayClassName") or "istio")
            if (ns, item.name) in gw.configured:
                api_gws[(ns, item.name)] = (gw.configured[(ns, item.name)], False)
            else:
                # Istio's automated deployment runs the Gateway as ServiceAccount <name>-<class>.
                api_gws[(ns, item.name)] = (principal(td, ns, f"{item.name}-{cls}"), False)
    for g in settings.authorization.ingress_gateways:
        for s in g.services:
            ref = tuple(s.split("/", 1)) if "/" in s else (g.namespace, s)
            routes.append(IngressRoute((ref[0], ref[1]), g.principal, f"{g.namespace}/{g.name}", (),
                                       "authorization.ingressGateways"))
    for item in items:
        ns = item.namespace or default_ns
        if item.group == ISTIO_NET and item.kind == "VirtualService":
            routes.extend(_virtual_service(item, ns, domain, istio_gws, gw))
        elif item.group == GATEWAY_API and item.kind in ROUTE_KINDS:
            routes.extend(_route(item, ns, api_gws))
        elif item.group == "networking.k8s.io" and item.kind == "Ingress":
            routes.extend(_ingress(item, ns, gw))
    return sorted(set(routes)), warnings


def _virtual_service(item: Item, ns: str, domain: str, gws: dict[tuple[str, str], tuple[str, bool] | None],
                     gw: _Gateways) -> Iterable[IngressRoute]:
    for ref in _l(item.get("spec", "gateways")):
        if not isinstance(ref, str) or ref == "mesh":
            continue
        gns, _, gname = ref.rpartition("/")
        key = (gns or ns, gname)
        found = gws.get(key)
        if found is None and key in gw.configured:
            found = (gw.configured[key], False)
        if found is None:
            continue
        for kind in ("http", "tcp", "tls"):
            for r in _l(item.get("spec", kind)):
                for dest in _l(_d(r).get("route")):
                    d = _d(_d(dest).get("destination"))
                    svc = _service_of(d.get("host"), ns, domain)
                    port = _d(d.get("port")).get("number")
                    if svc is not None:
                        yield IngressRoute(svc, found[0], f"{key[0]}/{key[1]}",
                                           (port,) if isinstance(port, int) else (),
                                           f"{item.describe()} spec.{kind}", found[1])


def _route(item: Item, ns: str, gws: dict[tuple[str, str], tuple[str, bool]]) -> Iterable[IngressRoute]:
    for parent in _l(item.get("spec", "parentRefs")):
        p = _d(parent)
        if str(p.get("kind") or "Gateway") != "Gateway":
            continue
        # name is required: a ref without one names no Gateway (not one that has no name).
        if not p.get("name"):
            continue
        key = (str(p.get("namespace") or ns), str(p["name"]))
        found = gws.get(key)
        if found is None:
            continue
        for rule in _l(item.get("spec", "rules")):
            for b in _l(_d(rule).get("backendRefs")):
                b = _d(b)
                if str(b.get("kind") or "Service") != "Service" or not b.get("name"):
                    continue
                port = b.get("port")
                yield IngressRoute((str(b.get("namespace") or ns), str(b["name"])), found[0],
                                   f"{key[0]}/{key[1]}", (port,) if isinstance(port, int) else (),
                                   f"{item.describe()} spec.rules", found[1])


def _ingress(item: Item, ns: str, gw: _Gateways) -> Iterable[IngressRoute]:
    cls = item.get("spec", "ingressClassName") or item.annotations.get("kubernetes.io/ingress.class")
    if cls != "istio":
        return
    key = DEFAULT_INGRESS
    found = gw.configured.get(key)
    who, assumed = (found, False) if found else (principal(gw.td, key[0], DEFAULT_INGRESS_SA), True)
    backends = [_d(item.get("spec", "defaultBackend"))]
    for rule in _l(item.get("spec", "rules")):
        for path in _l(_d(_d(rule).get("http")).get("paths")):
            backends.append(_d(_d(path).get("backend")))
    for b in backends:
        svc = _d(b.get("service"))
        if svc.get("name"):
            port = _d(svc.get("port")).get("number")
            yield IngressRoute((ns, str(svc["name"])), who, f"{key[0]}/{key[1]}",
                               (port,) if isinstance(port, int) else (), f"{item.describe()} spec.rules", assumed)
