"""Validation of one object against its served CRD version."""

from __future__ import annotations

from typing import Any

from . import catalog, defaulting, meta
from .issues import Issue
from .structural import BLOCKING, NOT_CHECKED, Walk, compiled, show, type_of

_IMPLICIT = ("apiVersion", "kind", "metadata")


def validate(obj: Any, channel: str = "standard") -> list[Issue]:
    """``channel``: the Gateway API CRD channel Gateway API objects are checked against."""
    if not isinstance(obj, dict):
        return [Issue("", f"Invalid value: {show(type_of(obj))}: must be of type object", kind="type")]
    api_version = obj.get("apiVersion")
    kind = obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return []
    entry = catalog.lookup(api_version, kind, channel)
    if entry is None:
        if catalog.is_checked_group(api_version):
            return [Issue("", f'no matches for kind "{kind}" in version "{api_version}"', kind="kind")]
        return []
    root = compiled(entry["schema"], entry["dataset"])
    walk = Walk()
    body = {k: v for k, v in obj.items() if k not in _IMPLICIT}
    if entry.get("statusSubresource"):
        # With the status subresource on, create and update drop status before
        # validating it; only its unknown fields would matter, and it keeps them all.
        body.pop("status", None)
    raw = catalog.data(entry["dataset"])["schemas"][entry["schema"]]
    body = defaulting.apply(raw, body, skip=frozenset({"status"}) if entry.get("statusSubresource") else frozenset())
    pruned = walk.check(root, body, "")
    meta.check(obj.get("metadata"), walk)
    if root.subtree_rules:
        if any(i.kind in BLOCKING for i in walk.issues):
            walk.add("", "not-checked", NOT_CHECKED)
        else:
            walk.rules(root, pruned, "")
    return walk.issues
