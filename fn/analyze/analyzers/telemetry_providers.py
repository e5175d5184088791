"""Access logging with no provider does nothing unless the mesh names a default one."""

from __future__ import annotations

from ..model import TELEMETRY, Analyzer, Context, register
from ..util import as_dict, as_list


@register
class ProviderAnalyzer(Analyzer):
    name = "telemetry.ProviderAnalyzer"
    description = "Validates that providers in telemetry resource is valid"

    def analyze(self, ctx: Context, report) -> None:
        if as_list(as_dict(ctx.mesh_config.get("defaultProviders")).get("accessLogging")):
            return
        for t in ctx.of(TELEMETRY):
            for i, log in enumerate(as_list(t.spec.get("accessLogging"))):
                log = as_dict(log)
                if log.get("disabled") is True:
                    continue
                if not as_list(log.get("providers")):
                    report("InvalidTelemetryProvider", t, t.name, t.ns, field=f"spec.accessLogging[{i}]")
