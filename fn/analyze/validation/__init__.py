"""Istio's own validation (its validating webhook's functions), beyond the CRD schema.

``validate(obj)`` returns the errors and warnings ``istiod`` would give the object, for
the kinds listed in ``KINDS``. Each kind's module is imported on first use, so a caller
that sees only DestinationRules never loads the AuthorizationPolicy rules.

Anchor: istio/istio pkg/config/validation (validation.go, virtualservice.go) and
pkg/config/validation/agent at 86c9f01fd735fb01d8192f5bcaf0d424afb7f14c.
"""

from __future__ import annotations

from ... import import_module

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .common import Validation

KINDS: dict[tuple[str, str], str] = {
    ("networking.istio.io", "DestinationRule"): "destinationrule",
    ("networking.istio.io", "VirtualService"): "virtualservice",
    ("networking.istio.io", "Gateway"): "gateway",
    ("networking.istio.io", "ServiceEntry"): "serviceentry",
    ("networking.istio.io", "Sidecar"): "sidecar",
    ("security.istio.io", "PeerAuthentication"): "peerauthentication",
    ("security.istio.io", "AuthorizationPolicy"): "authorizationpolicy",
    ("security.istio.io", "RequestAuthentication"): "requestauthentication",
}

_DRY_RUN = "istio.io/dry-run"
_ALWAYS_REJECT = "internal.istio.io/webhook-always-reject"
_INTERNAL = ("internal.istio.io/parent-namespace", "internal.istio.io/parents")


def supports(group: str, kind: str) -> bool:
    return (group, kind) in KINDS


def validate(obj: dict[str, Any], default_namespace: str = "") -> Validation:
    """Istio's verdict on one object (apiVersion, kind, metadata, spec as plain data)."""
    api_version = str(obj.get("apiVersion") or "")
    group = api_version.split("/", 1)[0] if "/" in api_version else ""
    kind = str(obj.get("kind") or "")
    module = KINDS.get((group, kind))
    from .common import Validation

    if module is None:
        return Validation()
    meta = _mapping(obj.get("metadata"))
    name = str(meta.get("name") or "")
    namespace = str(meta.get("namespace") or default_namespace)
    spec = _mapping(obj.get("spec"))
    err = _metadata(kind, name, namespace, meta, spec)
    if err:
        return Validation(errors=[err])
    result: Validation = import_module(f"{__name__}.{module}").validate(name, namespace, spec, meta)
    return result


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _metadata(kind: str, name: str, namespace: str, meta: dict[str, Any], spec: dict[str, Any]) -> str | None:
    """Istio's ``validateMetadata``, which wraps every kind's validation."""
    annotations = _mapping(meta.get("annotations"))
    if _DRY_RUN in annotations:
        if kind != "AuthorizationPolicy":
            return f"{namespace}/{name} has unsupported annotation {_DRY_RUN}, please remove the annotation"
        action = str(spec.get("action") or "ALLOW")
        value = annotations[_DRY_RUN]
        if action in ("ALLOW", "DENY"):
            text = str(value).lower() if isinstance(value, bool) else str(value)
            if text not in ("1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"):
                return (f"{namespace}/{name} has annotation {_DRY_RUN} with invalid value ({text}): "
                        f'strconv.ParseBool: parsing "{text}": invalid syntax')
        else:
            return (f"the annotation {_DRY_RUN} currently only supports action ALLOW/DENY, found action {action} "
                    f"in {namespace}/{name}")
    if _ALWAYS_REJECT in annotations:
        return f'"{_ALWAYS_REJECT}" annotation found, rejecting'
    for key in _INTERNAL:
        if key in annotations:
            return f'"{key}" annotation found, this may not be set by users'
    return None


__all__ = ["KINDS", "supports", "validate"]

