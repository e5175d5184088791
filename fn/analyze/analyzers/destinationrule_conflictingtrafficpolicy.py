"""Several DestinationRules for one host in one namespace are merged, but only the first
one's trafficPolicy is kept (Istio sorts them by creation time, then name); the later
rules' policies are silently ignored. Kiali reports this as KIA0201. Rules with a
workloadSelector are merged separately and left out here."""

from __future__ import annotations

from ..model import DESTINATION_RULE, Analyzer, Context, Resource, register
from ..util import as_str, to_fqdn


def _age(dr: Resource) -> tuple[str, str]:
    # Manifests rarely carry creationTimestamp; without it, name order stands in.
    return (as_str(dr.metadata.get("creationTimestamp")) or "~", dr.name)


@register
class ConflictingTrafficPolicyAnalyzer(Analyzer):
    name = "destinationrule.ConflictingTrafficPolicyAnalyzer"
    description = "Checks for a second DestinationRule for a host whose trafficPolicy is ignored"

    def analyze(self, ctx: Context, report) -> None:
        groups: dict[tuple[str, str], list[Resource]] = {}
        for dr in ctx.of(DESTINATION_RULE):
            host = as_str(dr.spec.get("host"))
            if not host or dr.spec.get("workloadSelector"):
                continue
            groups.setdefault((dr.ns, to_fqdn(dr.ns, host, ctx.cluster_domain)), []).append(dr)
        for (_, host), rules in groups.items():
            with_policy = sorted((r for r in rules if r.spec.get("trafficPolicy")), key=_age)
            for later in with_policy[1:]:
                report("DestinationRuleTrafficPolicyIgnored", later, with_policy[0].full_name(), host,
                       field="spec.trafficPolicy")
