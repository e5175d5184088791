"""Istio's ``ValidatePeerAuthentication``."""

from __future__ import annotations


from .common import Validation, d, num, validate_workload_selector

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def validate(name: str, namespace: str, spec: dict[str, Any], meta: dict[str, Any]) -> Validation:
    v = Validation()
    selector = spec.get("selector")
    empty_selector = selector is None or not d(d(selector).get("matchLabels"))
    port_level = spec.get("portLevelMtls")
    if empty_selector and port_level:
        v.err("mesh/namespace peer authentication cannot have port level mTLS")
    if port_level is not None and not port_level:
        v.err("port level mTLS, if defined, must have at least one element")
    for port in d(port_level):
        p = num(port)
        if p <= 0 or p > 65535:
            v.err("port must be in range 1..65535")
    v.add(validate_workload_selector(selector))
    return v
