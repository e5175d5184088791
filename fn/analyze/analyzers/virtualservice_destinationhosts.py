"""A VirtualService's destinations must be known hosts (Services or ServiceEntries) with
the port it names; a route through a gateway ignores subsets chosen for mesh traffic."""

from __future__ import annotations

from ..model import VIRTUAL_SERVICE, Analyzer, Context, register
from ..routes import RouteDestination, hosts, mirror_destinations, route_destinations
from ..util import as_dict, as_list, as_str, host_index


@register
class DestinationHostAnalyzer(Analyzer):
    name = "virtualservice.DestinationHostAnalyzer"
    description = "Checks the destination hosts associated with each virtual service"

    def analyze(self, ctx: Context, report) -> None:
        index = host_index(ctx)
        subset_routes = _subset_routes_by_host(ctx)
        for vs in ctx.of(VIRTUAL_SERVICE):
            export_to = vs.spec.get("exportTo")
            for label, dests in (("host", route_destinations(vs.spec)),
                                 ("mirror host", mirror_destinations(vs.spec))):
                for d in dests:
                    dest = index.lookup(vs.ns, export_to, d.host)
                    if dest is None:
                        report("ReferencedResourceNotFound", vs, label, d.host, field=d.field)
                        continue
                    _check_port(report, vs, d, dest.ports)
            if as_list(vs.spec.get("gateways")):
                self._ingress_subsets(report, vs, subset_routes)

    @staticmethod
    def _ingress_subsets(report, vs, subset_routes: dict[str, list[str]]) -> None:
        # Subsets apply to traffic from sidecars; a gateway's route without one reaches
        # every version, whatever the mesh's VirtualService for that host says.
        for i, rule in enumerate(as_list(vs.spec.get("http"))):
            for j, route in enumerate(as_list(as_dict(rule).get("route"))):
                dest = as_dict(as_dict(route).get("destination"))
                if as_str(dest.get("subset")):
                    continue
                for other in subset_routes.get(as_str(dest.get("host")), ()):
                    report("IngressRouteRulesNotAffected", vs, other, vs.full_name(),
                           field=f"spec.http[{i}].route[{j}].destination.host")


def _subset_routes_by_host(ctx: Context) -> dict[str, list[str]]:
    """host -> VirtualServices (full names) with an HTTP route to a subset of it, for
    hosts those VirtualServices themselves serve."""
    out: dict[str, list[str]] = {}
    for vs in ctx.of(VIRTUAL_SERVICE):
        own = hosts(vs.spec)
        for rule in as_list(vs.spec.get("http")):
            for route in as_list(as_dict(rule).get("route")):
                dest = as_dict(as_dict(route).get("destination"))
                if not as_str(dest.get("subset")):
                    continue
                host = as_str(dest.get("host"))
                for h in own:
                    if h == host:
                        out.setdefault(host, []).append(vs.full_name())
    return out


def _check_port(report, vs, d: RouteDestination, ports: list[int]) -> None:
    if d.port is None:
        if len(ports) > 1:
            report("VirtualServiceDestinationPortSelectorRequired", vs, d.host, ports, field=d.field)
        return
    if d.port not in ports:
        report("ReferencedResourceNotFound", vs, "host:port", f"{d.host}:{d.port}",
               field=d.field.replace(".host", ".port.number"))
