"""Any outlierDetection, even {}, switches Istio's locality failover on for the host
(a mesh-wide localityLbSetting aside). Say it explicitly: loadBalancer.localityLbSetting."""

from __future__ import annotations

from ..model import DESTINATION_RULE, Analyzer, Context, register
from ..util import as_dict
from .destinationrule_outliererrors import outlier_policies


@register
class OutlierLocalityAnalyzer(Analyzer):
    name = "destinationrule.OutlierLocalityAnalyzer"
    description = "Checks that outlier detection says whether locality failover is meant"

    def analyze(self, ctx: Context, report) -> None:
        if "localityLbSetting" in ctx.mesh_config:
            return
        for dr in ctx.of(DESTINATION_RULE):
            for policy, path in outlier_policies(dr.spec):
                if "outlierDetection" not in policy:
                    continue
                if "localityLbSetting" not in as_dict(policy.get("loadBalancer")):
                    report("OutlierDetectionImpliesLocalityFailover", dr, field=f"{path}.outlierDetection")
