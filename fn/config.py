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



# ------------------------------------------------------------- resilience (issue 13)

def _timeout_or_none(value: Any) -> Any:
    # "0s" (or null) means no timeout on that port: long-lived streams, long polling.
    if value is None or value in ("0s", "0", "none"):
        return None
    return value


PortTimeout = Annotated[Duration | None, BeforeValidator(_timeout_or_none)]


class OutlierDetection(Model):
    """Circuit breaking: eject an endpoint that keeps failing (Envoy's outlier detection).
    Defaults and their sources are in the README ("Resilience defaults")."""

    enabled: bool = Field(False, description="Set trafficPolicy.outlierDetection on generated DestinationRules.")
    consecutive_5xx_errors: int = Field(
        0, ge=0, alias="consecutive5xxErrors",
        description="5xx responses in a row that eject an endpoint; 0 turns the 5xx check off, so an "
        "application's own 500 never ejects it (Admiral's choice).",
    )
    consecutive_gateway_errors: int = Field(
        5, ge=0, description="502, 503 and 504 responses (and connection failures) in a row that eject an "
        "endpoint (Envoy's default count); 0 turns the check off.",
    )
    interval: Duration = Field("10s", description="Time between ejection sweeps (Envoy's default).")
    base_ejection_time: Duration = Field(
        "30s", description="Minimum ejection time, multiplied by the times ejected (Envoy's default)."
    )
    max_ejection_percent: int = Field(
        10, ge=0, le=100, description="Most endpoints ejected at once, in percent (Envoy's default); "
        "Envoy still ejects one endpoint when the percentage rounds to none.",
    )

    @model_validator(mode="after")
    def _both_counts(self) -> "OutlierDetection":
        # Where both counts are written here the problem is this block's; where one is
        # inherited, MeshSpec checks the merged values.
        both = {"consecutive_5xx_errors", "consecutive_gateway_errors"} <= self.model_fields_set
        problem = outlier_problem(self) if both else None
        if problem is not None:
            raise ValueError(problem)
        return self


def outlier_problem(od: OutlierDetection | dict[str, Any]) -> str | None:
    """Gateway errors are a subset of 5xx errors: with consecutiveGatewayErrors at or above
    consecutive5xxErrors the 5xx check always fires first and the gateway check never does."""
    get = od.get if isinstance(od, dict) else (lambda k: getattr(od, k))
    fivexx, gateway = get("consecutive_5xx_errors"), get("consecutive_gateway_errors")
    if fivexx and gateway and gateway >= fivexx:
        return (f"consecutiveGatewayErrors {gateway} >= consecutive5xxErrors {fivexx} silently disables the "
                "gateway-error check (gateway errors are 5xx errors too); set consecutive5xxErrors to 0 "
                "(only gateway errors eject) or above consecutiveGatewayErrors")
    return None


class TcpPool(Model):
    max_connections: int | None = Field(None, ge=1, description="Most HTTP1/TCP connections per endpoint.")
    connect_timeout: Duration | None = Field(None, description="TCP connect timeout.")


class HttpPool(Model):
    http1_max_pending_requests: int | None = Field(None, ge=1, description="Most requests queued for a connection.")
    http2_max_requests: int | None = Field(None, ge=1, description="Most active requests to the destination.")
    max_requests_per_connection: int | None = Field(
        None, ge=1, description="Requests per connection before it is closed; 1 disables keep-alive.")
    max_retries: int | None = Field(
        None, ge=0, description="Most retries outstanding to all endpoints at once (Istio: unlimited).")
    idle_timeout: Duration | None = Field(None, description="Idle time before a connection is closed.")


class ConnectionPool(Model):
    """Per-endpoint limits (trafficPolicy.connectionPool). Unset fields: Istio's defaults."""

    tcp: TcpPool = Field(default_factory=TcpPool)
    http: HttpPool = Field(default_factory=HttpPool)


