"""A TCP ServiceEntry without addresses cannot be told apart from other TCP traffic on
its port, unless DNS capture allocates it an address."""

from __future__ import annotations

from ..model import SERVICE_ENTRY, Analyzer, Context, register
from ..util import as_dict, as_list, as_str


def _auto_allocated(mesh: dict) -> bool:
    meta = as_dict(as_dict(mesh.get("defaultConfig")).get("proxyMetadata"))
    if as_str(meta.get("ISTIO_META_DNS_CAPTURE")) != "true":
        return False
    return any(as_str(meta.get(k)) == "true" for k in ("ISTIO_META_DNS_AUTO_ALLOCATE", "PILOT_ENABLE_IP_AUTOALLOCATE"))


@register
class ProtocolAddressesAnalyzer(Analyzer):
    name = "serviceentry.ProtocolAddressesAnalyzer"
    description = "Checks the validity of ServiceEntry"

    def analyze(self, ctx: Context, report) -> None:
        if _auto_allocated(ctx.mesh_config):
            return
        for se in ctx.of(SERVICE_ENTRY):
            if as_list(se.spec.get("addresses")):
                continue
            if as_list(as_dict(se.obj.get("status")).get("addresses")):
                continue  # the control plane has allocated one
            for i, port in enumerate(as_list(se.spec.get("ports"))):
                protocol = as_str(as_dict(port).get("protocol"))
                if not protocol or protocol.upper() == "TCP":
                    report("ServiceEntryAddressesRequired", se, field=f"spec.ports[{i}].protocol")
