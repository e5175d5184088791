"""The function as orchestrators see it: which mode, config loading, then the core."""

from __future__ import annotations


from .core import transform
from .items import Item
from .results import Results
from .settings import load_settings

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

VALIDATOR_KIND = "IstioMeshValidator"


def run(items: list[Item], function_config: Any, results: Results) -> list[Item]:
    if isinstance(function_config, dict) and function_config.get("kind") == VALIDATOR_KIND:
        # Validator mode (a kpt validators: step): analysis only, items untouched.
        from .analyze.krm import validate

        return validate(items, function_config, results)
    settings = load_settings(function_config, results)
    if settings is None:
        return items  # config errors are already results; pass everything through intact
    out, produced = transform(items, settings)
    results.extend(produced)
    return out
