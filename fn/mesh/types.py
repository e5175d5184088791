"""The mesh model's facts. Every decision a policy acts on is made once, when the model is
built, and carries the reason a result can cite."""

from __future__ import annotations

from ..records import field, record

from ..items import Item
from ..settings import ConnectionPool, OutlierDetection, PortOverride, Retries, Split
from .ingress import IngressRoute

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Mapping

    # Only the zero-trust policies read it; the no-config run never imports the inference.
    from ..callgraph import CallGraph

# Data-plane modes of a namespace.
SIDECAR, AMBIENT, NO_MESH = "sidecar", "ambient", "none"

# The routing APIs a Service can be routed by (ServiceConfig.routing_api).
ISTIO_ROUTING, GATEWAY_API_ROUTING = "istio", "gateway-api"

# Port families: how a route can treat a port. "" is a port Istio has to sniff.
HTTP, TCP, TLS, UDP, UNKNOWN = "http", "tcp", "tls", "udp", ""


@record
class Port:
    number: int
    name: str
    protocol: str
    # Carries long-lived streams (websockets): a route timeout would cut them off.
    stream: bool = False
    # The pods' port: a number, or a container port name (targetPort; the port itself when unset).
    target: int | str | None = None
    # An HTTP-family port that carries gRPC (GRPCRoute can route it; grpc-web is HTTP/1).
    grpc: bool = False


@record
class Workload:
    item: Item
    namespace: str
    name: str
    kind: str
    pod_labels: Mapping[str, str]
    pod_annotations: Mapping[str, str]
    service_account: str
    # True or False where the pod itself decides (sidecar.istio.io/inject, hostNetwork);
    # None where the namespace decides.
    sidecar: bool | None
    sidecar_reason: str
    # spec.replicas as written (1 when a scalable kind omits it); None where unknown
    # (DaemonSet, or a value that is not a number).
    replicas: int | None = None
    # Named container ports (name -> containerPort), for named targetPorts.
    container_ports: Mapping[str, int] = field(default_factory=dict)


@record
class ServiceConfig:
    """A Service's effective per-Service settings. Precedence: the Service's
    ``istio-mesh-fn.dev/*`` annotation, then its ``spec.services[]`` override, then the
    global setting; ``sources`` names where each value came from."""

    timeout: str | None
    retries: Retries | None
    load_balancer: str | None
    tls_mode: str
    subset_label: str
    # "istio" (VirtualService) or "gateway-api" (HTTPRoute/GRPCRoute/TCPRoute, GAMMA).
    routing_api: str = "istio"
    sources: Mapping[str, str] = field(default_factory=dict)
    # resilience (issue 13). None: not set for this Service.
    outlier_detection: OutlierDetection | None = None
    connection_pool: ConnectionPool | None = None
    locality_failover: bool = False
    split: Split | None = None
    ports: tuple[PortOverride, ...] = ()


@record
class VersionService:
    """One per-version Service a Gateway API split routes to: the Service's selector
    plus ``label: version``."""

    version: str
    name: str
    weight: int
    label: str


@record
class VersionPlan:
    """How a Service's split is applied under the Gateway API, which has no subsets:
    over per-version Services (``services``), or not at all (empty, and ``level`` says
    how loudly ``reason`` is reported)."""

    services: tuple[VersionService, ...]
    reason: str
    level: str = "info"

    @property
    def applied(self) -> bool:
        return bool(self.services)


@record
class Service:
    item: Item
    namespace: str
    name: str
    type: str
    selector: Mapping[str, str]
    ports: tuple[Port, ...]
    workloads: tuple[Workload, ...]
    host: str
    config: ServiceConfig
    # Why the function manages nothing for this Service (excluded, skipped, invalid).
    skip: str | None
    # Whether every endpoint of the Service will have a sidecar that speaks Istio mTLS.
    sidecar: bool
    sidecar_reason: str
    # The data plane of its namespace (SIDECAR, AMBIENT, NO_MESH).
    dataplane: str = NO_MESH
    # The waypoint its L7 traffic goes through in ambient mode (a Gateway name in its
    # namespace), or None; and why.
    waypoint: str | None = None
    waypoint_reason: str = ""
    # How its split is applied with routing.api gateway-api; None: no split, or not
    # routed by the Gateway API.
    versions: VersionPlan | None = None

    @property
    def ambient(self) -> bool:
        return self.dataplane == AMBIENT

    @property
    def headless(self) -> bool:
        """Its clients address the pods themselves, so no waypoint for Services sees them."""
        return bool(self.item.get("spec", "clusterIP") == "None")

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)

    @property
    def replicas(self) -> int | None:
        """Endpoints its workloads ask for; None when any workload's count is unknown."""
        counts = [w.replicas for w in self.workloads]
        if not counts or any(c is None for c in counts):
            return None
        return sum(c for c in counts if c is not None)


@record
class Namespace:
    name: str
    item: Item | None
    labels: Mapping[str, str]
    # Labels this run adds to the Namespace item (the namespace-labels policy applies them).
    add_labels: Mapping[str, str]
    # Why the wanted labels were not added: a person's own labels win.
    unlabelled_because: str | None
    # Its Namespace item carries, or gets now, the labels that put it on the mesh.
    labelled_on_mesh: bool
    dataplane: str
    dataplane_reason: str
    mtls: str
    mtls_reason: str

    @property
    def injected(self) -> bool:
        return self.dataplane == SIDECAR


