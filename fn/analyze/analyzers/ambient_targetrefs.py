"""In an ambient namespace, L7 policy must attach to a waypoint (``targetRefs``): bound with
``selector`` it reaches ztunnel, which enforces an AuthorizationPolicy's L7 rules as
deny-all and ignores a RequestAuthentication. L4 rules (principals, namespaces, ports) on
``selector`` are fine."""

from __future__ import annotations

from ..model import AUTHORIZATION_POLICY, REQUEST_AUTHENTICATION, Analyzer, Context, register
from ..util import namespace_in_ambient, namespace_labels
from ...mesh.waypoints import l7_rules


@register
class TargetRefsAnalyzer(Analyzer):
    name = "ambient.TargetRefsAnalyzer"
    description = "Checks that L7 policy in ambient namespaces attaches with targetRefs, not selector"

    def analyze(self, ctx: Context, report) -> None:
        for policy in ctx.of(AUTHORIZATION_POLICY, REQUEST_AUTHENTICATION):
            spec = policy.spec
            if spec.get("selector") is None or spec.get("targetRefs") or spec.get("targetRef"):
                continue
            if not namespace_in_ambient(namespace_labels(ctx, policy.ns)):
                continue
            if policy.kind == "RequestAuthentication":
                what = "JWT authentication"
            elif l7_rules(spec.get("rules")):
                what = "L7 rules (methods, paths, request principals)"
            else:
                continue
            report("SelectorWhereTargetRefsNeeded", policy, policy.ref(), policy.ns, what, field="spec.selector")
