"""Read manifests for analysis: files, directories (recursively) and stdin.

Documents stay YAML node graphs until converted with ``to_py``, so a finding can point
at the line of the field it is about. A ResourceList or a ``kind: List`` is unwrapped.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any

from yaml.nodes import MappingNode, Node, SequenceNode

from .. import yamlnodes as yn
from ..items import Item
from .model import Resource

EXTENSIONS = (".yaml", ".yml", ".json")
STDIN = "-"


class LoadError(Exception):
    """Input that cannot be analyzed; the message names the file and line."""


@dataclass
class Loaded:
    resources: list[Resource] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def expand(paths: list[str]) -> list[str]:
    """Files to read, in a stable order: a directory's YAML and JSON files, recursively."""
    out: list[str] = []
    for p in paths:
        if p == STDIN or not os.path.isdir(p):
            out.append(p)
            continue
        found = []
        for root, dirs, files in os.walk(p):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found.extend(os.path.join(root, f) for f in files if f.lower().endswith(EXTENSIONS))
        out.extend(sorted(found))
    return out


def load_paths(paths: list[str], stdin: Any = None) -> Loaded:
    loaded = Loaded()
    for name in expand(paths):
        if name == STDIN:
            stream = stdin if stdin is not None else sys.stdin.buffer
            data = stream.read()
            label = "<stdin>"
        else:
            try:
                with open(name, "rb") as fh:
                    data = fh.read()
            except OSError as exc:
                raise LoadError(f"{name}: cannot read: {exc.strerror or exc}") from None
            label = name
        load_bytes(data, label, loaded)
    return loaded


def decode(data: bytes, label: str) -> str:
    if b"\x00" in data[:8192]:
        raise LoadError(f"{label}: binary file (it contains NUL bytes), not YAML or JSON")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LoadError(f"{label}:{line}: not UTF-8 text (invalid byte 0x{data[exc.start]:02x})") from None
    return text.removeprefix("\ufeff")


def parse(text: str, label: str) -> list[Node]:
    from ..resourcelist import InputError, parse_documents

    try:
        return parse_documents(text)
    except InputError as exc:
        raise LoadError(f"{label}: {_with_line(str(exc))}") from None


def _with_line(message: str) -> str:
    # "invalid YAML: ... at line 3, column 5" reads better as "line 3, column 5: invalid YAML: ..."
    head, sep, where = message.rpartition(" at line ")
    if sep and where[:1].isdigit():
        return f"line {where}: {head}"
    return message


def load_bytes(data: bytes, label: str, loaded: Loaded) -> None:
    text = decode(data, label)
    for index, node in enumerate(parse(text, label)):
        line = node.start_mark.line + 1 if node.start_mark is not None else None
        if not isinstance(node, MappingNode):
            loaded.warnings.append(f"{label}:{line}: skipped document {index}: not a Kubernetes object")
            continue
        kind = yn.scalar_str(yn.get(node, "kind"))
        if kind in ("List", "ResourceList") and _seq(yn.get(node, "items")) is not None:
            for j, sub in enumerate(_seq(yn.get(node, "items")) or []):
                _add(sub, label, index, loaded, from_list=(kind == "ResourceList"), where=f"items[{j}]")
            continue
        _add(node, label, index, loaded)


def _seq(node: Node | None) -> list[Node] | None:
    return node.value if isinstance(node, SequenceNode) else None


def _add(node: Node, label: str, index: int, loaded: Loaded, from_list: bool = False, where: str = "") -> None:
    line = node.start_mark.line + 1 if node.start_mark is not None else None
    doc = f"document {index}" + (f" {where}" if where else "")
    if not isinstance(node, MappingNode) or not yn.scalar_str(yn.get(node, "kind")) \
            or not yn.scalar_str(yn.get(node, "apiVersion")):
        loaded.warnings.append(f"{label}:{line}: skipped {doc}: not a Kubernetes object (no apiVersion and kind)")
        return
    obj = yn.to_py(node)
    file, idx = label, index
    if from_list:
        # Items of a ResourceList say which file they came from; that is the file to name.
        item = Item(node)  # type: ignore[arg-type]
        if item.path:
            file = item.path
            try:
                idx = int(item.index) if item.index else 0
            except ValueError:
                idx = 0
    loaded.resources.append(Resource(obj=obj, file=file, index=idx, line=line, node=node))


def from_items(items: list[Item], default_namespace: str = "") -> list[Resource]:
    """Resources for KRM items (function mode): file and index from kpt's annotations."""
    out = []
    for item in items:
        idx: int | None = None
        if item.index:
            try:
                idx = int(item.index)
            except ValueError:
                idx = None
        out.append(Resource(obj=item.obj, file=item.path or None, index=idx, item=item, node=item.node,
                            default_namespace=default_namespace))
    return out


def load_mesh_config(path: str) -> dict[str, Any]:
    """A MeshConfig from a file: plain MeshConfig YAML, or the ``istio`` ConfigMap."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise LoadError(f"{path}: cannot read: {exc.strerror or exc}") from None
    docs = parse(decode(data, path), path)
    if not docs:
        return {}
    value = yn.to_py(docs[0])
    if not isinstance(value, dict):
        raise LoadError(f"{path}: a mesh config must be a mapping (MeshConfig fields)")
    return mesh_config_of(value, path)


def mesh_config_of(value: dict[str, Any], label: str) -> dict[str, Any]:
    if value.get("kind") == "ConfigMap":
        mesh = (value.get("data") or {}).get("mesh") if isinstance(value.get("data"), dict) else None
        if not isinstance(mesh, str):
            raise LoadError(f"{label}: ConfigMap has no data.mesh")
        docs = parse(mesh, f"{label} data.mesh")
        inner = yn.to_py(docs[0]) if docs else {}
        if not isinstance(inner, dict):
            raise LoadError(f"{label}: data.mesh must be a mapping (MeshConfig fields)")
        return inner
    return value


def mesh_config_from(resources: list[Resource]) -> dict[str, Any] | None:
    """The mesh config the input itself carries (ConfigMap istio, key mesh), if any."""
    for r in resources:
        if r.gk == ("", "ConfigMap") and r.name == "istio":
            data = r.obj.get("data")
            mesh = data.get("mesh") if isinstance(data, dict) else None
            if isinstance(mesh, str):
                try:
                    docs = parse(mesh, f"{r.file or r.ref()} data.mesh")
                except LoadError:
                    return None
                inner = yn.to_py(docs[0]) if docs else {}
                return inner if isinstance(inner, dict) else None
    return None