@record
class UserObjects:
    """Objects a person wrote that a generated one must not duplicate, shadow or overwrite."""

    # (kind, namespace, name) of every Istio object in the input.
    names: frozenset[tuple[str, str, str]]
    # kind -> (namespace or "*", host) -> the object routing or configuring that host.
    hosts: Mapping[str, Mapping[tuple[str, str], Item]]
    # File paths of the input (kpt): a generated object never lands in a person's file.
    paths: frozenset[str]
    # Gateway API route kind -> (namespace, Service name) -> a person's route whose
    # parentRefs attach it to that Service (GAMMA).
    routes: Mapping[str, Mapping[tuple[str, str], Item]] = field(default_factory=dict)
    # (namespace, name) -> a person's waypoint Gateway (gatewayClassName istio-waypoint).
    waypoints: Mapping[tuple[str, str], Item] = field(default_factory=dict)
    # Every Istio networking/security object a person wrote, in input order, with the
    # namespace it lands in: what a move to ambient may have to migrate.
    istio: tuple[tuple[str, Item], ...] = ()

    def route_for(self, svc: "Service", kinds: tuple[str, ...] = ("HTTPRoute", "GRPCRoute", "TCPRoute")) -> Item | None:
        for kind in kinds:
            hit = self.routes.get(kind, {}).get(svc.key)
            if hit is not None:
                return hit
        return None

    def for_host(self, kind: str, svc: Service, cluster_domain: str) -> Item | None:
        """A person's ``kind`` for this Service's host. A short host resolves in the
        object's own namespace; ``name.ns``, ``name.ns.svc`` and the FQDN from anywhere."""
        index = self.hosts.get(kind, {})
        ns = svc.namespace
        hit = index.get((ns, svc.name)) or index.get((ns, svc.host))
        if hit is not None or not ns:
            return hit
        for q in (f"{svc.name}.{ns}", f"{svc.name}.{ns}.svc", f"{svc.name}.{ns}.svc.{cluster_domain}"):
            hit = index.get((ANY_NAMESPACE, q))
            if hit is not None:
                return hit
        return None


ANY_NAMESPACE = "*"


@record
class WaypointPlan:
    """A waypoint to generate in one ambient namespace, and who is told to use it: the
    Namespace item when the package holds it, else the Services themselves."""

    namespace: str
    name: str
    services: tuple[str, ...]
    # Items to label istio.io/use-waypoint=<name> (those not labelled so already).
    label_items: tuple[Item, ...]
    reason: str
    # False when a person's waypoint of that name is in the input: it is used as is.
    generate: bool = True
    # The namespace it will land in: ``namespace``, or for items that set none, the
    # package's only application namespace (for file paths; metadata stays unset).
    lands_in: str = ""


@record
class ServiceAccountPlan:
    """A ServiceAccount the function generates for one workload
    (``authorization.serviceAccounts: per-workload``), and the edit that makes the
    workload run as it. Every identity in the model (workloads, call graph, ingress)
    already names ``account``."""

    item: Item  # the workload
    kind: str
    namespace: str
    name: str
    # The pod spec under the workload item, where serviceAccountName is set.
    pod_spec: tuple[str, ...]
    account: str
    # What it ran as in the input; equal to ``account`` when an earlier run generated it.
    was: str
    # The ServiceAccount it stands in for (``default``, or the one it shared), whose
    # imagePullSecrets and automountServiceAccountToken it copies.
    replaces: str
    # Those fields, from ``replaces``' object when the input holds it.
    copied: Mapping[str, object]
    reason: str
    # Bindings (``Kind ns/name``) that grant ``replaces`` rights the new account lacks.
    bindings: tuple[str, ...] = ()
    # The input holds ``replaces``' object (else nothing could be copied from it).
    source_found: bool = False
    # The pod spec pulls with imagePullSecrets of its own.
    own_pull_secrets: bool = False

    @property
    def edit(self) -> bool:
        return self.account != self.was

    @property
    def workload(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


@record
class MeshModel:
    namespaces: Mapping[str, Namespace]
    services: tuple[Service, ...]
    workloads: tuple[Workload, ...]
    user: UserObjects
    root_namespace: str
    root_namespace_reason: str
    # Namespaces whose pods the function puts on the mesh: those of the Services it
    # manages and the Namespace items it labels (sorted).
    mesh_namespaces: tuple[str, ...]
    # Whether the package itself holds anything in the root namespace (a platform
    # package) or only application namespaces.
    root_in_package: bool = False
    # Who calls whom (fn/callgraph), with the declared calls merged in; computed only when
    # a policy that reads it is enabled, so the no-config run does not pay for it.
    calls: CallGraph | None = None
    # Which gateway identity reaches which Service (same condition).
    ingress: tuple[IngressRoute, ...] = ()
    # Waypoints this run generates: namespace -> its plan.
    waypoints: Mapping[str, "WaypointPlan"] = field(default_factory=dict)
    # ServiceAccounts generated per workload (and those an earlier run generated that a
    # workload still runs as), in a stable order.
    service_accounts: tuple[ServiceAccountPlan, ...] = ()

    def namespace(self, name: str) -> Namespace:
        found = self.namespaces.get(name)
        if found is not None:
            return found
        return Namespace(name, None, {}, {}, None, False, NO_MESH,
                         f"namespace {name or '(none set)'} is not known to be on the mesh",
                         "PERMISSIVE", "Istio's default")
