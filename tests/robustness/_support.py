"""Shared helpers of the robustness tests: hypothesis profiles, the CLI, ResourceLists."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from fn import yamlnodes as yn
from fn.function import run
from fn.resourcelist import Outcome, parse_documents, process

ROOT = Path(__file__).resolve().parents[2]

# The default profile keeps `make test` fast; ROBUSTNESS_PROFILE=long runs far more
# examples (before a release, or to chase a rare failure).
settings.register_profile(
    "robustness", max_examples=60, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.register_profile("robustness-long", parent=settings.get_profile("robustness"), max_examples=2000)
PROFILE = settings.get_profile(
    "robustness-long" if os.environ.get("ROBUSTNESS_PROFILE") == "long" else "robustness"
)

RL_HEAD = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"

# A Service and the Deployment behind it: the smallest package that generates config.
SERVICE = """apiVersion: v1
kind: Service
metadata: {name: cart, namespace: shop}
spec:
  selector: {app: cart}
  ports: [{name: http, port: 80}]"""
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: cart, namespace: shop}
spec:
  template:
    metadata:
      labels: {app: cart, version: v1}"""


def cli(stdin: bytes | None = b"", *args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess:
    """The real CLI process, as kpt, kustomize and ArgoCD run it."""
    return subprocess.run([sys.executable, "-m", "fn", *args], input=stdin, capture_output=True,
                          timeout=timeout, env=env, cwd=cwd or ROOT)


def resource_list(items: list[str], function_config: str | None = None) -> str:
    """A ResourceList written as text, so every scalar stays exactly as written.
    ``items`` are block-style YAML mappings (no leading ``- ``)."""
    out = RL_HEAD + "items:\n" if items else RL_HEAD + "items: []\n"
    for item in items:
        lines = item.strip("\n").split("\n")
        out += "- " + lines[0] + "\n" + "".join("  " + ln + "\n" for ln in lines[1:])
    if function_config:
        out += "functionConfig:\n" + "".join("  " + ln + "\n" for ln in function_config.strip("\n").split("\n"))
    return out


def run_text(text: str | bytes, config_override: Any = None) -> Outcome:
    data = text.encode() if isinstance(text, str) else text
    return process(data, run, config_override)


def rl_root(text: str) -> MappingNode:
    # Aliases expanded, as the function reads them, so that before and after compare.
    docs = parse_documents(text, check_duplicates=False)
    assert len(docs) == 1 and isinstance(docs[0], MappingNode), text[:200]
    return docs[0]


def rl_items(text: str) -> list[Node]:
    items = yn.get(rl_root(text), "items")
    assert isinstance(items, SequenceNode), "items is not a list"
    return list(items.value)


def rl_results(text: str) -> list[dict[str, Any]]:
    return yn.to_py(yn.get(rl_root(text), "results")) or []


def errors(results) -> list:
    return [r for r in results if (r["severity"] if isinstance(r, dict) else r.severity) == "error"]


def identity(node: Node) -> tuple[str, str, str, str]:
    api = yn.scalar_str(yn.get(node, "apiVersion")) or ""
    meta = yn.get(node, "metadata")
    return (
        api.split("/", 1)[0] if "/" in api else "",
        yn.scalar_str(yn.get(node, "kind")) or "",
        yn.scalar_str(yn.get(meta, "namespace")) or "",
        yn.scalar_str(yn.get(meta, "name")) or "",
    )


def text_of(node: Node) -> str:
    return yn.serialize(node)


def assert_no_anchors(text: str, source: str | bytes | None = None) -> None:
    """The function writes no anchor of its own, and no alias to an anchor in another
    item (kpt reads each item on its own). An anchor or alias in the output is one the
    user wrote (``source``), inside an item copied as it was read: kpt reads those back,
    as an identity function shows (tests/test_kpt_fidelity.py)."""
    import yaml

    if isinstance(source, bytes):
        source = source.decode("utf-8", errors="replace")
    depth = 0
    defined: set[str] = set()
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.DocumentStartEvent):
            defined = set()
        if isinstance(event, (yaml.CollectionStartEvent, yaml.ScalarEvent, yaml.AliasEvent)) and depth == 2:
            defined = set()  # a new entry of a top-level list: a ResourceList's item
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            assert source is not None and f"&{anchor}" in source, f"anchor &{anchor} in the output"
            if isinstance(event, yaml.AliasEvent):
                assert anchor in defined, f"alias *{anchor} to an anchor outside its item"
            else:
                defined.add(anchor)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
