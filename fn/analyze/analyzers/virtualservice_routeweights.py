"""The weights of a route's destinations should sum to 100. Istio scales other totals
proportionally, so {v1: 90, v2: 20} sends 18% to v2, not the 20 written."""

from __future__ import annotations

from ..model import VIRTUAL_SERVICE, Analyzer, Context, register
from ..util import as_dict, as_int, as_list


@register
class RouteWeightsAnalyzer(Analyzer):
    name = "virtualservice.RouteWeightsAnalyzer"
    description = "Checks that the weights of a route's destinations sum to 100"

    def analyze(self, ctx: Context, report) -> None:
        for vs in ctx.of(VIRTUAL_SERVICE):
            for kind in ("http", "tcp", "tls"):
                for i, rule in enumerate(as_list(vs.spec.get(kind))):
                    dests = as_list(as_dict(rule).get("route"))
                    if len(dests) < 2:
                        continue  # one destination takes all traffic whatever its weight
                    total = sum(as_int(as_dict(d).get("weight")) or 0 for d in dests)
                    if total != 100:
                        report("RouteWeightsNotHundred", vs, f"{kind}[{i}]", total, field=f"spec.{kind}[{i}].route")
