"""The function config: pydantic models in the shape of a CRD, and their loaders.

Importing this module imports pydantic (~0.3 s). The generator only does so when a
function config is actually present; with no config it reads the committed
``schema/defaults.json``, which ``tests/test_schema.py`` keeps equal to these models'
defaults.
"""

from __future__ import annotations

import string
from typing import Annotated, Any, Callable, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationError,
    model_validator,
)

from . import configbase
from . import k8snames as k8s
from .configbase import Metadata, Model, ref_of, report
from .durations import parse_duration
from .results import Results

API_GROUP = "istio-mesh-fn.dev"
API_VERSION = f"{API_GROUP}/v1alpha1"
KIND = "IstioMesh"

def _dns_label(value: str) -> str:
    if not k8s.is_dns_label(value):
        raise ValueError(k8s.DNS_LABEL_RULE)
    return value


def _label_key(value: str) -> str:
    problem = k8s.label_key_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _label_value(value: str) -> str:
    if not k8s.is_label_value(value):
        raise ValueError(k8s.LABEL_VALUE_RULE)
    return value


_DURATION_HINT = "must be a duration such as 30s, 1.5s, 500ms or 1m30s"


def _duration_text(value: Any) -> Any:
    # Without this a bare 30 gets pydantic's "Input should be a valid string", which
    # says neither that a unit is missing nor what would be accepted.
    if not isinstance(value, str):
        raise ValueError(f"{_DURATION_HINT}: a quoted string with a unit")
    return value


def _duration(value: str) -> str:
    seconds = parse_duration(value)
    if seconds is None:
        raise ValueError(_DURATION_HINT)
    if seconds < 0.001:
        raise ValueError("must be at least 1ms")
    return value


# Stand-ins for what templates are filled with, to check what a template produces.
_SAMPLE = {"name": "svc", "namespace": "ns", "dir": "apps/svc", "mode": "strict"}


def _template(allowed: tuple[str, ...], produces: Callable[[str], None] | None = None) -> Callable[[str], str]:
    """A str.format template using only ``allowed`` placeholders. ``produces`` checks what
    it renders to, so a template that could never give a valid name fails here, not as a
    crash or an object the API server refuses."""

    def check(value: str) -> str:
        try:
            parts = list(string.Formatter().parse(value))
        except ValueError as exc:
            raise ValueError(f"is not a valid template ({exc}); write {{{{ or }}}} for a literal brace") from None
        for _, name, spec, conversion in parts:
            if name is None:
                continue
            if name not in allowed or spec or conversion:
                whole = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
                raise ValueError(
                    f"unknown placeholder {{{whole}}}; allowed: " + ", ".join("{" + a + "}" for a in allowed)
                )
        if produces is not None:
            produces(value.format(**{a: _SAMPLE[a] for a in allowed}))
        return value

    return check


def _renders_name(rendered: str) -> None:
    if not k8s.is_dns_subdomain(rendered):
        raise ValueError(
            f"must render to a DNS-1123 name (lowercase letters, digits, '-' and '.'); "
            f"for a Service {_SAMPLE['name']!r} it gives {rendered!r}"
        )


def _renders_label_value(rendered: str) -> None:
    try:
        _label_value(rendered)
    except ValueError as exc:
        raise ValueError(f"{exc}; for a Service {_SAMPLE['name']!r} it gives {rendered!r}") from None


def _renders_path(rendered: str) -> None:
    parts = rendered.split("/")
    if rendered.startswith("/") or ".." in parts or not rendered.strip("/") or rendered.endswith("/"):
        raise ValueError(
            "must render to a relative file path inside the package (no leading '/', no '..'); "
            f"it gives {rendered!r}"
        )
    if not rendered.endswith((".yaml", ".yml")) or parts[-1].startswith("."):
        # kpt reads only YAML files back: anything else (README.md, a dotfile it skips)
        # would be a file it overwrites but never shows the user again.
        raise ValueError(f"must render to a .yaml or .yml file that is not hidden; it gives {rendered!r}")


