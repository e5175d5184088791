"""What analyzers read (``Resource``), what they report (``Finding``), and how they
register. Analyzers are pure: a ``Context`` of resources in, findings out."""

from __future__ import annotations

from ..records import field, mutable_record

from ..items import Item

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, ClassVar

# (group, kind) of what analyzers look at. Kinds alone are ambiguous: Istio's Gateway and
# the Kubernetes Gateway API's Gateway share a name.
GK = tuple[str, str]
NETWORKING = "networking.istio.io"
SECURITY = "security.istio.io"
GATEWAY_API = "gateway.networking.k8s.io"

SERVICE: GK = ("", "Service")
POD: GK = ("", "Pod")
NAMESPACE: GK = ("", "Namespace")
NODE: GK = ("", "Node")
CONFIG_MAP: GK = ("", "ConfigMap")
DEPLOYMENT: GK = ("apps", "Deployment")
VIRTUAL_SERVICE: GK = (NETWORKING, "VirtualService")
DESTINATION_RULE: GK = (NETWORKING, "DestinationRule")
GATEWAY: GK = (NETWORKING, "Gateway")
SERVICE_ENTRY: GK = (NETWORKING, "ServiceEntry")
SIDECAR: GK = (NETWORKING, "Sidecar")
AUTHORIZATION_POLICY: GK = (SECURITY, "AuthorizationPolicy")
K8S_GATEWAY: GK = (GATEWAY_API, "Gateway")
CRD: GK = ("apiextensions.k8s.io", "CustomResourceDefinition")
ENVOY_FILTER: GK = (NETWORKING, "EnvoyFilter")
REQUEST_AUTHENTICATION: GK = (SECURITY, "RequestAuthentication")
TELEMETRY: GK = ("telemetry.istio.io", "Telemetry")
WASM_PLUGIN: GK = ("extensions.istio.io", "WasmPlugin")

# Pod templates live at spec.template for these (CronJob one level deeper).
WORKLOAD_KINDS: set[GK] = {
    ("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "DaemonSet"), ("apps", "ReplicaSet"),
    ("batch", "Job"), ("argoproj.io", "Rollout"), ("", "ReplicationController"),
}


CLUSTER_SCOPED_KINDS = {
    "Namespace", "Node", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding",
    "PersistentVolume", "StorageClass", "PriorityClass", "IngressClass", "GatewayClass",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "APIService",
}


@mutable_record
class Resource:
    """One object under analysis. ``obj`` is plain Python values (read-only)."""

    obj: dict[str, Any]
    file: str | None = None  # where it was read from, as the user named it
    index: int | None = None  # document index within ``file``
    line: int | None = None  # 1-based line of the document start, when known
    item: Item | None = None  # the KRM item, in function mode
    node: Any = None  # the YAML node it was read from, to find a field's line
    default_namespace: str = ""  # where a namespaced object that sets none will land

    @property
    def api_version(self) -> str:
        return str(self.obj.get("apiVersion") or "")

    @property
    def group(self) -> str:
        av = self.api_version
        return av.split("/", 1)[0] if "/" in av else ""

    @property
    def gk(self) -> GK:
        return (self.group, self.kind)

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind") or "")

    @property
    def metadata(self) -> dict[str, Any]:
        meta = self.obj.get("metadata")
        return meta if isinstance(meta, dict) else {}

    @property
    def name(self) -> str:
        return str(self.metadata.get("name") or "")

    @property
    def namespace(self) -> str:
        """As written; empty when the manifest sets none."""
        return str(self.metadata.get("namespace") or "")

    @property
    def ns(self) -> str:
        """The namespace analysis places it in: as written, else the default."""
        if self.default_namespace and not self.namespace and self.kind not in CLUSTER_SCOPED_KINDS:
            return self.default_namespace
        return self.namespace

    @property
    def labels(self) -> dict[str, str]:
        return _str_map(self.metadata.get("labels"))

    @property
    def annotations(self) -> dict[str, str]:
        return _str_map(self.metadata.get("annotations"))

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.obj.get("spec")
        return spec if isinstance(spec, dict) else {}

    def ref(self) -> str:
        """istioctl's resource notation: ``Kind namespace/name`` or ``Kind name``."""
        ns = self.namespace
        return f"{self.kind} {ns + '/' if ns else ''}{self.name}"

    def full_name(self) -> str:
        """istioctl's ``namespace/name`` (``name`` for cluster-scoped objects)."""
        return f"{self.ns}/{self.name}" if self.ns else self.name

    def field_line(self, path: str | None) -> int | None:
        """1-based line of ``path`` (``spec.http[0].route``) in the source, when known."""
        node = self.node if self.node is not None or self.item is None else self.item.node
        if path and node is not None:
            from .paths import node_at

            found = node_at(node, path)
            if found is not None and found.start_mark is not None:
                return found.start_mark.line + 1
        return self.line


@mutable_record
class Finding:
    code: str  # IST0101
    name: str  # ReferencedResourceNotFound
    level: str  # Error | Warning | Info
    analyzer: str  # virtualservice.DestinationRuleAnalyzer
    message: str  # rendered from the template in messages.yaml
    resource: Resource
    field: str | None = None  # path in the object, e.g. spec.http[0].route[0].destination.host

    @property
    def line(self) -> int | None:
        return self.resource.field_line(self.field)

    def identity(self) -> tuple[Any, ...]:
        """What makes two findings the same to istioctl: code, resource and text (the
        same message about two fields of one object is reported once)."""
        r = self.resource
        return (self.code, r.file, r.index, r.kind, r.namespace, r.name, self.message)

    def to_dict(self) -> dict[str, Any]:
        r = self.resource
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "analyzer": self.analyzer,
            "message": self.message,
            "resource": {"apiVersion": r.api_version, "kind": r.kind, "namespace": r.namespace, "name": r.name},
            "field": self.field,
            "file": r.file,
            "line": self.line,
        }


