"""A Gateway must select gateway pods, and each port it listens on must be exposed by a
Service of those pods, or nothing outside can reach it."""

from __future__ import annotations

from ..model import GATEWAY, SERVICE, Analyzer, Context, register
from ..util import as_dict, as_int, as_list, as_str, pods, selector_string, selects, str_map


@register
class IngressGatewayPortAnalyzer(Analyzer):
    name = "gateway.IngressGatewayPortAnalyzer"
    description = "Checks a gateway's ports against the gateway's Kubernetes service ports"

    def analyze(self, ctx: Context, report) -> None:
        gateways = ctx.of(GATEWAY)
        if not gateways:
            return
        services: dict[str, list] = {}
        for svc in ctx.of(SERVICE):
            services.setdefault(svc.ns, []).append(svc)
        all_pods = pods(ctx)
        for gw in gateways:
            labels = str_map(gw.spec.get("selector"))
            target_ports: set[int] = set()
            service_ports: set[int] = set()
            matched = 0
            for pod in all_pods:
                if not selects(labels, pod.labels):
                    continue
                matched += 1
                for svc in services.get(pod.namespace, ()):
                    sel = str_map(svc.spec.get("selector"))
                    if not selects(sel, pod.labels):
                        continue
                    for p in as_list(svc.spec.get("ports")):
                        p = as_dict(p)
                        if as_str(p.get("protocol") or "TCP") != "TCP":
                            continue
                        number = as_int(p.get("port")) or 0
                        target = as_int(p.get("targetPort")) or 0
                        if target:
                            target_ports.add(target)
                            service_ports.add(number)
                        else:
                            target_ports.add(number)
            if matched == 0:
                report("ReferencedResourceNotFound", gw, "selector", selector_string(labels), field="spec.selector")
                continue
            for i, s in enumerate(as_list(gw.spec.get("servers"))):
                number = as_int(as_dict(as_dict(s).get("port")).get("number"))
                if number is None:
                    continue
                if number not in target_ports and number not in service_ports:
                    report("GatewayPortNotDefinedOnService", gw, number, selector_string(labels),
                           field=f"spec.servers[{i}].port.number")
