"""L7 policy for a Service in an ambient namespace that uses no waypoint: ztunnel works at
L4 and ignores routes' timeouts and retries, and VirtualServices. Only namespaces whose
Namespace object is in the input are judged (their labels are known)."""

from __future__ import annotations

from ..model import GATEWAY_API, SERVICE, VIRTUAL_SERVICE, Analyzer, Context, Resource, register
from ..routes import gateways, hosts, service_parents
from ..util import MESH_GATEWAY, as_dict, as_list, as_str, name_from_host, namespace_in_ambient, namespace_labels, to_fqdn

USE_WAYPOINT = "istio.io/use-waypoint"
DEFAULT_MATCH = [{"path": {"type": "PathPrefix", "value": "/"}}]
L7_RULE_FIELDS = ("timeouts", "retry", "filters", "sessionPersistence")


def asks_for_l7(route: Resource, parent: tuple[str, str]) -> bool:
    """Whether a route does more than send a Service's traffic to itself, which ztunnel
    does anyway."""
    for rule in as_list(route.spec.get("rules")):
        rule = as_dict(rule)
        if any(rule.get(k) for k in L7_RULE_FIELDS):
            return True
        if rule.get("matches") not in (None, DEFAULT_MATCH, []):
            return True
        backends = [as_dict(b) for b in as_list(rule.get("backendRefs"))]
        if len(backends) != 1 or (as_str(backends[0].get("namespace")) or route.ns, as_str(backends[0].get("name"))) != parent:
            return True
    return False
ROUTES = ((GATEWAY_API, "HTTPRoute"), (GATEWAY_API, "GRPCRoute"))


@register
class WaypointAnalyzer(Analyzer):
    name = "ambient.WaypointAnalyzer"
    description = "Checks that L7 policy in ambient namespaces has a waypoint to enforce it"

    def analyze(self, ctx: Context, report) -> None:
        def without_waypoint(ns: str, name: str) -> bool:
            labels = namespace_labels(ctx, ns)
            if not namespace_in_ambient(labels):
                return False
            svc = ctx.find(SERVICE, ns, name)
            own = svc.labels.get(USE_WAYPOINT) if svc is not None else None
            chosen = own or (labels or {}).get(USE_WAYPOINT)
            return not chosen or chosen == "none"

        for route in ctx.of(*ROUTES):
            for ns, name in service_parents(route):
                if without_waypoint(ns, name) and asks_for_l7(route, (ns, name)):
                    report("L7PolicyWithoutWaypoint", route, route.ref(), f"{ns}/{name}", ns, field="spec.parentRefs")
        for vs in ctx.of(VIRTUAL_SERVICE):
            gws = gateways(vs.spec)
            if (gws and MESH_GATEWAY not in gws) or not vs.spec.get("http"):
                continue
            for h in hosts(vs.spec):
                ns, name = name_from_host(vs.ns, to_fqdn(vs.ns, h, ctx.cluster_domain), ctx.cluster_domain)
                if without_waypoint(ns, name):
                    report("L7PolicyWithoutWaypoint", vs, vs.ref(), f"{ns}/{name}", ns, field="spec.hosts")