DnsLabel = Annotated[str, AfterValidator(_dns_label)]
LabelKey = Annotated[str, AfterValidator(_label_key)]
LabelValue = Annotated[str, AfterValidator(_label_value)]
Duration = Annotated[str, BeforeValidator(_duration_text), AfterValidator(_duration)]
NameTemplate = Annotated[str, AfterValidator(_template(("name", "namespace"), _renders_name))]
LabelTemplate = Annotated[str, AfterValidator(_template(("name", "namespace"), _renders_label_value))]
PathTemplate = Annotated[str, AfterValidator(_template(("dir", "name", "namespace", "mode"), _renders_path))]
LoadBalancer = Literal["ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "PASSTHROUGH"]
RoutingApi = Literal["istio", "gateway-api"]
TlsMode = Literal["ISTIO_MUTUAL", "auto"]

SYSTEM_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease", "istio-system"]


class Retries(Model):
    """HTTP retry policy of generated VirtualService routes."""

    attempts: int = Field(3, ge=0, le=1000, description="Retries per request; 0 disables retries.")
    per_try_timeout: Duration | None = Field("10s", description="Timeout of each attempt.")
    retry_on: str | None = Field(
        None,
        pattern=r"^[a-z0-9-]+(,[a-z0-9-]+)*$",
        description="Envoy retry conditions, comma-separated (e.g. 5xx,connect-failure). Unset: Istio's default.",
    )


class Injection(Model):
    """Which label puts a namespace's pods on the mesh."""

    mode: Literal["enabled", "revision", "ambient", "disabled"] = Field(
        "enabled",
        description="enabled: istio-injection=enabled; revision: istio.io/rev=<revision>; "
        "ambient: istio.io/dataplane-mode=ambient; disabled: leave namespaces alone.",
    )
    revision: str | None = Field(None, description="Control plane revision, with mode: revision.")
    namespaces: list[DnsLabel] = Field(
        default_factory=list,
        description="Namespaces to label (Namespace items in the input) and to treat as injected. "
        "Empty: every Namespace item except system namespaces.",
    )

    @model_validator(mode="after")
    def _revision_matches_mode(self) -> "Injection":
        if self.mode == "revision" and not self.revision:
            raise ValueError("mode 'revision' needs revision set (e.g. revision: 1-24)")
        if self.mode != "revision" and self.revision:
            raise ValueError(
                f"revision {self.revision!r} conflicts with mode {self.mode!r}; "
                "a revision label only applies with mode: revision"
            )
        if self.revision is not None:
            _label_value(self.revision)
        return self


class MTLS(Model):
    """Peer authentication: what servers accept."""

    mode: Literal["STRICT", "PERMISSIVE", "DISABLE"] = Field(
        "STRICT", description="PeerAuthentication mTLS mode. Anything but STRICT is reported as a warning."
    )
    scope: Literal["mesh", "namespace", "none"] = Field(
        "mesh",
        description="mesh: one PeerAuthentication 'default' in the root namespace; namespace: one "
        "per namespace of the generated services; none: generate none.",
    )
    root_namespace: DnsLabel = Field("istio-system", description="Istio's root namespace.")


class LabelRequirement(Model):
    key: LabelKey
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"]
    values: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _values_match_operator(self) -> "LabelRequirement":
        if self.operator in ("In", "NotIn") and not self.values:
            raise ValueError(f"operator {self.operator} needs at least one value")
        if self.operator in ("Exists", "DoesNotExist") and self.values:
            raise ValueError(f"operator {self.operator} takes no values")
        return self


class LabelSelector(Model):
    match_labels: dict[LabelKey, LabelValue] = Field(default_factory=dict)
    match_expressions: list[LabelRequirement] = Field(default_factory=list)


class DestinationRuleConfig(Model):
    """How DestinationRules are generated."""

    enabled: bool = Field(True, description="Generate DestinationRules.")
    name_template: NameTemplate = Field("{name}-destination", description="metadata.name; {name} and {namespace} of the Service.")
    labels: dict[LabelKey, LabelTemplate] = Field(
        default_factory=lambda: {"app": "{name}"},
        description="metadata.labels; values may use {name} and {namespace}.",
    )
    tls_mode: TlsMode = Field(
        "ISTIO_MUTUAL",
        description="ISTIO_MUTUAL: set trafficPolicy.tls (only where the destination namespace is "
        "injected); auto: leave TLS to Istio's auto-mTLS.",
    )
    load_balancer: LoadBalancer | None = Field(None, description="trafficPolicy.loadBalancer.simple; unset: Istio's default.")
    subset_label: LabelKey = Field("version", description="Workload label whose distinct values become subsets.")


class VirtualServiceConfig(Model):
    """How VirtualServices are generated."""

    enabled: bool = Field(True, description="Generate VirtualServices.")
    name_template: NameTemplate = Field("{name}", description="metadata.name; {name} and {namespace} of the Service.")
    labels: dict[LabelKey, LabelTemplate] = Field(default_factory=dict, description="metadata.labels.")
    timeout: Duration | None = Field("30s", description="HTTP route timeout; null: none.")
    retries: Retries | None = Field(default_factory=Retries, description="HTTP retries; null: Istio's default.")


class Hosts(Model):
    style: Literal["short", "fqdn"] = Field(
        "short", description="short: <service>; fqdn: <service>.<namespace>.svc.<clusterDomain>."
    )
    cluster_domain: Annotated[str, AfterValidator(lambda v: _subdomain(v))] = "cluster.local"


def _subdomain(value: str) -> str:
    if not k8s.is_dns_subdomain(value):
        raise ValueError("must be a DNS-1123 subdomain such as cluster.local")
    return value


class Paths(Model):
    """Where kpt writes generated objects ({dir} is the Service file's folder)."""

    destination_rule: PathTemplate = "{dir}/istio-destinationrule.yaml"
    virtual_service: PathTemplate = "{dir}/istio-virtualservice.yaml"
    peer_authentication: PathTemplate = "istio/peer-authentication-{mode}.yaml"
    http_route: PathTemplate = "{dir}/gateway-httproute.yaml"
    grpc_route: PathTemplate = "{dir}/gateway-grpcroute.yaml"
    tcp_route: PathTemplate = "{dir}/gateway-tcproute.yaml"
    waypoint: PathTemplate = Field("istio/waypoint-{namespace}.yaml", description="{namespace} of the waypoint.")


class Routing(Model):
    """Which API routes a Service's traffic: Istio's VirtualService, or the Kubernetes
    Gateway API's routes attached to the Service (GAMMA)."""

    api: RoutingApi | None = Field(
        None,
        description="istio: a VirtualService per Service; gateway-api: an HTTPRoute, GRPCRoute or TCPRoute per "
        "Service port, with the Service as parentRef. Unset: gateway-api with injection.mode ambient, else istio.",
    )
    gateway_api_channel: Literal["standard", "experimental"] = Field(
        "standard",
        description="Gateway API CRD channel installed in the cluster. Route retries (HTTPRoute retry) exist "
        "only in experimental; on standard they are dropped and reported.",
    )
    grpc: Literal["GRPCRoute", "HTTPRoute"] = Field(
        "GRPCRoute",
        description="Route kind for gRPC ports with gateway-api. GRPCRoute has no timeouts or retries (they are "
        "dropped and reported); HTTPRoute keeps them (gRPC is HTTP/2).",
    )


class ServiceOverride(Model):
    """Settings for one Service; unset fields inherit the global ones."""

    name: DnsLabel
    namespace: DnsLabel | None = Field(None, description="Unset: the override applies in every namespace.")
    timeout: Duration | None = None
    retries: Retries | None = None
    load_balancer: LoadBalancer | None = None
    tls_mode: TlsMode | None = None
    subset_label: LabelKey | None = None
    routing_api: RoutingApi | None = None


class Exclude(Model):
    names: list[str] = Field(default_factory=list, description="Service names, or namespace/name.")
    namespaces: list[DnsLabel] = Field(default_factory=lambda: list(SYSTEM_NAMESPACES))
    selector: LabelSelector | None = Field(None, description="Services whose labels match are skipped.")

    @model_validator(mode="after")
    def _names_are_dns(self) -> "Exclude":
        for entry in self.names:
            for part in entry.split("/", 1):
                _dns_label(part)
        return self


class Kustomize(Model):
    """Packages that are also kustomize bases, rendered by kpt."""

    register_resources: bool = Field(
        True,
        description="Add each file kpt writes to the resources: of the nearest kustomization.yaml "
        "that lists resources, so the next kustomize build includes it.",
    )


class Analyze(Model):
    generated: bool = Field(True, description="Run the analyzers over the generated objects.")
    schema_: bool = Field(
        False, alias="schema", description="Also check generated objects against Istio's CRD schemas and CEL rules."
    )
    fail_on: Literal["Error", "Warning", "Info"] = Field(
        "Error", description="Findings at or above this level are error results (non-zero exit)."
    )


class MeshSpec(Model):
    default_namespace: DnsLabel | None = Field(None, description="Namespace of items that set none.")
    injection: Injection = Field(default_factory=Injection)
    mtls: MTLS = Field(default_factory=MTLS)
    destination_rule: DestinationRuleConfig = Field(default_factory=DestinationRuleConfig)
    virtual_service: VirtualServiceConfig = Field(default_factory=VirtualServiceConfig)
    hosts: Hosts = Field(default_factory=Hosts)
    paths: Paths = Field(default_factory=Paths)
    routing: Routing = Field(default_factory=Routing)
    services: list[ServiceOverride] = Field(default_factory=list)
    exclude: Exclude = Field(default_factory=Exclude)
    kustomize: Kustomize = Field(default_factory=Kustomize)
    analyze: Analyze = Field(default_factory=Analyze)

    @model_validator(mode="after")
    def _checks(self) -> "MeshSpec":
        seen = set()
        for o in self.services:
            key = (o.namespace, o.name)
            if key in seen:
                raise ValueError(f"services lists {o.name!r} twice")
            seen.add(key)
        return self


class IstioMesh(Model):
    """The typed function config (kind IstioMesh)."""

    api_version: Literal["istio-mesh-fn.dev/v1alpha1"] = "istio-mesh-fn.dev/v1alpha1"
    kind: Literal["IstioMesh"] = "IstioMesh"
    metadata: Metadata = Field(default_factory=Metadata)
    spec: MeshSpec = Field(default_factory=MeshSpec)


# ------------------------------------------------------------------- loading

def load_typed(obj: dict[str, Any], results: Results) -> MeshSpec | None:
    ref = ref_of(obj)
    try:
        return IstioMesh.model_validate(obj).spec
    except ValidationError as exc:
        report(exc, results, IstioMesh, ref)
        return None


def defaults() -> dict[str, Any]:
    """The default spec by field name; what ``schema/defaults.json`` holds."""
    return MeshSpec().model_dump(mode="json", by_alias=False)


def json_schema() -> dict[str, Any]:
    return configbase.json_schema(IstioMesh, "IstioMesh function config (istio-mesh-fn)")
