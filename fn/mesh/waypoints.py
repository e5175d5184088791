"""Waypoints: which ambient Services need one for their L7 features, which waypoint each
uses, and the waypoints this run has to generate.

In ambient mode ztunnel carries traffic at L4 (mTLS, L4 authorization) and reads no
routes. Timeouts, retries, HTTP routing and L7 authorization take effect only in a
waypoint, and only for Services (or namespaces) labelled ``istio.io/use-waypoint``.
"""

from __future__ import annotations


from ..items import Item
from ..settings import Settings
from .types import HTTP, UNKNOWN, Namespace, Service, UserObjects, WaypointPlan
from ..records import replace

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

WAYPOINT_CLASS = "istio-waypoint"
USE_WAYPOINT = "istio.io/use-waypoint"
WAYPOINT_FOR = "istio.io/waypoint-for"
# The name istioctl waypoint apply gives a namespace's waypoint.
DEFAULT_NAME = "waypoint"


# Fields of AuthorizationPolicy rules that only an L7 proxy (a waypoint) can evaluate.
L7_TO = ("methods", "notMethods", "paths", "notPaths", "hosts", "notHosts")
L7_FROM = ("requestPrincipals", "notRequestPrincipals")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def l7_rules(rules: Any) -> bool:
    """Whether AuthorizationPolicy ``rules`` hold anything only a waypoint can evaluate."""
    for rule in _list(rules):
        if not isinstance(rule, dict):
            continue
        for to in _list(rule.get("to")):
            op = to.get("operation") if isinstance(to, dict) else None
            if isinstance(op, dict) and any(op.get(k) for k in L7_TO):
                return True
        for fr in _list(rule.get("from")):
            src = fr.get("source") if isinstance(fr, dict) else None
            if isinstance(src, dict) and any(src.get(k) for k in L7_FROM):
                return True
        for cond in _list(rule.get("when")):
            key = cond.get("key") if isinstance(cond, dict) else None
            if isinstance(key, str) and key.startswith(("request.", "experimental.")):
                return True
    return False


def jwt_providers(svc: Service, settings: Settings) -> list[str]:
    """The requestAuthentication providers that cover this Service's workloads (a token is
    validated, and with requireJwt required, only where an L7 proxy sees the request)."""
    out = []
    for p in settings.request_authentication.providers:
        if p.workloads:
            specs = [spec.rpartition("/") for spec in p.workloads]
            covered = any(w.name == name and (not ns or w.namespace == ns) for ns, _, name in specs
                          for w in svc.workloads)
        else:
            covered = svc.namespace in p.namespaces if p.namespaces else True
        if covered:
            out.append(p.name)
    return out


def l7_features(svc: Service, settings: Settings) -> list[str]:
    """The L7 features its generated routes and policies ask for, which only a waypoint
    enforces in ambient mode."""
    out = []
    # JWT rules apply to HTTP ports (gRPC included), whatever routes them.
    jwt = jwt_providers(svc, settings) if any(p.protocol == HTTP for p in svc.ports) else []
    if settings.virtual_service.enabled:
        grpc_as_http = svc.config.routing_api == "istio" or settings.routing.grpc == "HTTPRoute"
        ports = [p for p in svc.ports if p.protocol in (HTTP, UNKNOWN) and (grpc_as_http or not p.grpc)]
        if ports and svc.config.timeout:
            out.append(f"timeout {svc.config.timeout}")
        retries = svc.config.retries
        if ports and retries is not None and retries.attempts > 0 and (
                svc.config.routing_api == "istio" or settings.routing.gateway_api_channel == "experimental"):
            out.append(f"{retries.attempts} retries")
        # Weighted backendRefs are routing, which ztunnel does not do, on TCP ports as well.
        if svc.versions is not None and svc.versions.applied:
            out.append("a traffic split")
    if jwt:
        out.append(f"JWT validation ({', '.join(jwt)})")
    return out


