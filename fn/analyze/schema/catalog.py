"""The shipped extract of Istio's CRDs (data/istio-crds.schemas.json), loaded once."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

DATA_FILE = "istio-crds.schemas.json"


@lru_cache(maxsize=1)
def data() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def groups() -> frozenset[str]:
    return frozenset(gv.split("/", 1)[0] for gv in data()["kinds"])


def lookup(api_version: str, kind: str) -> dict[str, Any] | None:
    """The served version's entry (schema index, scope, status subresource), or None."""
    return data()["kinds"].get(api_version, {}).get(kind)


def known_kind(api_version: str, kind: str) -> bool:
    return lookup(api_version, kind) is not None


def is_istio_group(api_version: str) -> bool:
    return "/" in api_version and api_version.split("/", 1)[0] in groups()
