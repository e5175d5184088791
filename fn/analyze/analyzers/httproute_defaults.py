"""A Gateway API route that leaves out what its CRD defaults (a ref's group and kind, a
backendRef's weight, an HTTPRoute rule's matches): the API server stores the defaults,
so the live object never equals the manifest and Argo CD shows it OutOfSync."""

from __future__ import annotations

from typing import Any

from ..model import GATEWAY_API, Analyzer, Context, register
from ..util import as_dict, as_list

ROUTES = ((GATEWAY_API, "HTTPRoute"), (GATEWAY_API, "GRPCRoute"), (GATEWAY_API, "TCPRoute"),
          (GATEWAY_API, "TLSRoute"), (GATEWAY_API, "UDPRoute"))


def missing_defaults(kind: str, spec: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for i, ref in enumerate(as_list(spec.get("parentRefs"))):
        out += [f"spec.parentRefs[{i}].{k}" for k in ("group", "kind") if k not in as_dict(ref)]
    for r, rule in enumerate(as_list(spec.get("rules"))):
        rule = as_dict(rule)
        if kind == "HTTPRoute" and "matches" not in rule:
            out.append(f"spec.rules[{r}].matches")
        for b, ref in enumerate(as_list(rule.get("backendRefs"))):
            out += [f"spec.rules[{r}].backendRefs[{b}].{k}" for k in ("group", "kind", "weight")
                    if k not in as_dict(ref)]
    return out


@register
class DefaultsAnalyzer(Analyzer):
    name = "httproute.DefaultsAnalyzer"
    description = "Checks that Gateway API routes write out the fields their CRDs default"

    def analyze(self, ctx: Context, report) -> None:
        for route in ctx.of(*ROUTES):
            missing = missing_defaults(route.kind, route.spec)
            if missing:
                shown = ", ".join(missing[:4]) + (f" and {len(missing) - 4} more" if len(missing) > 4 else "")
                report("RouteWithoutExplicitDefaults", route, route.ref(), shown, field=missing[0])
