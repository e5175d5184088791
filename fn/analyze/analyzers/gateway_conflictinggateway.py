"""Gateways on the same workloads must not claim the same host on the same port."""

from __future__ import annotations

from ..model import GATEWAY, Analyzer, Context, register
from ..util import as_dict, as_int, as_list, as_str, pods, selector_string, selects, str_map


@register
class ConflictingGatewayAnalyzer(Analyzer):
    name = "gateway.ConflictingGatewayAnalyzer"
    description = "Checks a gateway's selector, port number and hosts"

    def analyze(self, ctx: Context, report) -> None:
        # (selector, port) -> gateway -> host -> bind
        servers: dict[tuple[str, int], dict[str, dict[str, str]]] = {}
        for gw in ctx.of(GATEWAY):
            sel = selector_string(str_map(gw.spec.get("selector")))
            for s in as_list(gw.spec.get("servers")):
                s = as_dict(s)
                port = as_int(as_dict(s.get("port")).get("number")) or 0
                bind = as_str(s.get("bind"))
                hosts = servers.setdefault((sel, port), {}).setdefault(gw.full_name(), {})
                hosts.update({as_str(h): bind for h in as_list(s.get("hosts"))})

        for gw in ctx.of(GATEWAY):
            labels = str_map(gw.spec.get("selector"))
            sel = selector_string(labels)
            same = [key for key in servers if self._same_workloads(ctx, sel, labels, key[0])]
            if sel and not same:
                report("ReferencedResourceNotFound", gw, "selector", sel, field="spec.selector")
                continue
            for s in as_list(gw.spec.get("servers")):
                s = as_dict(s)
                port = as_int(as_dict(s.get("port")).get("number")) or 0
                bind = as_str(s.get("bind"))
                hosts = [as_str(h) for h in as_list(s.get("hosts"))]
                conflicting = sorted(
                    name for key in same if key[1] == port
                    for name, known in servers[key].items()
                    if name != gw.full_name() and any(known.get(h, None) == bind for h in hosts if h in known)
                )
                if conflicting:
                    report("ConflictingGateways", gw, ",".join(conflicting), sel, str(port), ",".join(hosts),
                           field="spec.servers")

    @staticmethod
    def _same_workloads(ctx: Context, sel: str, labels: dict[str, str], other: str) -> bool:
        if sel == other:
            return True
        if sel not in other and other not in sel:
            return False
        # One selector's text contains the other's: they overlap if some pod has both.
        other_labels = dict(p.split("=", 1) for p in other.split(",") if "=" in p)
        return any(selects(labels, p.labels) and selects(other_labels, p.labels) for p in pods(ctx))
