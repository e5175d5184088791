"""Who must reach which workload on which port: the call graph's edges and the ingress
routes turned into (principal, container port) pairs per callee workload. The
authorization policies render this; ``fn/authzcheck.py`` checks the result."""

from __future__ import annotations

from collections import defaultdict
from typing import Mapping

from ..callgraph import CallGraph, Service, ServicePort, ServiceRef, Workload, WorkloadRef
from ..records import field, mutable_record
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


def through_waypoint(svc: Service, waypoints: Mapping[tuple[str, str], str]) -> str | None:
    """The waypoint that calls to this Service pass through, or None. A headless Service's
    callers reach the pods by their own addresses, which a waypoint for Services does not
    see (ztunnel sends only Service-addressed traffic to it)."""
    if svc.headless:
        return None
    return waypoints.get((svc.ref.namespace, svc.ref.name))


def service_callers(graph: CallGraph, trust_domain: str,
                    waypoints: Mapping[tuple[str, str], str]) -> dict[ServiceRef, dict[int, set[str]]]:
    """For each Service whose calls pass through a waypoint: Service port -> the callers'
    principals. A waypoint evaluates the policies attached to the Service the request was
    addressed to, on the port it was addressed to (the Service's, not the pods')."""
    services = {s.ref: s for s in graph.services}
    principals = caller_principal(graph, trust_domain)
    out: dict[ServiceRef, dict[int, set[str]]] = {}
    for e in graph.edges:
        svc = services.get(e.service)
        if svc is None or through_waypoint(svc, waypoints) is None:
            continue
        for p in svc.ports:
            if p.protocol == "TCP" and (not e.ports or p.port in e.ports):
                out.setdefault(svc.ref, {}).setdefault(p.port, set()).add(principals[e.caller])
    return out


def compute(graph: CallGraph, routes: tuple[IngressRoute, ...], trust_domain: str,
            waypoints: Mapping[tuple[str, str], str] | None = None) -> dict[WorkloadRef, Access]:
    """``waypoints``: (namespace, Service) -> the waypoint its calls pass through. The pods
    behind it then see the waypoint's identity, not the caller's: they must let in the
    waypoint (and only it, for those calls). Ingress gateways and scrapers reach the pods
    directly, as before."""
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
        if svc is None:
            continue
        waypoint = through_waypoint(svc, waypoints or {})
        grant(svc, e.ports, principals[e.caller] if waypoint is None
              else principal(trust_domain, svc.ref.namespace, waypoint))
    for r in routes:
        svc = services.get(ServiceRef(*r.service))
        if svc is None:
            continue
        for ref in grant(svc, r.ports, r.principal):
            out[ref].gateways.add(r.principal)
            if r.assumed:
                out[ref].assumed_gateways.add(r.principal)
    return out
