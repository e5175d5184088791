"""Resolving an address to a Service the way cluster DNS does, or to an external host."""

from __future__ import annotations

from ..records import field, mutable_record

from . import addresses as ad
from .model import Evidence, Note, Service, ServicePort, ServiceRef, Workload, WorkloadRef

@mutable_record
class _Acc:
    ports: set[int] = field(default_factory=set)
    evidence: set[Evidence] = field(default_factory=set)


@mutable_record
class _Found:
    caller: WorkloadRef
    addr: ad.Address
    evidence: Evidence
    declared: bool = False




class _ServiceIndex:
    def __init__(self, services: list[Service], domain: str, workloads: dict[WorkloadRef, Workload]):
        self.by_name = {(s.ref.namespace, s.ref.name): s for s in services}
        self.domain = domain
        self.workloads = workloads

    def target_ports(self, svc: Service, port: ServicePort) -> set[int]:
        """The container port numbers behind a Service port (a named targetPort may
        differ between the workloads it selects)."""
        if isinstance(port.target_port, int):
            return {port.target_port}
        out: set[int] = set()
        for ref in svc.workloads:
            out.update(n for name, n in self.workloads[ref].container_ports if name == port.target_port)
        return out

    def lookup(self, host: str, caller_ns: str) -> Service | None:
        """The Service ``host`` resolves to from a pod in ``caller_ns``.

        Pod resolv.conf searches ``<ns>.svc.<domain> svc.<domain> <domain>``, so a name
        reaches a Service as ``svc``, ``svc.ns``, ``svc.ns.svc`` or the full name; a
        headless Service's pods also as ``pod.svc[.ns[.svc[.<domain>]]]``."""
        labels = ad.dns_labels(host)
        if labels is None:
            return None
        full = host.endswith(".svc." + self.domain) or host.endswith(".svc")
        if host.endswith(".svc." + self.domain):
            labels = labels[: -(2 + self.domain.count("."))]
        elif host.endswith(".svc"):
            labels = labels[:-1]
        get = self.by_name.get
        if full:
            if len(labels) == 2:
                return get((labels[1], labels[0]))
            if len(labels) == 3:
                return self._headless(labels[2], labels[1])
            return None
        if len(labels) == 1:
            return get((caller_ns, labels[0]))
        if len(labels) == 2:
            return get((labels[1], labels[0])) or self._headless(caller_ns, labels[1])
        if len(labels) == 3:
            return self._headless(labels[2], labels[1])
        return None

    def _headless(self, ns: str, name: str) -> Service | None:
        svc = self.by_name.get((ns, name))
        return svc if svc is not None and svc.headless else None


def _resolve(f: _Found, index: _ServiceIndex, domain: str,
             edges: dict[tuple[WorkloadRef, ServiceRef], _Acc],
             externals: dict[tuple[str, int | None, str], tuple[set[WorkloadRef], set[Evidence]]],
             notes: list[Note]) -> None:
    addr = f.addr
    svc = index.lookup(addr.host, f.caller.namespace)
    if svc is not None:
        if f.caller in svc.workloads and addr.bare and not f.declared:
            return  # its own name (APP_NAME=cart), not a call to itself
        port = addr.effective_port
        if port is None:
            edges[(f.caller, svc.ref)].evidence.add(f.evidence)
            return
        matched = _service_port(svc, port, index)
        if matched is None:
            if not svc.ports and svc.type == "ExternalName":
                edges[(f.caller, svc.ref)].evidence.add(f.evidence)
                return
            notes.append(Note(f.caller, f"{addr.text!r} names Service {svc.ref} on port {port}, which it does not "
                                        f"expose (ports: {', '.join(str(p.port) for p in svc.ports) or 'none'})",
                              f.evidence))
            return
        acc = edges[(f.caller, svc.ref)]
        acc.ports.add(matched)
        acc.evidence.add(f.evidence)
        return
    if ad.looks_external(addr, domain):
        port = addr.effective_port
        key = (addr.host, port, addr.scheme)
        callers, ev = externals.setdefault(key, (set(), set()))
        callers.add(f.caller)
        ev.add(f.evidence)
        return
    if f.declared or _cluster_shaped(addr, domain):
        notes.append(Note(f.caller, f"{addr.text!r} names no Service in the input", f.evidence))


def _service_port(svc: Service, port: int, index: _ServiceIndex) -> int | None:
    """The Service port a connection to ``port`` uses. Through a ClusterIP only the
    Service's ``port`` answers; a headless Service's name resolves to pod IPs, so there
    the pods' port (``targetPort``) is what a client dials."""
    for p in svc.ports:
        if p.port == port:
            return p.port
    if svc.headless:
        for p in svc.ports:
            if port in index.target_ports(svc, p):
                return p.port
    return None


def _cluster_shaped(addr: ad.Address, domain: str) -> bool:
    host = addr.host
    if host.endswith(".svc") or host.endswith(".svc." + domain):
        return True
    return False


def _dedupe_notes(notes: list[Note]) -> list[Note]:
    seen = set()
    out = []
    for n in sorted(notes, key=lambda n: (n.caller or WorkloadRef("", "", ""), n.message, n.evidence)):
        key = (n.caller, n.message, n.evidence)
        if key not in seen:
            seen.add(key)
            out.append(n)
    return out
