"""What every generated object shares."""

from __future__ import annotations

from typing import Any

OWNER_ANNOTATION = "istio-mesh-fn.dev/generated-by"
OWNER_VALUE = "istio-mesh-fn"


def metadata(name: str, namespace: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = dict(labels)
    # The marker is how a re-run finds, and replaces, exactly what it made before.
    meta["annotations"] = {OWNER_ANNOTATION: OWNER_VALUE}
    return meta
