"""Two Gateways on the same workloads serving one certificate: HTTP/2 clients reuse a
connection across both hosts and get 404s."""

from __future__ import annotations

from ..model import GATEWAY, Analyzer, Context, register
from ..util import as_dict, as_list, as_str, str_map


def _same_certificate(a: dict, b: dict) -> bool:
    ca, cb = as_str(a.get("credentialName")), as_str(b.get("credentialName"))
    if ca and cb:
        return ca == cb
    if ca or cb:
        return False
    sa, sb = as_str(a.get("serverCertificate")), as_str(b.get("serverCertificate"))
    ka, kb = as_str(a.get("privateKey")), as_str(b.get("privateKey"))
    return bool(sa and sb and sa == sb and ka and kb and ka == kb)


def _subset(x: dict[str, str], y: dict[str, str]) -> bool:
    return all(k in y and y[k] == v for k, v in x.items())


@register
class CertificateAnalyzer(Analyzer):
    name = "gateway.CertificateAnalyzer"
    description = "Checks a gateway certificate"

    def analyze(self, ctx: Context, report) -> None:
        gateways = ctx.of(GATEWAY)
        if len(gateways) < 2:
            return
        for gw in gateways:
            selector = str_map(gw.spec.get("selector"))
            tls = [as_dict(as_dict(s).get("tls")) for s in as_list(gw.spec.get("servers"))
                   if isinstance(as_dict(s).get("tls"), dict)]
            if not tls:
                continue
            # Gateways select workloads mesh-wide unless PILOT_SCOPE_GATEWAY_TO_NAMESPACE is
            # set (it is off by default), so gateways of every namespace are compared.
            for other in gateways:
                if other is gw or (selector and not _subset(selector, str_map(other.spec.get("selector")))):
                    continue
                other_tls = [as_dict(as_dict(s).get("tls")) for s in as_list(other.spec.get("servers"))
                             if isinstance(as_dict(s).get("tls"), dict)]
                for a in tls:
                    for b in other_tls:
                        if _same_certificate(a, b):
                            report("GatewayDuplicateCertificate", gw, [gw.full_name(), other.full_name()])