@mutable_record
class Context:
    """Everything an analyzer may look at. ``mesh_config`` is the MeshConfig (dict).

    Lookups are indexed on first use and shared by every analyzer of one run, so no
    analyzer needs a loop over all objects inside a loop over all objects.
    """

    resources: list[Resource]
    mesh_config: dict[str, Any] = field(default_factory=dict)
    cluster_domain: str = "cluster.local"  # of Service FQDNs, name.namespace.svc.<domain>
    gateway_api_channel: str = "standard"  # the Gateway API CRDs schema checks use
    _by_kind: dict[str, list[Resource]] = field(default_factory=dict, repr=False)
    _by_gk: dict[GK, list[Resource]] = field(default_factory=dict, repr=False)
    _by_name: dict[tuple[GK, str, str], Resource] = field(default_factory=dict, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def of_kind(self, *kinds: str) -> list[Resource]:
        if not self._by_kind:
            for r in self.resources:
                self._by_kind.setdefault(r.kind, []).append(r)
        out: list[Resource] = []
        for k in kinds:
            out.extend(self._by_kind.get(k, ()))
        return out

    def of(self, *gks: GK) -> list[Resource]:
        """Resources of these (group, kind)s, in input order per kind."""
        if not self._by_gk:
            for r in self.resources:
                self._by_gk.setdefault(r.gk, []).append(r)
        out: list[Resource] = []
        for gk in gks:
            out.extend(self._by_gk.get(gk, ()))
        return out

    def find(self, gk: GK, namespace: str, name: str) -> Resource | None:
        """The object ``namespace/name`` of that kind (namespace "" for cluster-scoped)."""
        if not self._by_name:
            for r in self.resources:
                # First one wins, as the API server would refuse the second.
                self._by_name.setdefault((r.gk, r.ns, r.name), r)
        return self._by_name.get((gk, namespace, name))

    def cached(self, key: str, build: Callable[["Context"], Any]) -> Any:
        """An index several analyzers share, built once per run."""
        if key not in self._cache:
            self._cache[key] = build(self)
        return self._cache[key]

    @property
    def root_namespace(self) -> str:
        return str(self.mesh_config.get("rootNamespace") or "istio-system")


class Analyzer:
    """Subclass, set ``name`` (istioctl's analyzer name) and implement ``analyze``.

    ``report(message_name, resource, *args, field=None)`` renders the message named in
    messages.yaml with ``args`` and records it against ``resource``.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def analyze(self, ctx: Context, report: Callable[..., None]) -> None:
        raise NotImplementedError


REGISTRY: list[type[Analyzer]] = []


def register(cls: type[Analyzer]) -> type[Analyzer]:
    if cls not in REGISTRY:
        REGISTRY.append(cls)
    return cls


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    out = {}
    for k, v in value.items():
        if v is None:
            v = ""
        elif isinstance(v, bool):
            v = "true" if v else "false"
        out[str(k)] = str(v)
    return out
