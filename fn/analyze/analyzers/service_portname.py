"""Istio picks a port's protocol from its name (or appProtocol); a port it cannot
classify is sniffed, and an ExternalName Service's "tcp" port is not forwarded."""

from __future__ import annotations

from ..model import SERVICE, Analyzer, Context, register
from ..util import as_dict, as_int, as_list, as_str, is_control_plane, port_protocol, UNSUPPORTED

MANAGED_GATEWAY_LABEL = "gateway.istio.io/managed"
MANAGED_GATEWAY_VALUES = {"istio.io-gateway-controller", "istio.io-mesh-controller", "istio.io-eastwest-controller"}


@register
class PortNameAnalyzer(Analyzer):
    name = "service.PortNameAnalyzer"
    description = "Checks the port names associated with each service"

    def analyze(self, ctx: Context, report) -> None:
        for svc in ctx.of(SERVICE):
            if is_control_plane(svc):
                continue
            if svc.labels.get(MANAGED_GATEWAY_LABEL) in MANAGED_GATEWAY_VALUES:
                continue
            external = as_str(svc.spec.get("type")) == "ExternalName"
            for i, port in enumerate(as_list(svc.spec.get("ports"))):
                port = as_dict(port)
                name = as_str(port.get("name"))
                number = as_int(port.get("port"))
                app = port.get("appProtocol")
                proto = port_protocol(number, name, as_str(port.get("protocol")),
                                      None if app is None else as_str(app))
                if proto != UNSUPPORTED and not (name == "tcp" and external):
                    continue
                if external:
                    report("ExternalNameServiceTypeInvalidPortName", svc, field=f"spec.ports[{i}].name")
                else:
                    target = port.get("targetPort")
                    report("PortNameIsNotUnderNamingConvention", svc, name, number or 0,
                           as_str(target) if target is not None else "0", field=f"spec.ports[{i}].name")
