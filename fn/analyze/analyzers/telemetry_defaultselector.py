"""Only one Telemetry per namespace may go without a selector: Istio picks one."""

from __future__ import annotations

from ..model import TELEMETRY, Analyzer, Context, Resource, register


@register
class DefaultSelectorAnalyzer(Analyzer):
    name = "telemetry.DefaultSelectorAnalyzer"
    description = "Validates that there aren't multiple telemetry resources that have no selector"

    def analyze(self, ctx: Context, report) -> None:
        by_ns: dict[str, list[Resource]] = {}
        for t in ctx.of(TELEMETRY):
            if t.spec.get("selector") is None:
                by_ns.setdefault(t.ns, []).append(t)
        for ns, telemetries in by_ns.items():
            if len(telemetries) > 1:
                names = sorted(t.name for t in telemetries)
                for t in telemetries:
                    report("MultipleTelemetriesWithoutWorkloadSelectors", t, names, ns)
