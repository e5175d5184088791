"""Schema validation of Istio objects against Istio's own CRDs: OpenAPI v3 schemas and
their CEL rules (``x-kubernetes-validations``), as the Kubernetes API server applies them
on create with strict field validation (``kubectl apply``'s default).

Importing this package is cheap: the schemas and the CEL engine load on the first call.

    validate(obj) -> list[Issue]          # [] for a valid object or a non-Istio kind
    known_kind(api_version, kind) -> bool # a served Istio kind and version
"""

from __future__ import annotations

from typing import Any

from .issues import Issue

__all__ = ["Issue", "known_kind", "validate"]


def validate(obj: dict[str, Any], channel: str = "standard") -> list[Issue]:
    """Every schema violation in ``obj`` (plain Python values, as read from YAML/JSON);
    Gateway API objects against the CRDs of ``channel`` (standard or experimental).

    Objects of other API groups yield nothing; an Istio group with a kind or version no
    CRD serves yields one issue (``no matches for kind ...``)."""
    from .validator import validate as _validate

    return _validate(obj, channel)


def known_kind(api_version: str, kind: str) -> bool:
    from .catalog import known_kind as _known

    return _known(api_version, kind)
