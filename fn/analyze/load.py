"""Read manifests for analysis: files, directories (recursively) and stdin.

Documents stay YAML node graphs until converted with ``to_py``, so a finding can point
at the line of the field it is about. A ResourceList or a ``kind: List`` is unwrapped.
"""

from __future__ import annotations

import os
import sys
from ..records import field, mutable_record

from yaml.nodes import MappingNode, Node, SequenceNode

from .. import yamlnodes as yn
from ..items import Item
from ..limits import MAX_NESTING_DEPTH, Budget, InputTooLarge, LimitSettingError, nesting_depth
from .model import Resource

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

EXTENSIONS = (".yaml", ".yml", ".json")
STDIN = "-"


class LoadError(Exception):
    """Input that cannot be analyzed; the message names the file and line."""


@mutable_record
class Loaded:
    resources: list[Resource] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def expand(paths: list[str], warnings: list[str] | None = None) -> list[str]:
    """Files to read, in a stable order: a directory's YAML and JSON files, recursively.

    Symlinked directories are followed, each real directory read once (so a link loop
    ends). Hidden directories (``.git``) are left out. What cannot be listed is a
    LoadError: skipping it would report "no issues" for files never read. Entries that
    are no regular file (a FIFO named ``x.yaml`` would block the read forever) are
    skipped with a warning; named explicitly, they are read (``<(kustomize build)``)."""
    out: list[str] = []
    for p in paths:
        if p == STDIN or not os.path.isdir(p):
            out.append(p)
            continue
        out.extend(sorted(_walk(p, warnings if warnings is not None else [])))
    return out


def _walk(top: str, warnings: list[str]) -> list[str]:
    found: list[str] = []
    seen: dict[tuple[int, int], str] = {}
    stack = [top]  # iterative: any depth the file system allows, no RecursionError
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
            key = (st.st_dev, st.st_ino)
            if key in seen:
                warnings.append(f"{folder}: skipped: the same directory as {seen[key]} (a symlink), already read")
                continue
            seen[key] = folder
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            raise LoadError(f"{folder}: cannot read directory: {exc.strerror or exc}") from None
        subdirs = []
        for e in entries:
            try:
                is_dir = e.is_dir()
                is_file = not is_dir and e.is_file()
            except OSError as exc:
                if e.name.lower().endswith(EXTENSIONS):
                    raise LoadError(f"{e.path}: cannot read: {exc.strerror or exc}") from None
                # A symlink loop, say: it cannot be a folder of manifests, but say so.
                warnings.append(f"{e.path}: skipped: {exc.strerror or exc}")
                continue
            if is_dir:
                if not e.name.startswith("."):
                    subdirs.append(e.path)
            elif e.name.lower().endswith(EXTENSIONS):
                if is_file:
                    found.append(e.path)
                elif os.path.lexists(e.path) and not os.path.exists(e.path):
                    raise LoadError(f"{e.path}: cannot read: a symlink to nothing")
                else:
                    warnings.append(f"{e.path}: skipped: not a regular file (a FIFO, socket or device)")
        stack.extend(reversed(subdirs))
    return found


def load_paths(paths: list[str], stdin: Any = None, budget: Budget | None = None) -> Loaded:
    """Everything in ``paths``; all of it together within the input limit (``budget``)."""
    loaded = Loaded()
    budget = budget if budget is not None else _budget()
    for name in expand(paths, loaded.warnings):
        if name == STDIN:
            stream = stdin if stdin is not None else getattr(sys.stdin, "buffer", None)
            if stream is None:
                raise LoadError("<stdin>: cannot read: standard input is closed")
            data = _read(stream, "<stdin>", budget)
            label = "<stdin>"
        else:
            try:
                with open(name, "rb") as fh:
                    data = _read(fh, name, budget)
            except OSError as exc:
                raise LoadError(f"{name}: cannot read: {exc.strerror or exc}") from None
            label = name
        load_bytes(data, label, loaded)
    return loaded


def _budget() -> Budget:
    # A bad ISTIO_MESH_FN_MAX_INPUT_MB is the caller's input problem (graph, say), not a crash.
    try:
        return Budget()
    except LimitSettingError as exc:
        raise LoadError(str(exc)) from None


def _read(fh: Any, label: str, budget: Budget) -> bytes:
    try:
        return budget.read(fh, label)
    except InputTooLarge as exc:
        raise LoadError(str(exc)) from None
    except OSError as exc:
        raise LoadError(f"{label}: cannot read: {exc.strerror or exc}") from None


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
        docs = parse_documents(text)
    except InputError as exc:
        raise LoadError(f"{label}: {_with_line(str(exc))}") from None
    except RecursionError:  # the pure-Python parser recurses per level
        raise LoadError(f"{label}: nested deeper than the limit of {MAX_NESTING_DEPTH} levels") from None
    for i, doc in enumerate(docs):
        # Aliases are expanded by now, and an alias inside an anchor nests one more copy:
        # checked here, so no analyzer meets a depth it cannot walk.
        depth = nesting_depth(doc)
        if depth > MAX_NESTING_DEPTH:
            line = doc.start_mark.line + 1 if doc.start_mark is not None else "?"
            raise LoadError(f"{label}:{line}: document {i} is nested more than {MAX_NESTING_DEPTH} levels deep "
                            f"(the limit; aliases count as the nodes they stand for)")
    return docs


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
        # No node: an item read one entry at a time composes it only if a finding asks.
        out.append(Resource(obj=item.obj, file=item.path or None, index=idx, item=item,
                            default_namespace=default_namespace))
    return out


def load_mesh_config(path: str, budget: Budget | None = None) -> dict[str, Any]:
    """A MeshConfig from a file: plain MeshConfig YAML, or the ``istio`` ConfigMap."""
    try:
        with open(path, "rb") as fh:
            data = _read(fh, path, budget if budget is not None else _budget())
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
