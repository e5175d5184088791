"""Find Services, their ports' protocols, and the workloads behind them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from .items import Item

# Pod templates live at spec.template for all of these; a Rollout may instead point at a
# Deployment with spec.workloadRef, and then the Deployment's labels are the pods'.
WORKLOAD_KINDS = {
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("apps", "ReplicaSet"),
    ("argoproj.io", "Rollout"),
}

HTTP, TCP, TLS, UDP, UNKNOWN = "http", "tcp", "tls", "udp", ""

# Istio's port-name prefixes and appProtocol values -> how a VirtualService can route it.
# https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
_PROTOCOLS = {
    "http": HTTP, "http2": HTTP, "grpc": HTTP, "grpc-web": HTTP, "h2c": HTTP,
    "kubernetes.io/h2c": HTTP, "kubernetes.io/ws": HTTP,
    "https": TLS, "tls": TLS, "kubernetes.io/wss": TLS,
    "tcp": TCP, "mongo": TCP, "mysql": TCP, "redis": TCP,
    "udp": UDP,
}


def port_protocol(port: dict[str, Any]) -> str:
    """``http``, ``tcp``, ``tls``, ``udp``, or ``""`` when Istio has to sniff it."""
    if str(port.get("protocol") or "TCP").upper() in ("UDP", "SCTP"):
        return UDP
    app = str(port.get("appProtocol") or "").lower()
    if app:
        return _PROTOCOLS.get(app, UNKNOWN)
    name = str(port.get("name") or "").lower()
    if name in _PROTOCOLS:
        return _PROTOCOLS[name]
    prefix = name.split("-", 1)[0]
    if "-" in name:
        # "grpc-web" itself is a prefix that contains a dash.
        if name.startswith("grpc-web-") or name == "grpc-web":
            return HTTP
        return _PROTOCOLS.get(prefix, UNKNOWN)
    return UNKNOWN


@dataclass
class Port:
    number: int
    name: str
    protocol: str


@dataclass
class Workload:
    item: Item
    namespace: str
    pod_labels: dict[str, str]


@dataclass
class Service:
    item: Item
    namespace: str
    name: str
    type: str
    selector: dict[str, str]
    ports: list[Port]
    workloads: list[Workload] = field(default_factory=list)


def resolve_namespace(item: Item, default_namespace: str) -> str:
    return item.namespace or default_namespace


def _pod_labels(item: Item, by_name: dict[tuple[str, str, str], Item]) -> dict[str, str] | None:
    labels = item.get("spec", "template", "metadata", "labels")
    if isinstance(labels, dict):
        return {str(k): str(v) for k, v in labels.items()}
    if item.kind == "Rollout":
        ref = item.get("spec", "workloadRef")
        if isinstance(ref, dict) and ref.get("name"):
            target = by_name.get((str(ref.get("kind") or "Deployment"), item.namespace, str(ref["name"])))
            if target is not None:
                return _pod_labels(target, by_name)
    return None


class WorkloadIndex:
    """Workloads by (namespace, label key, label value), so matching a Service costs the
    size of its smallest selector bucket, not the number of workloads."""

    def __init__(self, workloads: Iterable[Workload]):
        self._by_label: dict[tuple[str, str, str], list[Workload]] = defaultdict(list)
        for w in workloads:
            for k, v in w.pod_labels.items():
                self._by_label[(w.namespace, k, v)].append(w)

    def select(self, namespace: str, selector: dict[str, str]) -> list[Workload]:
        if not selector:
            return []
        buckets = []
        for k, v in selector.items():
            bucket = self._by_label.get((namespace, k, v))
            if not bucket:
                return []
            buckets.append(bucket)
        smallest = min(buckets, key=len)
        return [w for w in smallest if all(w.pod_labels.get(k) == v for k, v in selector.items())]


def discover(items: list[Item], default_namespace: str) -> list[Service]:
    services: list[Item] = []
    workloads: list[Workload] = []
    by_name: dict[tuple[str, str, str], Item] = {}
    workload_items: list[Item] = []
    for item in items:
        kind = item.kind
        if kind == "Service" and item.api_version == "v1":
            services.append(item)
        elif (item.group, kind) in WORKLOAD_KINDS:
            workload_items.append(item)
            by_name[(kind, item.namespace, item.name)] = item
    for item in workload_items:
        labels = _pod_labels(item, by_name)
        if labels:
            workloads.append(Workload(item, resolve_namespace(item, default_namespace), labels))
    index = WorkloadIndex(workloads)
    out = []
    for item in services:
        spec = item.get("spec")
        spec = spec if isinstance(spec, dict) else {}
        ns = resolve_namespace(item, default_namespace)
        selector = spec.get("selector")
        selector = {str(k): str(v) for k, v in selector.items()} if isinstance(selector, dict) else {}
        ports = []
        for p in spec.get("ports") or []:
            if not isinstance(p, dict):
                continue
            try:
                number = int(p.get("port"))
            except (TypeError, ValueError):
                continue
            ports.append(Port(number, str(p.get("name") or ""), port_protocol(p)))
        svc = Service(
            item=item, namespace=ns, name=item.name, type=str(spec.get("type") or "ClusterIP"),
            selector=selector, ports=ports,
        )
        svc.workloads = index.select(ns, selector)
        out.append(svc)
    return out
