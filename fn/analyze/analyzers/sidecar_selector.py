"""A Sidecar's workload selector must select some pod, and no pod may be selected by
two Sidecars (nor a namespace have two without selectors): Istio would pick one at
random. In ambient mode Sidecars do nothing at all."""

from __future__ import annotations

from ..model import SIDECAR, Analyzer, Context, Resource, register
from ..util import (
    PodLike,
    as_dict,
    namespace_in_ambient,
    namespace_labels,
    pod_in_ambient,
    pods_by_namespace,
    selector_string,
    selects,
    str_map,
)


@register
class SelectorAnalyzer(Analyzer):
    name = "sidecar.SelectorAnalyzer"
    description = ("Validates that sidecars that define a workload selector match at least one pod, and that "
                   "there aren't multiple sidecar resources that select overlapping pods")

    def analyze(self, ctx: Context, report) -> None:
        by_pod: dict[int, tuple[PodLike, list[Resource]]] = {}
        without_selector: dict[str, list[Resource]] = {}
        by_ns = pods_by_namespace(ctx)
        for sc in ctx.of(SIDECAR):
            labels = str_map(as_dict(sc.spec.get("workloadSelector")).get("labels"))
            if not labels:
                without_selector.setdefault(sc.ns, []).append(sc)
                continue
            found = False
            for pod in by_ns.get(sc.ns, ()):
                if selects(labels, pod.labels):
                    found = True
                    by_pod.setdefault(id(pod), (pod, []))[1].append(sc)
            if not found:
                report("ReferencedResourceNotFound", sc, "selector", selector_string(labels),
                       field="spec.workloadSelector.labels")

        reported: set[int] = set()
        for pod, sidecars in by_pod.values():
            ambient = pod_in_ambient(pod)
            if len(sidecars) == 1 and not ambient:
                continue
            names = sorted(s.name for s in sidecars)
            for sc in sidecars:
                if ambient:
                    if id(sc) not in reported:
                        reported.add(id(sc))
                        report("IneffectivePolicy", sc, "selected workload is in ambient mode, the policy has no impact")
                    continue
                report("ConflictingSidecarWorkloadSelectors", sc, names, pod.namespace, pod.resource.name,
                       field="spec.workloadSelector.labels")

        for ns, sidecars in without_selector.items():
            if namespace_in_ambient(namespace_labels(ctx, ns)):
                for sc in sidecars:
                    if id(sc) not in reported:
                        reported.add(id(sc))
                        report("IneffectivePolicy", sc, "namespace is in ambient mode, the policy has no impact")
                continue
            if len(sidecars) > 1:
                names = sorted(s.name for s in sidecars)
                for sc in sidecars:
                    report("MultipleSidecarsWithoutWorkloadSelectors", sc, names, ns)
