"""Namespace labels that put pods on the mesh (sidecar injection or ambient)."""

from __future__ import annotations

INJECTION = "istio-injection"
REVISION = "istio.io/rev"
DATAPLANE = "istio.io/dataplane-mode"
SIDECAR_INJECT = "sidecar.istio.io/inject"


def wanted_labels(mode: str, revision: str | None) -> dict[str, str]:
    if mode == "enabled":
        return {INJECTION: "enabled"}
    if mode == "revision":
        return {REVISION: str(revision)}
    if mode == "ambient":
        return {DATAPLANE: "ambient"}
    return {}


def conflict(existing: dict[str, str], wanted: dict[str, str]) -> str | None:
    """Why a person's own labels forbid ours, or None. Their choice wins."""
    if existing.get(INJECTION) == "disabled":
        return "it is labelled istio-injection=disabled"
    if DATAPLANE in existing and existing[DATAPLANE] != "ambient" and DATAPLANE in wanted:
        return f"it is labelled {DATAPLANE}={existing[DATAPLANE]}"
    if REVISION in wanted and existing.get(INJECTION) == "enabled":
        # istio-injection wins over istio.io/rev in the injector's selector.
        return "it is labelled istio-injection=enabled, which overrides istio.io/rev"
    if INJECTION in wanted and REVISION in existing:
        return f"it is labelled {REVISION}={existing[REVISION]} (revision-based injection)"
    return None


def sidecar_injected(labels: dict[str, str]) -> bool:
    """Whether a namespace with these labels gets sidecars."""
    if labels.get(INJECTION) == "disabled":
        return False
    return labels.get(INJECTION) == "enabled" or bool(labels.get(REVISION))
