"""The function config's core sections: injection, mTLS, the per-Service kinds' settings,
hosts, paths, routing, exclusions and the self-check."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from .. import k8snames as k8s
from ..configbase import Model
from .fields import DnsLabel, Duration, LabelKey, LabelTemplate, LabelValue, LoadBalancer, NameTemplate, PathTemplate, RoutingApi, SYSTEM_NAMESPACES, TlsMode, _dns_label, _label_value


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
    version_service: PathTemplate = Field("{dir}/gateway-version-services.yaml",
                                          description="Per-version Services (routing.versionServices).")


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
    version_services: bool = Field(
        False,
        description="With gateway-api, apply a Service's split by generating a Service <name>-<version> per "
        "version (its selector plus the subset label) and weighting the routes' backendRefs over them; "
        "Gateway API routes have no subsets. Off: the split is not applied (warning).",
    )


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
