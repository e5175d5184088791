"""Fields and types Istio has deprecated or removed."""

from __future__ import annotations

from ..model import CRD, SIDECAR, VIRTUAL_SERVICE, Analyzer, Context, register
from ..util import as_dict, as_list, as_str

REMOVED_CRDS = {("rbac.istio.io", k) for k in ("ClusterRbacConfig", "RbacConfig", "ServiceRole", "ServiceRoleBinding")}


@register
class FieldAnalyzer(Analyzer):
    name = "deprecation.FieldAnalyzer"
    description = "Checks for deprecated Istio types and fields"

    def analyze(self, ctx: Context, report) -> None:
        for vs in ctx.of(VIRTUAL_SERVICE):
            for i, rule in enumerate(as_list(vs.spec.get("http"))):
                delay = as_dict(as_dict(as_dict(rule).get("fault")).get("delay"))
                percent = delay.get("percent")
                if isinstance(percent, (int, float)) and not isinstance(percent, bool) and percent > 0:
                    report("Deprecated", vs, "HTTPRoute.fault.delay.percent is deprecated; use "
                           "HTTPRoute.fault.delay.percentage", field=f"spec.http[{i}].fault.delay.percent")
        for sc in ctx.of(SIDECAR):
            policy = sc.spec.get("outboundTrafficPolicy")
            if isinstance(policy, dict) and policy.get("egressProxy") is not None:
                report("Deprecated", sc, "OutboundTrafficPolicy.EgressProxy ignored",
                       field="spec.outboundTrafficPolicy.egressProxy")
        for crd in ctx.of(CRD):
            group = as_str(crd.spec.get("group"))
            kind = as_str(as_dict(crd.spec.get("names")).get("kind"))
            if (group, kind) in REMOVED_CRDS:
                report("Deprecated", crd, f"Custom resource type {group} {kind} is removed")
