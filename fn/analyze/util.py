"""What several analyzers need: tolerant field access, Istio's host rules, label
selectors, pods (and pod templates), port protocols. Indexes are built once per
``Context`` through ``ctx.cached``."""

from __future__ import annotations

import functools
import re
from ..records import mutable_record

from .model import (
    NAMESPACE,
    POD,
    SERVICE,
    SERVICE_ENTRY,
    WORKLOAD_KINDS,
    Context,
    Resource,
)

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable

CLUSTER_DOMAIN = "cluster.local"
EXPORT_ALL = "*"
EXPORT_LOCAL = "."
MESH_GATEWAY = "mesh"
ISTIO_PROXY = "istio-proxy"
INJECTION_LABEL = "istio-injection"
REV_LABEL = "istio.io/rev"
DATAPLANE_MODE = "istio.io/dataplane-mode"
SIDECAR_INJECT = "sidecar.istio.io/inject"
AMBIENT_REDIRECTION = "ambient.istio.io/redirection"
EXPORT_TO_ANNOTATION = "networking.istio.io/exportTo"



# ---------------------------------------------------------------- field access
# Manifests are not validated before analysis: every read tolerates a wrong type.

def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def str_map(value: Any) -> dict[str, str]:
    return {str(k): as_str(v) for k, v in as_dict(value).items()}


# ------------------------------------------------------------------------ hosts

def to_fqdn(namespace: str, host: str, domain: str = CLUSTER_DOMAIN) -> str:
    """A short host (no dot, no wildcard) as the Service FQDN in ``namespace``."""
    if not host.startswith("*") and "." not in host:
        return f"{host}.{namespace}.svc.{domain}"
    return host


@functools.lru_cache(maxsize=8)
def _fqdn_pattern(domain: str) -> re.Pattern[str]:
    return re.compile(r"^(.+)\.(.+)\.svc\." + re.escape(domain) + "$")


def name_from_host(default_namespace: str, host: str, domain: str = CLUSTER_DOMAIN) -> tuple[str, str]:
    """(namespace, name) a host refers to; a host that is no Service FQDN keeps
    ``default_namespace`` and the whole host as its name."""
    m = _fqdn_pattern(domain).match(host)
    if m:
        return m.group(2), m.group(1)
    return default_namespace, host


def host_matches(a: str, b: str) -> bool:
    """Istio's host matching, where ``*.example.com`` covers ``x.example.com``."""
    aw, bw = a.startswith("*"), b.startswith("*")
    if aw and bw:
        return b[1:].endswith(a[1:]) if len(a) < len(b) else a[1:].endswith(b[1:])
    if aw:
        return b.endswith(a[1:])
    if bw:
        return a.endswith(b[1:])
    return a == b


def full_name(namespace: str, name: str) -> str:
    return f"{namespace}/{name}" if namespace else name


def short_or_full(default_namespace: str, name: str) -> tuple[str, str]:
    ns, sep, rest = name.partition("/")
    return (ns, rest) if sep else (default_namespace, name)


def export_scopes(export_to: Any, namespace: str) -> set[str]:
    """Namespaces an object is visible in; {"*"} for everywhere."""
    values = [as_str(v) for v in as_list(export_to)]
    if not values or EXPORT_ALL in values:
        return {EXPORT_ALL}
    return {namespace if v == EXPORT_LOCAL else v for v in values}


@mutable_record
class Destination:
    """A host that routing can reach: a ServiceEntry, or a Service seen as one."""

    resource: Resource
    ports: list[int]
    workload_selector: dict[str, str]


class HostIndex:
    """istioctl's ServiceEntry host map: scoped FQDN -> destination, with wildcard
    ServiceEntry hosts kept aside so a lookup never scans every host."""

    def __init__(self, domain: str = CLUSTER_DOMAIN) -> None:
        self.domain = domain
        self.exact: dict[tuple[str, str], Destination] = {}
        self.wildcards: list[tuple[str, str, Destination]] = []  # (scope, suffix, dest)

    def add(self, scope: str, namespace: str, host: str, dest: Destination) -> None:
        fqdn = to_fqdn(namespace, host, self.domain)
        self.exact[(scope, fqdn)] = dest
        if fqdn.startswith("*"):
            self.wildcards.append((scope, fqdn[1:], dest))

    def lookup(self, source_ns: str, export_to: Any, host: str) -> Destination | None:
        fqdn = to_fqdn(source_ns, host, self.domain)
        hit = self.exact.get((EXPORT_ALL, fqdn))
        if hit is not None:
            return hit
        scopes = [as_str(e) for e in as_list(export_to)] or [source_ns]
        for scope in scopes:
            hit = self.exact.get((source_ns if scope == EXPORT_LOCAL else scope, fqdn))
            if hit is not None:
                return hit
        bare = host[1:] if host.startswith("*") else host
        for scope, suffix, dest in self.wildcards:
            if scope in (EXPORT_ALL, source_ns) and bare.endswith(suffix):
                return dest
        return None


def host_index(ctx: Context) -> HostIndex:
    return ctx.cached("host_index", _build_host_index)


def _build_host_index(ctx: Context) -> HostIndex:
    index = HostIndex(ctx.cluster_domain)
    for r in ctx.of(SERVICE_ENTRY):
        spec = r.spec
        ports = [p for p in (as_int(as_dict(x).get("number")) for x in as_list(spec.get("ports"))) if p is not None]
        dest = Destination(r, ports, str_map(as_dict(spec.get("workloadSelector")).get("labels")))
        scopes = export_scopes(spec.get("exportTo"), r.ns)
        for h in as_list(spec.get("hosts")):
            for scope in scopes:
                index.add(scope, r.ns, as_str(h), dest)
    for r in ctx.of(SERVICE):
        ports = [p for p in (as_int(as_dict(x).get("port")) for x in as_list(r.spec.get("ports"))) if p is not None]
        dest = Destination(r, ports, {})
        anno = r.annotations.get(EXPORT_TO_ANNOTATION, "")
        if anno:
            scopes = {r.ns if s.strip() == EXPORT_LOCAL else s.strip() for s in anno.split(",")}
        else:
            scopes = {EXPORT_ALL}
        for scope in scopes:
            index.add(scope, r.ns, r.name, dest)
    return index


