"""Structural defaulting, as the API server applies it before validation: a property
absent from an object gets its schema's ``default`` (and defaults inside it), so CEL
rules see what the stored object will hold. The Gateway API's rules depend on it
(``kind`` of a backendRef, ``matches`` of an HTTPRoute rule)."""

from __future__ import annotations

import copy
from typing import Any


def apply(schema: dict[str, Any], value: Any, *, skip: frozenset[str] = frozenset()) -> Any:
    """A copy of ``value`` with defaults filled in; ``value`` itself is not changed.
    ``skip``: top-level properties left alone (status, under a status subresource)."""
    if isinstance(value, dict):
        props = schema.get("properties")
        out = {}
        for key, sub in value.items():
            child = props.get(key) if isinstance(props, dict) else None
            if child is None and isinstance(schema.get("additionalProperties"), dict):
                child = schema["additionalProperties"]
            out[key] = apply(child, sub) if isinstance(child, dict) else sub
        if isinstance(props, dict):
            for key, child in props.items():
                if key not in out and key not in skip and isinstance(child, dict) and "default" in child:
                    out[key] = apply(child, copy.deepcopy(child["default"]))
        return out
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [apply(schema["items"], v) for v in value]
    return value
