"""The call graph's inputs: workloads with their pod templates, and Services."""

from __future__ import annotations

from collections import defaultdict
from ..records import mutable_record
from typing import Any, Iterator

from ..items import Item
from .model import Service, ServicePort, ServiceRef, Workload, WorkloadRef

# kind -> path of the pod template under the item ("" for a Pod itself).
_POD_TEMPLATES: dict[tuple[str, str], tuple[str, ...]] = {
    ("apps", "Deployment"): ("spec", "template"),
    ("apps", "StatefulSet"): ("spec", "template"),
    ("apps", "DaemonSet"): ("spec", "template"),
    ("apps", "ReplicaSet"): ("spec", "template"),
    ("", "ReplicationController"): ("spec", "template"),
    ("batch", "Job"): ("spec", "template"),
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template"),
    ("argoproj.io", "Rollout"): ("spec", "template"),
    ("apps.openshift.io", "DeploymentConfig"): ("spec", "template"),
    ("", "Pod"): (),
}

@mutable_record
class _Pod:
    item: Item
    ref: WorkloadRef
    labels: dict[str, str]
    annotations: dict[str, str]
    spec: dict[str, Any]
    prefix: str  # field path of the pod spec under the item
    # A Rollout's pods from another item's template (spec.workloadRef): editing the pod
    # spec means editing that item, which other workloads may share.
    borrowed: bool = False

    @property
    def service_account(self) -> str:
        return service_account(self.spec)


def service_account(spec: dict[str, Any]) -> str:
    """A pod spec's ServiceAccount: ``default`` when it names none, as Kubernetes does."""
    return str(spec.get("serviceAccountName") or spec.get("serviceAccount") or "default")




def _ns(item: Item, default_namespace: str) -> str:
    return item.namespace or default_namespace


def _pods(items: list[Item], default_namespace: str) -> list[_Pod]:
    by_name = {(i.kind, _ns(i, default_namespace), i.name): i for i in items}
    out = []
    for item in items:
        path = _POD_TEMPLATES.get((item.group, item.kind))
        if path is None:
            continue
        ns = _ns(item, default_namespace)
        template = item.get(*path) if path else item.obj
        prefix = ".".join(path)
        borrowed = False
        if item.kind == "Rollout" and not isinstance(template, dict):
            borrowed = True
            # A Rollout may borrow a Deployment's pod template (spec.workloadRef).
            ref = item.get("spec", "workloadRef")
            target = by_name.get((str(ref.get("kind") or "Deployment"), ns, str(ref.get("name")))) \
                if isinstance(ref, dict) else None
            template = target.get("spec", "template") if target is not None else None
        if not isinstance(template, dict):
            continue
        raw_meta, raw_spec = template.get("metadata"), template.get("spec")
        meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
        spec: dict[str, Any] = raw_spec if isinstance(raw_spec, dict) else {}
        labels = _str_map(meta.get("labels"))
        annotations = dict(item.annotations)
        annotations.update(_str_map(meta.get("annotations")))
        out.append(_Pod(item, WorkloadRef(item.kind, ns, item.name), labels, annotations, spec,
                        f"{prefix}.spec" if prefix else "spec", borrowed))
    return out


def pods(items: list[Item], default_namespace: str) -> list[_Pod]:
    """Every workload's pod template, of every kind the call graph knows."""
    return _pods(items, default_namespace)


def service_accounts(items: list[Item], default_namespace: str) -> dict[WorkloadRef, str]:
    """The ServiceAccount each workload's pods run as."""
    return {p.ref: p.service_account for p in _pods(items, default_namespace)}


def _workload(pod: _Pod) -> Workload:
    sa = pod.service_account
    ports = []
    for c in _containers(pod.spec):
        for p in _list(c[1].get("ports")):
            if isinstance(p, dict) and p.get("name") and isinstance(p.get("containerPort"), int):
                ports.append((str(p["name"]), p["containerPort"]))
    return Workload(pod.ref, tuple(sorted(pod.labels.items())), sa, tuple(sorted(set(ports))))


def _services(items: list[Item], default_namespace: str, workloads: list[Workload]) -> list[Service]:
    # Workloads by (namespace, label, value): a selector is checked against its smallest
    # bucket, not against every workload.
    by_label: dict[tuple[str, str, str], list[Workload]] = defaultdict(list)
    for w in workloads:
        for k, v in w.pod_labels:
            by_label[(w.ref.namespace, k, v)].append(w)
    out = []
    for item in items:
        if item.kind != "Service" or item.api_version != "v1":
            continue
        spec = item.get("spec")
        spec = spec if isinstance(spec, dict) else {}
        ns = _ns(item, default_namespace)
        selector = _str_map(spec.get("selector"))
        ports = []
        for p in _list(spec.get("ports")):
            if not isinstance(p, dict):
                continue
            try:
                number = int(str(p.get("port")))
            except (TypeError, ValueError):
                continue
            target = p.get("targetPort", number)
            target = target if isinstance(target, int) else (int(target) if str(target).isdigit() else str(target))
            ports.append(ServicePort(number, str(p.get("name") or ""), str(p.get("protocol") or "TCP").upper(),
                                     target, str(p.get("appProtocol") or "")))
        buckets = [by_label.get((ns, k, v), []) for k, v in selector.items()]
        smallest = min(buckets, key=len) if buckets else []
        backing = tuple(sorted(
            w.ref for w in smallest if all((k, v) in w.pod_labels for k, v in selector.items())
        ))
        out.append(Service(
            ref=ServiceRef(ns, item.name), type=str(spec.get("type") or "ClusterIP"),
            headless=str(spec.get("clusterIP") or "") == "None", selector=tuple(sorted(selector.items())),
            ports=tuple(ports), workloads=backing, external_name=str(spec.get("externalName") or ""),
        ))
    return out


def _containers(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for key in ("initContainers", "containers"):
        for i, c in enumerate(_list(spec.get(key))):
            if isinstance(c, dict):
                yield f"{key}[{i}]", c


def _str_map(value: Any) -> dict[str, str]:
    return {str(k): _str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    # As YAML wrote it: a label `true` read as a bool is still the string "true".
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _list(value: Any) -> list[Any]:
    """A list field, or nothing: malformed input is for the analyzers to report."""
    return value if isinstance(value, list) else []

