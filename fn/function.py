"""The function as orchestrators see it: config loading, the core, then checks."""

from __future__ import annotations

from typing import Any

from .core import transform
from .items import Item
from .results import Results
from .settings import load_settings


def run(items: list[Item], function_config: Any, results: Results) -> list[Item]:
    settings = load_settings(function_config, results)
    if settings is None:
        return items  # config errors are already results; pass everything through intact
    out, produced = transform(items, settings)
    results.extend(produced)
    return out
