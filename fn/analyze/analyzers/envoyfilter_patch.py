"""EnvoyFilter patches that are ignored or fragile: ADD/REMOVE on route configuration,
REPLACE outside filters, relative operations without a priority."""

from __future__ import annotations

from ..model import ENVOY_FILTER, Analyzer, Context, register
from ..util import as_dict, as_int, as_list, as_str

ROUTE_LEVEL = ("ROUTE_CONFIGURATION", "HTTP_ROUTE")
REPLACEABLE = ("NETWORK_FILTER", "HTTP_FILTER", "VIRTUAL_HOST")


@register
class EnvoyPatchAnalyzer(Analyzer):
    name = "envoyfilter.EnvoyPatchAnalyzer"
    description = "Checks an envoyFilters"

    def analyze(self, ctx: Context, report) -> None:
        # Names of filters patched with a proxyVersion match, across all EnvoyFilters so far.
        versioned: list[str] = []
        for ef in ctx.of(ENVOY_FILTER):
            priority = as_int(ef.spec.get("priority")) or 0
            for i, cp in enumerate(as_list(ef.spec.get("configPatches"))):
                cp = as_dict(cp)
                patch = cp.get("patch")
                if not isinstance(patch, dict):
                    break
                field = f"spec.configPatches[{i}].patch.operation"
                name = _instance_name(cp)
                op, apply_to = as_str(patch.get("operation")), as_str(cp.get("applyTo"))
                relative = False
                if op == "ADD" and apply_to in ROUTE_LEVEL:
                    report("EnvoyFilterUsesAddOperationIncorrectly", ef, field=field)
                elif op == "REMOVE":
                    if apply_to in ROUTE_LEVEL:
                        report("EnvoyFilterUsesRemoveOperationIncorrectly", ef, field=field)
                    else:
                        relative = True
                elif op == "REPLACE":
                    if apply_to not in REPLACEABLE:
                        report("EnvoyFilterUsesReplaceOperationIncorrectly", ef, field=field)
                    else:
                        relative = True
                elif op in ("INSERT_BEFORE", "INSERT_AFTER"):
                    relative = True
                if relative and priority == 0:
                    msg = ("EnvoyFilterUsesRelativeOperationWithProxyVersion" if name in versioned
                           else "EnvoyFilterUsesRelativeOperation")
                    report(msg, ef, field=field)
                if as_str(as_dict(as_dict(cp.get("match")).get("proxy")).get("proxyVersion")):
                    versioned.append(name)


def _instance_name(cp: dict) -> str:
    value = as_dict(as_dict(cp.get("patch")).get("value"))
    if not value:
        return ""
    if "name" in value:
        return as_str(value["name"])
    listener = as_dict(as_dict(cp.get("match")).get("listener"))
    return as_str(as_dict(as_dict(listener.get("filterChain")).get("filter")).get("name"))