class Resilience(Model):
    outlier_detection: OutlierDetection = Field(default_factory=OutlierDetection)
    connection_pool: ConnectionPool = Field(default_factory=ConnectionPool)
    locality_failover: bool = Field(
        False, description="loadBalancer.localityLbSetting.enabled wherever outlierDetection is set (outlier "
        "detection alone switches locality failover on in Istio).",
    )

    @model_validator(mode="after")
    def _gateway_below_5xx(self) -> "Resilience":
        problem = outlier_problem(self.outlier_detection)
        if problem is not None:
            raise ValueError(f"outlierDetection: {problem}")
        return self


class StringMatch(Model):
    exact: str | None = None
    prefix: str | None = None
    regex: str | None = None

    @model_validator(mode="after")
    def _one(self) -> "StringMatch":
        if sum(v is not None for v in (self.exact, self.prefix, self.regex)) != 1:
            raise ValueError("set exactly one of exact, prefix, regex")
        return self


def _header_name(value: str) -> str:
    # Istio's webhook refuses upper-case header names in a match (HTTP/2 lower-cases them).
    if not value or value != value.lower() or any(c.isspace() for c in value):
        raise ValueError(f"header name {value!r} must be non-empty lower case without spaces")
    return value


HeaderName = Annotated[str, AfterValidator(_header_name)]


class SplitMatch(Model):
    headers: dict[HeaderName, StringMatch] = Field(min_length=1)
    subset: LabelValue = Field(description="Version (subset label value) the matching requests go to.")


class Split(Model):
    """A canary: weights per version (values of the subset label)."""

    weights: dict[LabelValue, Annotated[int, Field(ge=0, le=100)]] = Field(min_length=1)
    match: SplitMatch | None = Field(None, description="Requests matching these headers go to one version first.")
    mirror: LabelValue | None = Field(None, description="Version that gets a copy of the traffic.")
    mirror_percentage: float | None = Field(None, ge=0, le=100, description="Share mirrored; unset: all.")

    @model_validator(mode="after")
    def _sum(self) -> "Split":
        total = sum(self.weights.values())
        if total != 100:
            raise ValueError(f"weights {dict(self.weights)} sum to {total}, not 100")
        if self.mirror_percentage is not None and self.mirror is None:
            raise ValueError("mirrorPercentage needs mirror")
        return self


class PortOverride(Model):
    """Timeout and retries of one port's route."""

    port: int | str = Field(description="Port number or name.")
    timeout: PortTimeout = Field(None, description="Route timeout; 0s or null: none.")
    retries: Retries | None = None

    @model_validator(mode="after")
    def _port(self) -> "PortOverride":
        if isinstance(self.port, int) and not 1 <= self.port <= 65535:
            raise ValueError(f"port {self.port} is not a port number from 1 to 65535")
        return self


ExportScope = Literal["mesh", "namespace"]


class ServiceOverride(Model):
    """Settings for one Service; unset fields inherit the global ones."""

    name: DnsLabel
    namespace: DnsLabel | None = Field(None, description="Unset: the override applies in every namespace.")
    timeout: Duration | None = None
    retries: Retries | None = None
    load_balancer: LoadBalancer | None = None
    tls_mode: TlsMode | None = None
    subset_label: LabelKey | None = None
    # resilience (issue 13)
    outlier_detection: OutlierDetection | None = None
    connection_pool: ConnectionPool | None = None
    split: Split | None = None
    ports: list[PortOverride] = Field(default_factory=list)
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

# ---- zero trust (issue 12): authorization, requestAuthentication, egress ----

AuthzMode = Literal["off", "dry-run", "enforce"]


def _principal(value: str) -> str:
    if not value or any(c.isspace() for c in value) or value.count("/") < 4:
        raise ValueError("must be a SPIFFE-style principal <trustDomain>/ns/<namespace>/sa/<serviceAccount>")
    return value


Principal = Annotated[str, AfterValidator(_principal)]


class AllowRule(Model):
    """A call the manifests cannot show: ``caller`` (name, ns/name or Kind/ns/name) calls ``to``."""

    caller: str = Field(min_length=1, description="The calling workload: name, namespace/name or Kind/namespace/name.")
    to: str = Field(min_length=1, description="Addresses as in the istio-mesh-fn.dev/calls annotation: host, host:port, URLs, comma-separated.")


