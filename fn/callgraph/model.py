"""The call graph's types: frozen, hashable, and ordered so every output is stable."""

from __future__ import annotations

from typing import Mapping

from ..records import ordered_record, record, replace


@ordered_record
class WorkloadRef:
    kind: str
    namespace: str
    name: str

    @property
    def id(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}" if self.namespace else f"{self.kind}/{self.name}"

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


@ordered_record
class ServiceRef:
    namespace: str
    name: str

    @property
    def id(self) -> str:
        return f"Service/{self.namespace}/{self.name}" if self.namespace else f"Service/{self.name}"

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


@ordered_record
class ServicePort:
    port: int
    name: str
    protocol: str  # TCP, UDP or SCTP, as Kubernetes spells it
    target_port: int | str  # a number or a container port name
    app_protocol: str = ""


@record
class Workload:
    ref: WorkloadRef
    pod_labels: tuple[tuple[str, str], ...]
    service_account: str  # "default" when the pod spec names none, as Kubernetes does
    container_ports: tuple[tuple[str, int], ...]  # (name, containerPort) of named ports


@record
class Service:
    ref: ServiceRef
    type: str  # ClusterIP, NodePort, LoadBalancer, ExternalName
    headless: bool
    selector: tuple[tuple[str, str], ...]
    ports: tuple[ServicePort, ...]
    workloads: tuple[WorkloadRef, ...]  # the workloads its selector picks, same namespace
    external_name: str = ""


@ordered_record
class Evidence:
    """Why an edge exists: which item, which field, and the text found there.

    ``source`` is ``env``, ``args``, ``command``, ``configmap``, ``annotation`` or
    ``declared``; ``via`` is the workload field that brought a ConfigMap in."""

    source: str
    item: str  # "Kind namespace/name"
    file: str  # the item's file, "" when unknown
    field: str
    text: str
    via: str = ""
    port: int | None = None  # the port this piece of evidence names, if any


@record
class Edge:
    caller: WorkloadRef
    service: ServiceRef
    ports: tuple[int, ...]  # Service ports the caller may use; all of them when none was named
    evidence: tuple[Evidence, ...]

    @property
    def declared(self) -> bool:
        return any(e.source in ("annotation", "declared") for e in self.evidence)


@record
class External:
    host: str
    port: int | None  # as written, or the scheme's port; None when neither says
    scheme: str
    callers: tuple[WorkloadRef, ...]
    evidence: tuple[Evidence, ...]


@record
class Note:
    """An address that looks like it is meant for the cluster but reaches nothing here
    (no such Service, or a port the Service does not have), or a declared edge that
    names no workload or Service."""

    caller: WorkloadRef | None
    message: str
    evidence: Evidence


@record
class Declared:
    """An edge the user states: ``caller`` is ``name``, ``namespace/name`` or
    ``Kind/namespace/name``; ``to`` is an address as in the calls annotation."""

    caller: str
    to: str
    origin: str = "config"


@record
class CallGraph:
    cluster_domain: str
    workloads: tuple[Workload, ...]
    services: tuple[Service, ...]
    edges: tuple[Edge, ...]
    externals: tuple[External, ...]
    notes: tuple[Note, ...]

    def with_service_accounts(self, accounts: Mapping[WorkloadRef, str]) -> CallGraph:
        """The same graph with these workloads running as other ServiceAccounts (the
        ones the function gives them: the edges name workloads, not identities)."""
        if not any(accounts.get(w.ref, w.service_account) != w.service_account for w in self.workloads):
            return self
        return replace(self, workloads=tuple(replace(w, service_account=accounts.get(w.ref, w.service_account))
                                             for w in self.workloads))

    def service(self, ref: ServiceRef) -> Service | None:
        for s in self.services:
            if s.ref == ref:
                return s
        return None
