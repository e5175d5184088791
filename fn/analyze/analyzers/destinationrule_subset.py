"""A DestinationRule's host must be known, and each subset must select some pod."""

from __future__ import annotations

from ..model import DESTINATION_RULE, NODE, Analyzer, Context, register
from ..util import as_dict, as_list, as_str, host_index, pods, selects, str_map

REGION = "topology.kubernetes.io/region"
ZONE = "topology.kubernetes.io/zone"
SUBZONE = "topology.istio.io/subzone"
HOSTNAME = "kubernetes.io/hostname"


@register
class PodNotSelectedAnalyzer(Analyzer):
    name = "destinationrule.PodNotSelectedAnalyzer"
    description = "Checks if pods are selected by subsets in destination rules"

    def analyze(self, ctx: Context, report) -> None:
        index = host_index(ctx)
        wanted: list[tuple[object, str, dict[str, str], int]] = []
        for dr in ctx.of(DESTINATION_RULE):
            host = as_str(dr.spec.get("host"))
            dest = index.lookup(dr.ns, dr.spec.get("exportTo"), host)
            if dest is None:
                report("UnknownDestinationRuleHost", dr, host, field="spec.host")
                continue
            for i, subset in enumerate(as_list(dr.spec.get("subsets"))):
                subset = as_dict(subset)
                selector = {**dest.workload_selector, **str_map(subset.get("labels"))}
                wanted.append((dr, as_str(subset.get("name")), selector, i))
        if not wanted:
            return

        node_labels = {n.name: n.labels for n in ctx.of(NODE)}
        # Index pods by label pair: a selector is checked only against pods that carry
        # one of its pairs, never against every pod.
        by_pair: dict[tuple[str, str], list[dict[str, str]]] = {}
        any_pod = False
        for pod in pods(ctx):
            any_pod = True
            labels = _augmented(pod.labels, as_str(pod.spec.get("nodeName")), node_labels)
            for pair in labels.items():
                by_pair.setdefault(pair, []).append(labels)
        verdict: dict[tuple, bool] = {}
        for dr, name, sel, i in wanted:
            key = tuple(sorted(sel.items()))
            if key not in verdict:
                if not sel:
                    verdict[key] = any_pod
                else:
                    rarest = min(sel.items(), key=lambda pair: len(by_pair.get(pair, ())))
                    verdict[key] = any(selects(sel, labels) for labels in by_pair.get(rarest, ()))
            if not verdict[key]:
                report("DestinationRuleSubsetNotSelectPods", dr, name, field=f"spec.subsets[{i}]")


def _augmented(labels: dict[str, str], node: str, node_labels: dict[str, dict[str, str]]) -> dict[str, str]:
    # Istio adds the node's locality and name to an endpoint's labels, so subsets may
    # select by topology.
    out = dict(labels)
    nl = node_labels.get(node) if node else None
    if nl:
        for key in (REGION, ZONE, SUBZONE):
            if nl.get(key):
                out[key] = nl[key]
    if node:
        out[HOSTNAME] = node
    return out