# ------------------------------------------------------------------- selectors

def selector_string(labels: dict[str, str]) -> str:
    """How Kubernetes prints a label selector: ``a=b,c=d``, keys sorted."""
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    """A set-based selector; every key must be present with that value."""
    for k, v in selector.items():
        if k not in labels or labels[k] != v:
            return False
    return True


@mutable_record
class PodLike:
    """A Pod, or the pod template of a workload: what a selector can select."""

    resource: Resource
    namespace: str
    labels: dict[str, str]
    annotations: dict[str, str]
    spec: dict[str, Any]
    template: bool  # True for a workload's pod template


def pod_template(r: Resource) -> dict[str, Any] | None:
    spec = r.spec
    if r.gk == ("batch", "CronJob"):
        spec = as_dict(as_dict(spec.get("jobTemplate")).get("spec"))
    tpl = spec.get("template")
    return tpl if isinstance(tpl, dict) else None


def pods(ctx: Context) -> list[PodLike]:
    """Pods and workloads' pod templates. Static manifests rarely hold Pods; a pod
    template is what the cluster will run, so selectors are checked against both."""
    return ctx.cached("pods", _build_pods)


def _build_pods(ctx: Context) -> list[PodLike]:
    out = []
    for r in ctx.of(POD):
        out.append(PodLike(r, r.ns, r.labels, r.annotations, r.spec, False))
    kinds = sorted(WORKLOAD_KINDS | {("batch", "CronJob")})
    for r in ctx.of(*kinds):
        tpl = pod_template(r)
        if tpl is None:
            continue
        meta = as_dict(tpl.get("metadata"))
        out.append(PodLike(r, r.ns, str_map(meta.get("labels")), str_map(meta.get("annotations")),
                           as_dict(tpl.get("spec")), True))
    return out


def pods_by_namespace(ctx: Context) -> dict[str, list[PodLike]]:
    def build(c: Context) -> dict[str, list[PodLike]]:
        out: dict[str, list[PodLike]] = {}
        for p in pods(c):
            out.setdefault(p.namespace, []).append(p)
        return out

    return ctx.cached("pods_by_namespace", build)


def containers(spec: dict[str, Any], init: bool = False) -> list[dict[str, Any]]:
    out = [as_dict(c) for c in as_list(spec.get("containers"))]
    if init:
        out += [as_dict(c) for c in as_list(spec.get("initContainers"))]
    return out


def has_istio_proxy(spec: dict[str, Any]) -> bool:
    for c in containers(spec, init=True):
        if c.get("name") == ISTIO_PROXY:
            return bool(as_str(c.get("image")))
    return False


def namespace_labels(ctx: Context, namespace: str) -> dict[str, str] | None:
    ns = ctx.find(NAMESPACE, "", namespace)
    return ns.labels if ns is not None else None


def in_mesh(ctx: Context, pod: PodLike) -> bool:
    """Whether Istio will give this pod a sidecar, as istioctl judges it."""
    if has_istio_proxy(pod.spec):
        return True
    for source in (pod.labels, pod.annotations):
        if SIDECAR_INJECT in source:
            return source[SIDECAR_INJECT] == "true"
    labels = namespace_labels(ctx, pod.namespace)
    if labels is not None:
        return labels.get(INJECTION_LABEL) == "enabled"
    return False


def pod_in_ambient(pod: PodLike | None) -> bool:
    return pod is not None and pod.annotations.get(AMBIENT_REDIRECTION) == "enabled"


def namespace_in_ambient(labels: dict[str, str] | None) -> bool:
    if labels is None:
        return False
    if labels.get(INJECTION_LABEL) == "enabled":
        return False
    if labels.get(REV_LABEL):
        return False
    return labels.get(DATAPLANE_MODE) == "ambient"


def is_control_plane(r: Resource) -> bool:
    labels = r.labels
    return "istio" in labels or labels.get("release") == "istio"


# ---------------------------------------------------------------- protocols
# Istio's protocol from a Service port (pkg/config/kube ConvertProtocol).

_PROTOCOLS = {
    "tcp": "TCP", "udp": "UDP", "grpc": "GRPC", "grpc-web": "GRPC-Web", "http": "HTTP",
    "http_proxy": "HTTP_PROXY", "http2": "HTTP2", "https": "HTTPS", "tls": "TLS",
    "mongo": "Mongo", "redis": "Redis", "mysql": "MySQL",
}
UNSUPPORTED = "UnsupportedProtocol"
_WELL_KNOWN_TCP = {25, 53, 3306, 27017}


def port_protocol(port: int | None, name: str, proto: str, app_protocol: str | None) -> str:
    if proto == "UDP":
        return "UDP"
    text = name
    if app_protocol is not None:
        text = app_protocol
        special = {"kubernetes.io/h2c": "HTTP2", "kubernetes.io/ws": "HTTP", "kubernetes.io/wss": "HTTPS"}
        if text in special:
            return special[text]
    if text[:8].lower() == "grpc-web":
        return "GRPC-Web"
    text = text.split("-", 1)[0]
    result = _PROTOCOLS.get(text.lower(), UNSUPPORTED)
    if result == UNSUPPORTED and port in _WELL_KNOWN_TCP:
        return "TCP"
    return result


def unique(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(values))
