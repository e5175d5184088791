"""DestinationRule: TLS origination, load balancing and version subsets for one host."""

from __future__ import annotations

import re
from typing import Any

from .common import metadata

API_VERSION = "networking.istio.io/v1"
KIND = "DestinationRule"


def _natural(value: str) -> list[Any]:
    # v2 before v10, as people number versions.
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", value)]


def subsets(subset_label: str, pod_labels: list[dict[str, str]]) -> list[dict[str, Any]]:
    values = {labels[subset_label] for labels in pod_labels if labels.get(subset_label)}
    return [{"name": v, "labels": {subset_label: v}} for v in sorted(values, key=_natural)]


def build(
    *,
    name: str,
    namespace: str,
    labels: dict[str, str],
    host: str,
    tls_mutual: bool,
    load_balancer: str | None,
    subset_list: list[dict[str, Any]],
) -> dict[str, Any] | None:
    """None when the rule would only restate Istio's defaults."""
    policy: dict[str, Any] = {}
    if load_balancer:
        policy["loadBalancer"] = {"simple": load_balancer}
    if tls_mutual:
        policy["tls"] = {"mode": "ISTIO_MUTUAL"}
    if not policy and not subset_list:
        return None
    spec: dict[str, Any] = {"host": host}
    if policy:
        spec["trafficPolicy"] = policy
    if subset_list:
        spec["subsets"] = subset_list
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata(name, namespace, labels), "spec": spec}
