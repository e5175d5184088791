"""The shipped CRD extracts, loaded once each: Istio's (data/istio-crds.schemas.json) and
the Gateway API's, one per channel (data/gateway-api-<channel>.schemas.json)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

DATA_FILE = "istio-crds.schemas.json"
ISTIO = "istio"
CHANNELS = ("standard", "experimental")
GATEWAY_API_GROUPS = frozenset({"gateway.networking.k8s.io", "gateway.networking.x-k8s.io"})


def dataset_file(dataset: str) -> str:
    return DATA_FILE if dataset == ISTIO else f"{dataset}.schemas.json"


@lru_cache(maxsize=None)
def data(dataset: str = ISTIO) -> dict[str, Any]:
    text = resources.files(__package__).joinpath("data", dataset_file(dataset)).read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def groups() -> frozenset[str]:
    return frozenset(gv.split("/", 1)[0] for gv in data()["kinds"])


def gateway_dataset(channel: str) -> str:
    if channel not in CHANNELS:
        raise ValueError(f"unknown Gateway API channel {channel!r}; allowed: {', '.join(CHANNELS)}")
    return f"gateway-api-{channel}"


def lookup(api_version: str, kind: str, channel: str = "standard") -> dict[str, Any] | None:
    """The served version's entry (schema index, scope, status subresource, and the
    ``dataset`` its schema index refers to), or None."""
    group = api_version.split("/", 1)[0]
    dataset = gateway_dataset(channel) if group in GATEWAY_API_GROUPS else ISTIO
    entry = data(dataset)["kinds"].get(api_version, {}).get(kind)
    return None if entry is None else {**entry, "dataset": dataset}


def known_kind(api_version: str, kind: str, channel: str = "standard") -> bool:
    return lookup(api_version, kind, channel) is not None


def is_istio_group(api_version: str) -> bool:
    return "/" in api_version and api_version.split("/", 1)[0] in groups()


def is_checked_group(api_version: str) -> bool:
    """A group whose every kind and version the extracts know: anything else in it is
    not served."""
    return is_istio_group(api_version) or ("/" in api_version and api_version.split("/", 1)[0] in GATEWAY_API_GROUPS)
