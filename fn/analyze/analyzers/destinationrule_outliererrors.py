"""consecutiveGatewayErrors at or above consecutive5xxErrors never ejects on gateway errors:
502-504 count as 5xx too, so the 5xx check reaches its count first. An unset
consecutive5xxErrors is Envoy's 5; 0 turns that check off (then gateway errors alone eject)."""

from __future__ import annotations


from ..model import DESTINATION_RULE, Analyzer, Context, register
from ..util import as_dict, as_int, as_list

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterator

ENVOY_5XX_DEFAULT = 5


def outlier_policies(spec: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
    """Every trafficPolicy of a rule (top level, per port, per subset) with its path."""
    def within(policy: Any, path: str) -> Iterator[tuple[dict[str, Any], str]]:
        policy = as_dict(policy)
        if policy:
            yield policy, path
            for i, pl in enumerate(as_list(policy.get("portLevelSettings"))):
                if as_dict(pl):
                    yield as_dict(pl), f"{path}.portLevelSettings[{i}]"

    yield from within(spec.get("trafficPolicy"), "spec.trafficPolicy")
    for i, subset in enumerate(as_list(spec.get("subsets"))):
        yield from within(as_dict(subset).get("trafficPolicy"), f"spec.subsets[{i}].trafficPolicy")


@register
class OutlierGatewayErrorsAnalyzer(Analyzer):
    name = "destinationrule.OutlierGatewayErrorsAnalyzer"
    description = "Checks that consecutiveGatewayErrors stays below consecutive5xxErrors"

    def analyze(self, ctx: Context, report) -> None:
        for dr in ctx.of(DESTINATION_RULE):
            for policy, path in outlier_policies(dr.spec):
                od = policy.get("outlierDetection")
                if not isinstance(od, dict):
                    continue
                gateway = as_int(od.get("consecutiveGatewayErrors")) or 0
                fivexx = as_int(od.get("consecutive5xxErrors"))
                fivexx = ENVOY_5XX_DEFAULT if fivexx is None else fivexx
                if gateway and fivexx and gateway >= fivexx:
                    report("OutlierGatewayErrorsShadowed", dr, gateway, fivexx, gateway,
                           field=f"{path}.outlierDetection.consecutiveGatewayErrors")
