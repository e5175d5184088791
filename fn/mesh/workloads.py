"""Workloads, their pods, and which Services select them."""

from __future__ import annotations

from collections import defaultdict

from ..items import Item
from ..results import Results
from .types import Workload

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Mapping

# Pod templates live at spec.template for all of these; a Rollout may instead point at a
# Deployment with spec.workloadRef, and then the Deployment's pods are the Rollout's.
WORKLOAD_KINDS = {
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("apps", "ReplicaSet"),
    ("argoproj.io", "Rollout"),
}

SIDECAR_INJECT = "sidecar.istio.io/inject"


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in value.items()}


def _template(item: Item, by_name: Mapping[tuple[str, str, str], Item], results: Results) -> dict[str, Any] | None:
    """The pod template, following Rollout workloadRefs; a cycle is reported, not recursed."""
    seen: set[int] = set()
    current = item
    while True:
        template = current.get("spec", "template")
        if isinstance(template, dict):
            return template
        if current.kind != "Rollout" or id(current) in seen:
            if id(current) in seen:
                results.error(f"{item.describe()}: spec.workloadRef forms a cycle; its pods are unknown",
                              resource_ref=item.ref(), file=item.file_ref(), field={"path": "spec.workloadRef"})
            return None
        seen.add(id(current))
        ref = current.get("spec", "workloadRef")
        if not isinstance(ref, dict) or not ref.get("name"):
            return None
        target = by_name.get((str(ref.get("kind") or "Deployment"), current.namespace, str(ref["name"])))
        if target is None:
            return None
        current = target


def _sidecar(labels: Mapping[str, str], annotations: Mapping[str, str], host_network: bool) -> tuple[bool | None, str]:
    """The pod's own say on injection. Istio reads the label first, then the annotation;
    hostNetwork pods are never injected."""
    if host_network:
        return False, "its pods use hostNetwork, which Istio never injects"
    for source, values in (("label", labels), ("annotation", annotations)):
        value = values.get(SIDECAR_INJECT)
        if value in ("false", "true"):
            return value == "true", f"its pods carry the {source} {SIDECAR_INJECT}={value}"
    return None, ""


def collect(items: Iterable[Item], default_namespace: str, results: Results) -> list[Workload]:
    candidates: list[Item] = []
    by_name: dict[tuple[str, str, str], Item] = {}
    items_list = list(items)
    for item in items_list:
        if (item.group, item.kind) in WORKLOAD_KINDS:
            candidates.append(item)
            by_name[(item.kind, item.namespace, item.name)] = item
    scaled = _autoscaled(items_list)
    out = []
    for item in candidates:
        template = _template(item, by_name, results)
        if template is None:
            continue
        meta = template.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        labels = _str_map(meta.get("labels"))
        if not labels:
            continue
        annotations = _str_map(meta.get("annotations"))
        spec = template.get("spec")
        spec = spec if isinstance(spec, dict) else {}
        host_network = spec.get("hostNetwork") is True
        sidecar, why = _sidecar(labels, annotations, host_network)
        out.append(Workload(
            item=item, namespace=item.namespace or default_namespace, name=item.name, kind=item.kind,
            pod_labels=labels, pod_annotations=annotations,
            service_account=str(spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"),
            sidecar=sidecar, sidecar_reason=why, container_ports=_named_ports(spec),
            replicas=scaled.get((item.namespace, item.kind, item.name), _replicas(item)),
        ))
    return out


def _autoscaled(items: Iterable[Item]) -> dict[tuple[str, str, str], int | None]:
    """The least replicas a HorizontalPodAutoscaler keeps its target at (minReplicas,
    default 1): with an autoscaler, spec.replicas is often left out and says nothing."""
    out: dict[tuple[str, str, str], int | None] = {}
    for item in items:
        if item.kind != "HorizontalPodAutoscaler" or item.group != "autoscaling":
            continue
        ref = item.get("spec", "scaleTargetRef")
        if isinstance(ref, dict) and ref.get("kind") and ref.get("name"):
            low = item.get("spec", "minReplicas")
            value = 1 if low is None else low if isinstance(low, int) and not isinstance(low, bool) else None
            out[(item.namespace, str(ref["kind"]), str(ref["name"]))] = value
    return out


def _replicas(item: Item) -> int | None:
    if item.kind == "DaemonSet":
        return None
    value = item.get("spec", "replicas")
    if value is None:
        return 1  # the API server's default
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _named_ports(spec: dict[str, Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for key in ("initContainers", "containers"):
        for c in _list(spec.get(key)):
            for p in _list(c.get("ports") if isinstance(c, dict) else None):
                if isinstance(p, dict) and p.get("name") and isinstance(p.get("containerPort"), int):
                    out.setdefault(str(p["name"]), p["containerPort"])
    return out


class WorkloadIndex:
    """Workloads by (namespace, label key, label value), so matching a Service costs the
    size of its smallest selector bucket, not the number of workloads."""

    def __init__(self, workloads: Iterable[Workload]):
        self._by_label: dict[tuple[str, str, str], list[Workload]] = defaultdict(list)
        for w in workloads:
            for k, v in w.pod_labels.items():
                self._by_label[(w.namespace, k, v)].append(w)

    def select(self, namespace: str, selector: Mapping[str, str]) -> list[Workload]:
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
