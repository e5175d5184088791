"""Two VirtualServices for the mesh gateway must not claim the same host in the same
scope: which one a sidecar uses is undefined."""

from __future__ import annotations

from ..model import VIRTUAL_SERVICE, Analyzer, Context, Resource, register
from ..routes import gateways, hosts
from ..util import EXPORT_ALL, MESH_GATEWAY, export_scopes, host_matches, to_fqdn


@register
class ConflictingMeshGatewayHostsAnalyzer(Analyzer):
    name = "virtualservice.ConflictingMeshGatewayHostsAnalyzer"
    description = "Checks if multiple virtual services associated with the mesh gateway have conflicting hosts"

    def analyze(self, ctx: Context, report) -> None:
        by_host: dict[tuple[str, str], list[Resource]] = {}
        for vs in ctx.of(VIRTUAL_SERVICE):
            gws = gateways(vs.spec)
            if gws and MESH_GATEWAY not in gws:
                continue
            for scope in sorted(export_scopes(vs.spec.get("exportTo"), vs.ns)):
                for h in hosts(vs.spec):
                    by_host.setdefault((scope, to_fqdn(vs.ns, h, ctx.cluster_domain)), []).append(vs)

        # Hosts exported everywhere also conflict with each namespace-scoped claim.
        # Exact names are looked up; only wildcard hosts are scanned.
        wildcards = [(h, v) for (s, h), v in by_host.items() if s == EXPORT_ALL and h.startswith("*")]
        reported: set[int] = set()
        for (scope, fqdn), vss in by_host.items():
            if scope != EXPORT_ALL:
                vss = vss + _exported_everywhere(by_host, wildcards, fqdn)
            if len(vss) < 2:
                continue
            names = ",".join(sorted(v.full_name() for v in vss))
            for vs in vss:
                if id(vs) in reported:
                    continue
                reported.add(id(vs))
                report("ConflictingMeshGatewayVirtualServiceHosts", vs, names, f"{scope}/{fqdn}",
                       field="metadata.name")


def _exported_everywhere(by_host, wildcards, fqdn: str) -> list[Resource]:
    out: list[Resource] = []
    exact = by_host.get((EXPORT_ALL, fqdn))
    if exact:
        out.extend(exact)
    for h, vss in wildcards:
        if h != fqdn and host_matches(fqdn, h):
            out.extend(vss)
    if fqdn.startswith("*"):
        # A wildcard claim covers every exported host it matches.
        for (s, h), vss in by_host.items():
            if s == EXPORT_ALL and not h.startswith("*") and host_matches(fqdn, h):
                out.extend(vss)
    return out
