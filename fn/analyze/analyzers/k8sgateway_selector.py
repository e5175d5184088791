"""Policies for a Kubernetes Gateway's pods must use targetRef: a selector is ignored."""

from __future__ import annotations

from ..model import AUTHORIZATION_POLICY, REQUEST_AUTHENTICATION, TELEMETRY, WASM_PLUGIN, Analyzer, Context, register
from ..util import as_dict, pods_by_namespace, selects, str_map

GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name"


@register
class SelectorAnalyzer(Analyzer):
    name = "k8sgateway.SelectorAnalyzer"
    description = "Check that selectors are effective for Kubernetes gateway"

    def analyze(self, ctx: Context, report) -> None:
        by_ns = pods_by_namespace(ctx)
        for policy in ctx.of(AUTHORIZATION_POLICY, REQUEST_AUTHENTICATION, TELEMETRY, WASM_PLUGIN):
            spec = policy.spec
            if spec.get("targetRef") is not None or spec.get("selector") is None:
                continue
            labels = str_map(as_dict(spec.get("selector")).get("matchLabels"))
            for pod in by_ns.get(policy.ns, ()):
                if GATEWAY_NAME_LABEL in pod.labels and selects(labels, pod.labels):
                    report("IneffectiveSelector", policy, pod.labels[GATEWAY_NAME_LABEL], field="spec.selector")
