"""UID 1337 belongs to the sidecar proxy: Istio's traffic capture exempts it, so an
application running as 1337 bypasses the mesh."""

from __future__ import annotations

from ..model import DEPLOYMENT, POD, Analyzer, Context, register
from ..util import as_dict, as_list, is_control_plane, pod_template

PROXY_UID = 1337
EXEMPT_CONTAINERS = ("istio-proxy", "istio-operator")


@register
class ApplicationUIDAnalyzer(Analyzer):
    name = "deployment.ApplicationUIDAnalyzer"
    description = "Checks invalid application UID"

    def analyze(self, ctx: Context, report) -> None:
        for r in ctx.of(POD, DEPLOYMENT):
            if is_control_plane(r):
                continue
            if r.gk == POD:
                spec, prefix = r.spec, "spec"
            else:
                spec, prefix = as_dict((pod_template(r) or {}).get("spec")), "spec.template.spec"
            if as_dict(spec.get("securityContext")).get("runAsUser") == PROXY_UID:
                report("InvalidApplicationUID", r, field=f"{prefix}.securityContext.runAsUser")
            for i, c in enumerate(as_list(spec.get("containers"))):
                c = as_dict(c)
                if c.get("name") in EXEMPT_CONTAINERS:
                    continue
                if as_dict(c.get("securityContext")).get("runAsUser") == PROXY_UID:
                    report("InvalidApplicationUID", r, field=f"{prefix}.containers[{i}].securityContext.runAsUser")
