"""ServiceEntry: one per external dependency the call graph found, per calling namespace.

``MESH_EXTERNAL``, ``resolution: DNS``, ``exportTo: ["."]`` (visible only to the
namespace whose workloads call it). Ports carry protocols: 443 and TLS schemes as TLS
(the sidecar routes them by SNI), http as HTTP, and anything else as TCP, which needs
``addresses``: without them a DNS ServiceEntry's TCP port is matched by port alone, for
every destination, so a warning says so. With ``egress.mode: registry-only`` only these
hosts stay reachable once ``outboundTrafficPolicy`` is REGISTRY_ONLY: the generated Sidecars
set it for sidecar namespaces; elsewhere it is a mesh setting this function cannot set, and
a result gives the snippet.

Reads: the model's call graph and user objects, and the ``egress`` section."""

from __future__ import annotations

from collections import defaultdict

from ..mesh import MeshModel
from ..settings import Settings
from .base import Generated, Output, metadata

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

API_VERSION = "networking.istio.io/v1"
KIND = "ServiceEntry"
TLS_SCHEMES = {"https", "grpcs", "wss", "rediss", "amqps", "ldaps", "mongodb+srv", "smtps", "ftps"}
PROTOCOL_OF_SCHEME = {"http": "HTTP", "ws": "HTTP", "grpc": "GRPC", "mongodb": "MONGO"}
REGISTRY_ONLY = """meshConfig:
  outboundTrafficPolicy:
    mode: REGISTRY_ONLY"""


def protocol(port: int, scheme: str) -> str:
    if scheme in TLS_SCHEMES or port == 443:
        return "TLS"
    if scheme in PROTOCOL_OF_SCHEME:
        return PROTOCOL_OF_SCHEME[scheme]
    return "HTTP" if port == 80 else "TCP"


def external_hosts(model: MeshModel) -> dict[str, dict[str, dict[int, str]]]:
    """namespace -> host -> port -> protocol, for the callers' namespaces."""
    out: dict[str, dict[str, dict[int, str]]] = defaultdict(lambda: defaultdict(dict))
    graph = model.calls
    for x in graph.externals if graph else ():
        port = x.port if x.port is not None else 443
        for caller in x.callers:
            if caller.namespace:
                out[caller.namespace][x.host].setdefault(port, protocol(port, x.scheme))
    return out


def generate(model: MeshModel, settings: Settings) -> Output:
    out = Output()
    graph = model.calls
    if graph is None:
        return out
    if any(not c.namespace for x in graph.externals for c in x.callers):
        out.results.warning("egress: external hosts called from workloads without a namespace get no ServiceEntry "
                            "(exportTo '.' needs one); set metadata.namespace or spec.defaultNamespace")
    if any(x.port is None for x in graph.externals):
        out.results.info("egress: hosts named without a port or scheme were given port 443 (TLS)")
    made = 0
    for ns, hosts in sorted(external_hosts(model).items()):
        if ns in settings.exclude.namespaces:
            continue
        for host, ports in sorted(hosts.items()):
            if (KIND, ns, host) in model.user.names:
                out.results.info(f"egress: kept the ServiceEntry {ns}/{host} written by hand")
                continue
            spec: dict[str, Any] = {
                "hosts": [host], "location": "MESH_EXTERNAL", "resolution": "DNS",
                "ports": [{"number": n, "name": f"{p.lower()}-{n}", "protocol": p} for n, p in sorted(ports.items())],
                "exportTo": ["."],
            }
            tcp = [n for n, p in sorted(ports.items()) if p not in ("TLS", "HTTP", "GRPC")]
            if tcp:
                out.results.warning(
                    f"egress: ServiceEntry {ns}/{host}: TCP port(s) {', '.join(map(str, tcp))} need the host's "
                    "addresses, which the manifests do not give: without them the sidecar matches the port for "
                    "every destination (IST0134). Add spec.addresses to a ServiceEntry of your own, or enable "
                    "Istio's DNS proxying with address auto-allocation",
                    resource_ref={"apiVersion": API_VERSION, "kind": KIND, "name": host, "namespace": ns})
            obj = {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata(host, ns), "spec": spec}
            out.objects.append(Generated(obj, f"istio/{ns}/serviceentry-{host}.yaml"))
            made += 1
    out.results.warning(
        "egress registry-only: the generated Sidecars set outboundTrafficPolicy REGISTRY_ONLY for sidecar "
        "namespaces, but ambient namespaces and gateways follow the mesh's outboundTrafficPolicy, a mesh setting "
        "this function cannot set. In the IstioOperator or the istiod Helm values:\n" + REGISTRY_ONLY)
    out.summary.append(f"egress registry-only: {made} external hosts")
    return out
