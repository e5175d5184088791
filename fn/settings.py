"""The settings the core and the policies read: frozen, typed, and free of pydantic.

Three config forms are accepted, as in the kpt SDK: none, a ConfigMap with flat ``data``
keys, and the typed ``IstioMesh`` kind. The pydantic models in ``fn.config`` validate the
last two and report every problem; what they accept is turned into the dataclasses below.
With no config the defaults are these classes' own (kept equal to the committed
``schema/defaults.json`` by a test), so the most common run never imports pydantic (0.18-0.26 s of CPU to import fn.config with it, measured
for issue 9). ``tests/test_settings.py`` keeps these classes field-for-field equal to the
models.
"""

from __future__ import annotations

from .records import field, field_names as field_names, record

from .results import Results
# The sections' dataclasses live beside this module; they are importable from here.
from .settings_resilience import (
    OutlierDetection as OutlierDetection, TcpPool as TcpPool, HttpPool as HttpPool, ConnectionPool as ConnectionPool, Resilience as Resilience, StringMatch as StringMatch, SplitMatch as SplitMatch, Split as Split, PortOverride as PortOverride,
)  # noqa: F401
from .settings_zerotrust import (
    AllowRule as AllowRule, IngressGateway as IngressGateway, Authorization as Authorization, JwtProvider as JwtProvider, RequestAuthentication as RequestAuthentication, Egress as Egress, _authorization, _request_authentication,
)  # noqa: F401

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

API_VERSION = "istio-mesh-fn.dev/v1alpha1"
KIND = "IstioMesh"


@record
class Retries:
    attempts: int = 3
    per_try_timeout: str | None = "10s"
    retry_on: str | None = None


@record
class Injection:
    mode: str = "enabled"
    revision: str | None = None
    namespaces: tuple[str, ...] = ()


@record
class MTLS:
    mode: str = "STRICT"
    scope: str = "mesh"
    root_namespace: str = "istio-system"


@record
class LabelRequirement:
    key: str
    operator: str
    values: tuple[str, ...] = ()


