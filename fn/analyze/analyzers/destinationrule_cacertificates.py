"""TLS origination (SIMPLE or MUTUAL) without caCertificates does not verify the server."""

from __future__ import annotations

from ..model import DESTINATION_RULE, Analyzer, Context, register
from ..util import as_dict, as_list, as_str


def _unverified(tls: dict, has_selector: bool) -> str | None:
    """The TLS mode when it leaves the server unverified, else None."""
    mode = as_str(tls.get("mode"))
    if mode not in ("SIMPLE", "MUTUAL"):
        return None
    if as_str(tls.get("caCertificates")):
        return None
    # With a workload selector, credentialName is read from the workload's own secret,
    # which carries the CA.
    if as_str(tls.get("credentialName")) and has_selector:
        return None
    return mode


@register
class CaCertificateAnalyzer(Analyzer):
    name = "destinationrule.CaCertificateAnalyzer"
    description = "Checks if caCertificates is set when TLS mode is SIMPLE/MUTUAL"

    def analyze(self, ctx: Context, report) -> None:
        for dr in ctx.of(DESTINATION_RULE):
            spec = dr.spec
            host = as_str(spec.get("host"))
            selector = spec.get("workloadSelector") is not None
            policy = as_dict(spec.get("trafficPolicy"))
            mode = _unverified(as_dict(policy.get("tls")), selector)
            if mode:
                report("NoServerCertificateVerificationDestinationLevel", dr, dr.full_name(), dr.ns, mode, host,
                       field="spec.trafficPolicy.tls.caCertificates")
            for i, port in enumerate(as_list(policy.get("portLevelSettings"))):
                port = as_dict(port)
                mode = _unverified(as_dict(port.get("tls")), selector)
                if mode:
                    report("NoServerCertificateVerificationPortLevel", dr, dr.full_name(), dr.ns, mode, host,
                           _port_string(port.get("port")),
                           field=f"spec.trafficPolicy.portLevelSettings[{i}].tls.caCertificates")


def _port_string(port) -> str:
    # istioctl prints the PortSelector message as protobuf text, e.g. "number:8443".
    number = as_dict(port).get("number")
    return f"number:{number}" if number else ""
