"""PeerAuthentication: what mTLS servers in a scope accept."""

from __future__ import annotations

from typing import Any

from .common import metadata

API_VERSION = "security.istio.io/v1"
KIND = "PeerAuthentication"


def build(*, namespace: str, mode: str, name: str = "default") -> dict[str, Any]:
    # "default" with no selector is the one policy per namespace Istio applies to all
    # workloads there; in the root namespace it is mesh-wide.
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": metadata(name, namespace),
        "spec": {"mtls": {"mode": mode}},
    }