def _namespace_item(ns: str, namespaces: Mapping[str, Namespace]) -> Item | None:
    facts = namespaces.get(ns)
    if facts is not None and facts.item is not None:
        return facts.item
    if ns == "":
        # Items without a namespace land in the package's only application namespace
        # (see namespaces.decide_labels): that Namespace item is the one to label.
        held = [n.item for n in namespaces.values() if n.item is not None and n.labelled_on_mesh]
        if len(held) == 1:
            return held[0]
    return None


def plan(services: list[Service], namespaces: Mapping[str, Namespace], user: UserObjects,
         settings: Settings) -> tuple[list[Service], dict[str, WaypointPlan]]:
    out: list[Service] = []
    needing: dict[str, list[Service]] = {}
    for svc in services:
        if svc.skip is not None or not svc.ambient:
            out.append(svc)
            continue
        ns_item = _namespace_item(svc.namespace, namespaces)
        own = svc.item.labels.get(USE_WAYPOINT)
        ns_label = ns_item.labels.get(USE_WAYPOINT) if ns_item is not None else None
        label = own or ns_label
        where = (f"the Service's label {USE_WAYPOINT}={own}" if own
                 else f"its namespace's label {USE_WAYPOINT}={ns_label}")
        features = l7_features(svc, settings)
        if label == "none":
            out.append(replace(svc, waypoint=None, waypoint_reason=f"opted out of waypoints by {where}"))
        elif label and label != DEFAULT_NAME:
            out.append(replace(svc, waypoint=label, waypoint_reason=f"it uses waypoint {label} ({where})"))
        elif label or features:
            # A label naming our waypoint keeps it generated: pruned and not regenerated,
            # it would leave the label pointing at nothing.
            needing.setdefault(svc.namespace, []).append(svc)
            why = (f"its routes ask for {' and '.join(features)}, which only a waypoint enforces in ambient mode"
                   if features else f"it is sent to waypoint {DEFAULT_NAME} by {where}")
            out.append(replace(svc, waypoint=DEFAULT_NAME, waypoint_reason=why))
        else:
            out.append(replace(svc, waypoint_reason="its routes ask for no L7 feature, so ztunnel (L4) suffices"))
    root = _namespace_item("", namespaces)
    if "" in needing and root is not None and root.name:
        # Namespace-less Services land in the package's one Namespace (the one labelled
        # for them), so their waypoint is that namespace's, written with its name: a
        # namespace-less waypoint beside it would be a second Gateway "waypoint" there,
        # which is what a re-run made once the first had labelled the namespace.
        needing[root.name] = needing.get(root.name, []) + needing.pop("")
    plans: dict[str, WaypointPlan] = {}
    # A namespace label sends every Service in the namespace through the waypoint, not
    # only those that asked for L7 features (a Service's own label, "none" too, wins).
    for ns in needing:
        ns_item = _namespace_item(ns, namespaces)
        if ns_item is None:
            continue
        for i, svc in enumerate(out):
            if (svc.namespace == ns and svc.skip is None and svc.ambient and svc.waypoint is None
                    and not svc.item.labels.get(USE_WAYPOINT)):
                out[i] = replace(svc, waypoint=DEFAULT_NAME,
                                 waypoint_reason=f"its namespace is labelled {USE_WAYPOINT}={DEFAULT_NAME} for the "
                                 "Services that need L7 processing, which sends every Service in it there")
    for ns, svcs in needing.items():
        ns_item = _namespace_item(ns, namespaces)
        if ns_item is not None:
            label_items: tuple[Item, ...] = () if ns_item.labels.get(USE_WAYPOINT) == DEFAULT_NAME else (ns_item,)
        else:
            label_items = tuple(s.item for s in svcs if s.item.labels.get(USE_WAYPOINT) != DEFAULT_NAME)
        reason = ("Services " + ", ".join(s.name for s in svcs) + " in ambient namespace "
                  + (ns or "(none set)") + " need L7 processing")
        plans[ns] = WaypointPlan(namespace=ns, name=DEFAULT_NAME, services=tuple(s.name for s in svcs),
                                 label_items=label_items, reason=reason,
                                 generate=(ns, DEFAULT_NAME) not in user.waypoints,
                                 lands_in=ns or (ns_item.name if ns_item is not None else ""))
    return out, plans
