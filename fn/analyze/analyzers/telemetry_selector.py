"""A Telemetry's selector must select some pod, and no pod may be selected by two."""

from __future__ import annotations

from ..model import TELEMETRY, Analyzer, Context, Resource, register
from ..util import PodLike, as_dict, pods_by_namespace, selector_string, selects, str_map


@register
class SelectorAnalyzer(Analyzer):
    name = "telemetry.SelectorAnalyzer"
    description = ("Validates that telemetries that define a selector match at least one pod, and that there "
                   "aren't multiple telemetry resources that select overlapping pods")

    def analyze(self, ctx: Context, report) -> None:
        by_ns = pods_by_namespace(ctx)
        by_pod: dict[int, tuple[PodLike, list[Resource]]] = {}
        for t in ctx.of(TELEMETRY):
            labels = str_map(as_dict(t.spec.get("selector")).get("matchLabels"))
            if not labels:
                continue
            found = False
            for pod in by_ns.get(t.ns, ()):
                if selects(labels, pod.labels):
                    found = True
                    by_pod.setdefault(id(pod), (pod, []))[1].append(t)
            if not found:
                report("ReferencedResourceNotFound", t, "selector", selector_string(labels),
                       field="spec.selector.matchLabels")
        for pod, telemetries in by_pod.values():
            if len(telemetries) < 2:
                continue
            names = sorted(t.name for t in telemetries)
            for t in telemetries:
                report("ConflictingTelemetryWorkloadSelectors", t, names, pod.namespace, pod.resource.name,
                       field="spec.selector.matchLabels")
