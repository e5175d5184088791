"""A weighted split must go to subsets that exist and select workloads: a share sent to a
missing or empty subset fails with 503 (no healthy upstream) instead of reaching the
version the split was written for."""

from __future__ import annotations

from ..model import DESTINATION_RULE, SERVICE, VIRTUAL_SERVICE, Analyzer, Context, register
from ..util import as_dict, as_int, as_list, as_str, name_from_host, pods_by_namespace, selects, str_map


@register
class SplitSubsetAnalyzer(Analyzer):
    name = "virtualservice.SplitSubsetAnalyzer"
    description = "Checks that weighted routes go to subsets that select workloads"

    def analyze(self, ctx: Context, report) -> None:
        subsets: dict[tuple[str, str, str], dict[str, str]] = {}
        for dr in ctx.of(DESTINATION_RULE):
            ns, name = name_from_host(dr.ns, as_str(dr.spec.get("host")), ctx.cluster_domain)
            for s in as_list(dr.spec.get("subsets")):
                subsets.setdefault((ns, name, as_str(as_dict(s).get("name"))), str_map(as_dict(s).get("labels")))
        selectors = {(s.ns, s.name): str_map(s.spec.get("selector")) for s in ctx.of(SERVICE)}
        for vs in ctx.of(VIRTUAL_SERVICE):
            for kind in ("http", "tcp", "tls"):
                for i, rule in enumerate(as_list(vs.spec.get(kind))):
                    dests = as_list(as_dict(rule).get("route"))
                    if len(dests) < 2:
                        continue
                    for j, d in enumerate(dests):
                        dest = as_dict(as_dict(d).get("destination"))
                        subset, host = as_str(dest.get("subset")), as_str(dest.get("host"))
                        weight = as_int(as_dict(d).get("weight")) or 0
                        if not subset or weight <= 0:
                            continue
                        ns, name = name_from_host(vs.ns, host, ctx.cluster_domain)
                        labels = subsets.get((ns, name, subset))
                        problem = None
                        if labels is None:
                            problem = "no DestinationRule for the host defines"
                        elif (ns, name) in selectors and selectors[(ns, name)]:
                            sel = {**selectors[(ns, name)], **labels}
                            if not any(selects(sel, p.labels) for p in pods_by_namespace(ctx).get(ns, ())):
                                problem = "selects no workload of the Service"
                        if problem:
                            report("SplitToMissingSubset", vs, f"{kind}[{i}]", weight, subset, host, problem,
                                   field=f"spec.{kind}[{i}].route[{j}].destination.subset")