class IngressGateway(Model):
    """An ingress gateway: how its Gateway objects are named and which identity it runs as."""

    name: DnsLabel = Field(description="The gateway's name, as Gateway objects and routes refer to it.")
    namespace: DnsLabel = Field(description="The gateway's namespace.")
    principal: Principal = Field(description="The gateway workload's identity, e.g. cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account.")
    services: list[str] = Field(default_factory=list, description="Services it exposes (name or namespace/name), besides those its routes in the input name.")


class Authorization(Model):
    """Least-privilege AuthorizationPolicies from the call graph."""

    mode: AuthzMode = Field("off", description="off: none; dry-run: policies annotated istio.io/dry-run (logged, not enforced); enforce.")
    trust_domain: Annotated[str, AfterValidator(lambda v: _subdomain(v))] = Field(
        "cluster.local", description="Trust domain of source principals (<trustDomain>/ns/<ns>/sa/<sa>).")
    infer_calls: bool = Field(True, description="Infer calls from the manifests; false: only declared calls (allow and the calls annotation).")
    allow: list[AllowRule] = Field(default_factory=list, description="Declared calls, merged with the inferred ones.")
    ingress_gateways: list[IngressGateway] = Field(default_factory=list, description="Ingress gateways and their principals.")
    metrics_principals: list[Principal] = Field(
        default_factory=list,
        description="Identities allowed to scrape a pod's prometheus.io/port where the scrape passes the proxy (ambient, or metrics merging off).")


class JwtProvider(Model):
    """One RequestAuthentication: a JWT issuer and where it applies."""

    name: DnsLabel = Field(description="Names the generated objects (jwt-<name>).")
    issuer: str = Field(min_length=1, description="The iss claim.")
    jwks_uri: str | None = Field(None, description="URL of the issuer's public keys.")
    jwks: str | None = Field(None, description="Inline JSON Web Key Set, instead of jwksUri.")
    audiences: list[str] = Field(default_factory=list, description="Accepted aud values; empty: any.")
    forward_original_token: bool = Field(False, description="Pass the Authorization header on to the workload.")
    workloads: list[str] = Field(default_factory=list, description="Workloads it covers (name or namespace/name); with namespaces empty and this empty: every managed namespace.")
    namespaces: list[DnsLabel] = Field(default_factory=list, description="Namespaces it covers, namespace-wide.")
    require_jwt: bool = Field(False, description="Also deny HTTP requests without a valid token (a DENY policy on notRequestPrincipals).")

    @model_validator(mode="after")
    def _one_key_source(self) -> "JwtProvider":
        if (self.jwks_uri is None) == (self.jwks is None):
            raise ValueError("set exactly one of jwksUri and jwks")
        return self


class RequestAuthentication(Model):
    providers: list[JwtProvider] = Field(default_factory=list, description="JWT issuers; empty: no RequestAuthentication.")


class Egress(Model):
    """Outbound traffic: ServiceEntries for external dependencies and Sidecars."""

    mode: Literal["off", "registry-only"] = Field(
        "off", description="registry-only: a ServiceEntry per external host and a Sidecar per sidecar namespace.")

# ---- end zero trust ----


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
    # resilience (issue 13)
    resilience: Resilience = Field(default_factory=Resilience)
    export_scope: ExportScope = Field(
        "mesh", description="mesh: generated rules apply to clients everywhere; namespace: exportTo ['.'] "
        "on generated DestinationRules and VirtualServices.",
    )
    authorization: Authorization = Field(default_factory=Authorization)
    request_authentication: RequestAuthentication = Field(default_factory=RequestAuthentication)
    egress: Egress = Field(default_factory=Egress)

    @model_validator(mode="after")
    def _checks(self) -> "MeshSpec":
        seen = set()
        for o in self.services:
            key = (o.namespace, o.name)
            if key in seen:
                raise ValueError(f"services lists {o.name!r} twice")
            seen.add(key)
        problems = []
        glob = self.resilience.outlier_detection
        for i, o in enumerate(self.services):
            if o.outlier_detection is not None:
                merged = {**glob.model_dump(), **o.outlier_detection.model_dump(exclude_unset=True)}
                if (p := outlier_problem(merged)) is not None:
                    problems.append(f"services[{i}].outlierDetection: {p}")
        if problems:
            raise ValueError("; ".join(problems))
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
