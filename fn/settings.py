"""Turn whatever function config arrived into the settings the core reads.

Three forms are accepted, as in the kpt SDK: none, a ConfigMap with flat ``data`` keys,
and the typed ``IstioMesh`` kind. With none, the defaults come from a committed JSON
file instead of the pydantic models, so the common path never pays pydantic's import.
"""

from __future__ import annotations

import json
import os
from types import SimpleNamespace
from typing import Any

from .results import Results

API_VERSION = "istio-mesh-fn.dev/v1alpha1"
KIND = "IstioMesh"


def _namespace(value: Any) -> Any:
    if isinstance(value, dict):
        return SimpleNamespace(**{k: _namespace(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_namespace(v) for v in value]
    return value


# A plain file beside this module: the package is installed as files (pip, the image),
# and importlib.resources would pull zipfile, tempfile and shutil into every start-up.
_DEFAULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schema", "defaults.json")


def default_settings() -> Any:
    with open(_DEFAULTS, encoding="utf-8") as fh:
        return _namespace(json.load(fh))


def load_settings(fc: dict[str, Any] | None, results: Results) -> Any | None:
    """Settings for ``fc`` (a function config as Python values), or None after
    adding error results that name every problem at once."""
    if fc is None or fc == {}:
        return default_settings()
    if not isinstance(fc, dict):
        results.error(f"invalid function config: expected a mapping, got {type(fc).__name__}",
                      field={"path": "functionConfig"})
        return None
    api_version, kind = fc.get("apiVersion"), fc.get("kind")
    if kind == "ConfigMap" and api_version == "v1":
        from . import config

        spec = config.load_configmap(fc, results)
    elif kind == KIND:
        from . import config

        spec = config.load_typed(fc, results)
    else:
        results.error(
            f"invalid function config: unsupported kind {api_version}/{kind}; use "
            f"{API_VERSION} {KIND}, a v1 ConfigMap, or no config",
            resource_ref={"apiVersion": str(api_version), "kind": str(kind)},
            field={"path": "kind", "currentValue": kind},
        )
        return None
    if spec is None:
        return None
    data = spec.model_dump(mode="json", by_alias=False)
    # Overrides keep only what the user wrote: absent fields inherit the global ones.
    data["services"] = [o.model_dump(mode="json", by_alias=False, exclude_unset=True) for o in spec.services]
    return _namespace(data)