@record
class LabelSelector:
    match_labels: Mapping[str, str] = field(default_factory=dict)
    match_expressions: tuple[LabelRequirement, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Kubernetes' label-selector semantics; an empty selector matches nothing here,
        because an exclude rule that excludes everything is never what was meant."""
        if not self.match_labels and not self.match_expressions:
            return False
        if any(labels.get(k) != v for k, v in self.match_labels.items()):
            return False
        for req in self.match_expressions:
            present = req.key in labels
            value = labels.get(req.key)
            if req.operator == "In" and value not in req.values:
                return False
            if req.operator == "NotIn" and present and value in req.values:
                return False
            if req.operator == "Exists" and not present:
                return False
            if req.operator == "DoesNotExist" and present:
                return False
        return True


@record
class DestinationRuleSettings:
    enabled: bool = True
    name_template: str = "{name}-destination"
    labels: Mapping[str, str] = field(default_factory=lambda: {"app": "{name}"})
    tls_mode: str = "ISTIO_MUTUAL"
    load_balancer: str | None = None
    subset_label: str = "version"


@record
class VirtualServiceSettings:
    enabled: bool = True
    name_template: str = "{name}"
    labels: Mapping[str, str] = field(default_factory=dict)
    timeout: str | None = "30s"
    retries: Retries | None = field(default_factory=Retries)


@record
class Hosts:
    style: str = "short"
    cluster_domain: str = "cluster.local"


@record
class Paths:
    destination_rule: str = "{dir}/istio-destinationrule.yaml"
    virtual_service: str = "{dir}/istio-virtualservice.yaml"
    peer_authentication: str = "istio/peer-authentication-{mode}.yaml"
    http_route: str = "{dir}/gateway-httproute.yaml"
    grpc_route: str = "{dir}/gateway-grpcroute.yaml"
    tcp_route: str = "{dir}/gateway-tcproute.yaml"
    waypoint: str = "istio/waypoint-{namespace}.yaml"
    version_service: str = "{dir}/gateway-version-services.yaml"


@record
class Routing:
    # None: gateway-api with injection.mode ambient, else istio (the model resolves it).
    api: str | None = None
    gateway_api_channel: str = "standard"
    grpc: str = "GRPCRoute"
    version_services: bool = False

    def default_api(self, injection_mode: str) -> str:
        if self.api is not None:
            return self.api
        # VirtualService is only Alpha on waypoints, and ztunnel reads no routes at all:
        # in ambient, the Gateway API is what Istio supports.
        return "gateway-api" if injection_mode == "ambient" else "istio"


@record
class RetriesOverride:
    """Retries as one override wrote them: only the fields in ``given`` were set."""

    attempts: int | None = None
    per_try_timeout: str | None = None
    retry_on: str | None = None
    given: frozenset[str] = frozenset()


@record
class ServiceOverride:
    """One ``spec.services[]`` entry. ``given`` names the fields the user wrote: an
    explicit ``timeout: null`` (no timeout) differs from an absent one (inherit)."""

    name: str
    namespace: str | None = None
    timeout: str | None = None
    retries: RetriesOverride | None = None
    load_balancer: str | None = None
    tls_mode: str | None = None
    subset_label: str | None = None
    # resilience (issue 13): the outlier and pool fields keep only what the override set,
    # as plain mappings, merged over the global ones when a Service's settings resolve.
    outlier_detection: Mapping[str, Any] | None = None
    connection_pool: Mapping[str, Any] | None = None
    split: Split | None = None
    ports: tuple[PortOverride, ...] = ()
    routing_api: str | None = None
    given: frozenset[str] = frozenset()


def _pool(data: Mapping[str, Any]) -> ConnectionPool:
    return ConnectionPool(TcpPool(**data.get("tcp") or {}), HttpPool(**data.get("http") or {}))


def _split(data: Mapping[str, Any] | None) -> Split | None:
    if data is None:
        return None
    match = data.get("match")
    if match is not None:
        match = SplitMatch({k: StringMatch(**v) for k, v in match["headers"].items()}, match["subset"])
    return Split(dict(data["weights"]), match, data.get("mirror"), data.get("mirror_percentage"))


def _retries_override(data: Mapping[str, Any] | None) -> RetriesOverride | None:
    return None if data is None else RetriesOverride(**data, given=frozenset(data))


def _port_override(data: Mapping[str, Any]) -> PortOverride:
    values = dict(data)
    retries = _retries_override(values.pop("retries", None))
    return PortOverride(**values, retries=retries, given=frozenset(data))


# ------------------------------------------------------------- end of resilience


@record
class Exclude:
    names: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ("kube-system", "kube-public", "kube-node-lease", "istio-system")
    selector: LabelSelector | None = None


@record
class Kustomize:
    register_resources: bool = True


@record
class Analyze:
    generated: bool = True
    schema_: bool = False
    fail_on: str = "Error"




@record
class Settings:
    default_namespace: str | None = None
    injection: Injection = field(default_factory=Injection)
    mtls: MTLS = field(default_factory=MTLS)
    destination_rule: DestinationRuleSettings = field(default_factory=DestinationRuleSettings)
    virtual_service: VirtualServiceSettings = field(default_factory=VirtualServiceSettings)
    hosts: Hosts = field(default_factory=Hosts)
    paths: Paths = field(default_factory=Paths)
    routing: Routing = field(default_factory=Routing)
    services: tuple[ServiceOverride, ...] = ()
    exclude: Exclude = field(default_factory=Exclude)
    kustomize: Kustomize = field(default_factory=Kustomize)
    analyze: Analyze = field(default_factory=Analyze)
    # resilience (issue 13)
    resilience: Resilience = field(default_factory=Resilience)
    export_scope: str = "mesh"
    authorization: Authorization = field(default_factory=Authorization)
    request_authentication: RequestAuthentication = field(default_factory=RequestAuthentication)
    egress: Egress = field(default_factory=Egress)


# ------------------------------------------------------------------ building

def _selector(data: Mapping[str, Any] | None) -> LabelSelector | None:
    if data is None:
        return None
    reqs = tuple(
        LabelRequirement(r["key"], r["operator"], tuple(r.get("values") or ()))
        for r in data.get("match_expressions") or ()
    )
    return LabelSelector(dict(data.get("match_labels") or {}), reqs)


def _retries(data: Mapping[str, Any] | None) -> Retries | None:
    return None if data is None else Retries(**data)


def _override(data: Mapping[str, Any]) -> ServiceOverride:
    """``data`` holds only the fields the user set (pydantic's exclude_unset dump)."""
    values = dict(data)
    retries = values.pop("retries", None)
    over = None
    if retries is not None:
        over = RetriesOverride(**retries, given=frozenset(retries))
    values["split"] = _split(values.get("split"))
    values["ports"] = tuple(_port_override(p) for p in values.get("ports") or ())
    return ServiceOverride(**values, retries=over, given=frozenset(data))


def from_data(data: Mapping[str, Any]) -> Settings:
    """Settings from the models' JSON dump (snake_case keys), or from defaults.json."""
    dr = dict(data["destination_rule"])
    vs = dict(data["virtual_service"])
    vs["retries"] = _retries(vs.get("retries"))
    ex = dict(data["exclude"])
    inj = dict(data["injection"])
    return Settings(
        default_namespace=data.get("default_namespace"),
        injection=Injection(inj["mode"], inj.get("revision"), tuple(inj.get("namespaces") or ())),
        mtls=MTLS(**data["mtls"]),
        destination_rule=DestinationRuleSettings(**dr),
        virtual_service=VirtualServiceSettings(**vs),
        hosts=Hosts(**data["hosts"]),
        paths=Paths(**data["paths"]),
        routing=Routing(**data["routing"]),
        services=tuple(_override(o) for o in data.get("services") or ()),
        exclude=Exclude(tuple(ex.get("names") or ()), tuple(ex.get("namespaces") or ()), _selector(ex.get("selector"))),
        kustomize=Kustomize(**data["kustomize"]),
        analyze=Analyze(**data["analyze"]),
        resilience=_resilience(data.get("resilience")),
        export_scope=str(data.get("export_scope") or "mesh"),
        authorization=_authorization(data.get("authorization")),
        request_authentication=_request_authentication(data.get("request_authentication")),
        egress=Egress(**(data.get("egress") or {})),
    )


def _resilience(data: Mapping[str, Any] | None) -> Resilience:
    if data is None:
        return Resilience()
    return Resilience(OutlierDetection(**data["outlier_detection"]), _pool(data["connection_pool"]),
                      bool(data["locality_failover"]))


def default_settings() -> Settings:
    # The classes' own defaults: tests/test_settings_defaults.py holds them equal to the
    # committed schema/defaults.json and to the pydantic models' defaults, so no run has
    # to read a file (or import a parser) to learn them (issue 15, start-up).
    return Settings()


def load_settings(fc: Any, results: Results) -> Settings | None:
    """Settings for ``fc`` (a function config as Python values), or None after
    adding error results that name every problem at once."""
    if fc is None or fc == {}:
        return default_settings()
    if not isinstance(fc, dict):
        results.error(f"invalid function config: expected a mapping, got {type(fc).__name__}",
                      field={"path": "functionConfig"})
        return None
    api_version, kind = fc.get("apiVersion"), fc.get("kind")
    if kind == "ConfigMap" and api_version == "v1":
        from . import configmap

        spec = configmap.load_configmap(fc, results)
    elif kind == KIND:
        from . import config

        spec = config.load_typed(fc, results)
    else:
        results.error(
            f"invalid function config: unsupported kind {api_version}/{kind}; use "
            f"{API_VERSION} {KIND}, a v1 ConfigMap, or no config",
            resource_ref={"apiVersion": str(api_version), "kind": str(kind)},
            field={"path": "kind", "currentValue": kind},
        )
        return None
    if spec is None:
        return None
    data = spec.model_dump(mode="json", by_alias=False)
    # Overrides keep only what the user wrote: absent fields inherit the global ones.
    data["services"] = [o.model_dump(mode="json", by_alias=False, exclude_unset=True) for o in spec.services]
    for o, dumped in zip(spec.services, data["services"]):
        # A split is whole, never merged: its defaults count as written.
        if o.split is not None:
            dumped["split"] = o.split.model_dump(mode="json", by_alias=False)
    return from_data(data)
