"""Subsets a VirtualService routes to must be defined by a DestinationRule for the host."""

from __future__ import annotations

from ..model import DESTINATION_RULE, VIRTUAL_SERVICE, Analyzer, Context, register
from ..routes import mirror_destinations, route_destinations
from ..util import as_dict, as_list, as_str, name_from_host


@register
class DestinationRuleAnalyzer(Analyzer):
    name = "virtualservice.DestinationRuleAnalyzer"
    description = "Checks the destination rules associated with each virtual service"

    def analyze(self, ctx: Context, report) -> None:
        subsets: set[tuple[str, str, str]] = set()
        for dr in ctx.of(DESTINATION_RULE):
            ns, name = name_from_host(dr.ns, as_str(dr.spec.get("host")), ctx.cluster_domain)
            for s in as_list(dr.spec.get("subsets")):
                subsets.add((ns, name, as_str(as_dict(s).get("name"))))

        for vs in ctx.of(VIRTUAL_SERVICE):
            for label, dests in (("host+subset in destinationrule", route_destinations(vs.spec)),
                                 ("mirror+subset in destinationrule", mirror_destinations(vs.spec))):
                for d in dests:
                    if not d.subset:
                        continue
                    ns, name = name_from_host(vs.ns, d.host, ctx.cluster_domain)
                    if (ns, name, d.subset) not in subsets:
                        report("ReferencedResourceNotFound", vs, label, f"{d.host}+{d.subset}",
                               field=d.field.replace(".host", ".subset"))
