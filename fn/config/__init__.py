"""The function config: pydantic models in the shape of a CRD, and their loaders.

Importing this module imports pydantic (~0.3 s). The generator only does so when a
function config is actually present; with no config it reads the committed
``schema/defaults.json``, which ``tests/test_schema_files.py`` keeps equal to these models'
defaults.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    Field,
    ValidationError,
    model_validator,
)

from .. import configbase
from ..configbase import Metadata, Model, ref_of, report
from ..results import Results
from .fields import (  # noqa: F401 - the models, importable as fn.config.<Name>
    DnsLabel, LabelKey, LabelValue, Duration, NameTemplate, LabelTemplate, PathTemplate, LoadBalancer, RoutingApi, TlsMode, SYSTEM_NAMESPACES,
)
from .sections import (  # noqa: F401 - the models, importable as fn.config.<Name>
    Retries, Injection, MTLS, LabelRequirement, LabelSelector, DestinationRuleConfig, VirtualServiceConfig, Hosts, Paths, Routing, Exclude, Kustomize, Analyze,
)
from .resilience import (  # noqa: F401 - the models, importable as fn.config.<Name>
    PortTimeout, OutlierDetection, outlier_problem, TcpPool, HttpPool, ConnectionPool, Resilience, StringMatch, HeaderName, SplitMatch, Split, PortOverride, ExportScope,
)
from .zerotrust import (  # noqa: F401 - the models, importable as fn.config.<Name>
    AuthzMode, Principal, AllowRule, IngressGateway, Authorization, JwtProvider, RequestAuthentication, Egress,
)

API_GROUP = "istio-mesh-fn.dev"
API_VERSION = f"{API_GROUP}/v1alpha1"
KIND = "IstioMesh"


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

__all__ = [
    "API_GROUP",
    "API_VERSION",
    "AllowRule",
    "Analyze",
    "Authorization",
    "AuthzMode",
    "ConnectionPool",
    "DestinationRuleConfig",
    "DnsLabel",
    "Duration",
    "Egress",
    "Exclude",
    "ExportScope",
    "HeaderName",
    "Hosts",
    "HttpPool",
    "IngressGateway",
    "Injection",
    "IstioMesh",
    "JwtProvider",
    "KIND",
    "Kustomize",
    "LabelKey",
    "LabelRequirement",
    "LabelSelector",
    "LabelTemplate",
    "LabelValue",
    "LoadBalancer",
    "MTLS",
    "MeshSpec",
    "NameTemplate",
    "OutlierDetection",
    "PathTemplate",
    "Paths",
    "PortOverride",
    "PortTimeout",
    "Principal",
    "RequestAuthentication",
    "Resilience",
    "Retries",
    "Routing",
    "RoutingApi",
    "SYSTEM_NAMESPACES",
    "ServiceOverride",
    "Split",
    "SplitMatch",
    "StringMatch",
    "TcpPool",
    "TlsMode",
    "VirtualServiceConfig",
    "defaults",
    "json_schema",
    "load_typed",
    "outlier_problem",
]
