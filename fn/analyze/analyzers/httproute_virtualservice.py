"""A VirtualService and a Gateway API route (HTTPRoute, GRPCRoute) for one Service in the
mesh: Istio calls mixing the two for one host undefined."""

from __future__ import annotations

from ..model import GATEWAY_API, VIRTUAL_SERVICE, Analyzer, Context, Resource, register
from ..routes import gateways, hosts, service_parents
from ..util import MESH_GATEWAY, name_from_host, to_fqdn

ROUTES = ((GATEWAY_API, "HTTPRoute"), (GATEWAY_API, "GRPCRoute"))


@register
class VirtualServiceAnalyzer(Analyzer):
    name = "httproute.VirtualServiceAnalyzer"
    description = "Checks that no Service is routed by both a VirtualService and a Gateway API route"

    def analyze(self, ctx: Context, report) -> None:
        routed: dict[tuple[str, str], Resource] = {}
        for vs in ctx.of(VIRTUAL_SERVICE):
            gws = gateways(vs.spec)
            if gws and MESH_GATEWAY not in gws:
                continue
            for h in hosts(vs.spec):
                ns, name = name_from_host(vs.ns, to_fqdn(vs.ns, h, ctx.cluster_domain), ctx.cluster_domain)
                routed.setdefault((ns, name), vs)
        if not routed:
            return
        for route in ctx.of(*ROUTES):
            for key in service_parents(route):
                vs = routed.get(key)
                if vs is not None:
                    report("VirtualServiceAndRouteForOneService", route, route.ref(), f"{key[0]}/{key[1]}",
                           vs.full_name(), field="spec.parentRefs")
