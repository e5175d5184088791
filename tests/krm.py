"""Helpers to run the function in-process the way orchestrators do."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from fn import yamlnodes as yn
from fn.function import run
from fn.items import Item
from fn.resourcelist import process
from fn.results import Results

ROOT = Path(__file__).resolve().parents[1]


def items_from_yaml(text: str, path: str | None = None) -> list[Item]:
    items = []
    for i, node in enumerate(yn.compose_all(text)):
        item = Item(node)
        if path:
            for key in ("internal.config.kubernetes.io/path", "config.kubernetes.io/path"):
                item.set_annotation(key, path)
            for key in ("internal.config.kubernetes.io/index", "config.kubernetes.io/index"):
                item.set_annotation(key, str(i))
        items.append(item)
    return items


def read_package(root: Path) -> list[Item]:
    """What ``kpt fn source`` gives: every YAML file with its path and index."""
    items: list[Item] = []
    for f in sorted(root.rglob("*.yaml")):
        rel = f.relative_to(root).as_posix()
        items.extend(items_from_yaml(f.read_text(), rel))
    return items


def generate(items: list[Item], config: dict[str, Any] | None = None) -> tuple[list[Item], Results]:
    results = Results()
    out = run(items, config, results)
    return out, results


def generated(items: list[Item]) -> list[dict[str, Any]]:
    from fn.core import is_generated

    return [i.obj for i in items if is_generated(i)]


def by_kind(objs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objs if o["kind"] == kind}


def resource_list(items_yaml: str, function_config: str | None = None) -> bytes:
    docs = [d for d in yaml.safe_load_all(items_yaml) if d]
    rl: dict[str, Any] = {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": docs}
    if function_config:
        rl["functionConfig"] = yaml.safe_load(function_config)
    return yaml.safe_dump(rl, sort_keys=False).encode()


def run_bytes(data: bytes):
    return process(data, run)


def strip_internal(obj: dict[str, Any]) -> dict[str, Any]:
    """An object as kpt writes it to disk: without the orchestration annotations."""
    obj = yaml.safe_load(yaml.safe_dump(obj))
    anns = obj.get("metadata", {}).get("annotations", {})
    for key in list(anns):
        if key.startswith(("internal.config.kubernetes.io/", "config.kubernetes.io/path", "config.kubernetes.io/index")):
            del anns[key]
    if not anns:
        obj.get("metadata", {}).pop("annotations", None)
    return obj


def env_flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false")


def update_requested(name: str) -> bool:
    """Whether ``name`` (UPDATE_GOLDEN, UPDATE_EXPECTED) asks to rewrite expected files.
    Refused under CI: there a rewrite would turn every failure into a pass."""
    if not env_flag(name):
        return False
    if env_flag("CI"):
        import pytest

        pytest.fail(f"{name} is refused when CI=true: expected files are reviewed changes, not CI output")
    return True


def rewrite(path: Path, new: str) -> None:
    """Write ``new`` to ``path`` and show what changed, as a warning in pytest's summary."""
    import difflib
    import warnings

    old = path.read_text() if path.exists() else ""
    path.write_text(new)
    if old != new:
        diff = "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), str(path), str(path) + " (new)"))
        warnings.warn(f"rewrote {path}:\n{diff}", stacklevel=2)
