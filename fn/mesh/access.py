"""Who must reach which workload on which port: the call graph's edges and the ingress
routes turned into (principal, container port) pairs per callee workload. The
authorization policies render this; ``fn/authzcheck.py`` checks the result."""

from __future__ import annotations

from collections import defaultdict
from ..records import field, mutable_record

from ..callgraph import CallGraph, Service, ServicePort, ServiceRef, Workload, WorkloadRef
from .ingress import IngressRoute, principal


@mutable_record
class Access:
    workload: Workload
    # container port -> principals allowed in
    ports: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    gateways: set[str] = field(default_factory=set)  # principals that come from an ingress gateway
    assumed_gateways: set[str] = field(default_factory=set)
    unresolved: list[str] = field(default_factory=list)  # named target ports not found in its pods


def target_port(w: Workload, port: ServicePort) -> int | None:
    """The container port behind a Service port on this workload; a named targetPort is
    looked up in its containers' ports."""
    if isinstance(port.target_port, int):
        return port.target_port
    for name, number in w.container_ports:
        if name == port.target_port:
            return number
    return None


def caller_principal(graph: CallGraph, trust_domain: str) -> dict[WorkloadRef, str]:
    return {w.ref: principal(trust_domain, w.ref.namespace, w.service_account) for w in graph.workloads}


def compute(graph: CallGraph, routes: tuple[IngressRoute, ...], trust_domain: str) -> dict[WorkloadRef, Access]:
    workloads = {w.ref: w for w in graph.workloads}
    services = {s.ref: s for s in graph.services}
    principals = caller_principal(graph, trust_domain)
    out: dict[WorkloadRef, Access] = {ref: Access(w) for ref, w in workloads.items()}

    def grant(svc: Service, ports: tuple[int, ...], who: str) -> list[WorkloadRef]:
        reached = []
        for ref in svc.workloads:
            acc = out[ref]
            for p in svc.ports:
                if ports and p.port not in ports:
                    continue
                if p.protocol != "TCP":
                    continue  # Istio does not proxy UDP or SCTP; no policy applies
                number = target_port(acc.workload, p)
                if number is None:
                    acc.unresolved.append(f"{svc.ref} port {p.port} targets {p.target_port!r}")
                    continue
                acc.ports[number].add(who)
            reached.append(ref)
        return reached

    for e in graph.edges:
        svc = services.get(e.service)
        if svc is not None:
            grant(svc, e.ports, principals[e.caller])
    for r in routes:
        svc = services.get(ServiceRef(*r.service))
        if svc is None:
            continue
        for ref in grant(svc, r.ports, r.principal):
            out[ref].gateways.add(r.principal)
            if r.assumed:
                out[ref].assumed_gateways.add(r.principal)
    return out
