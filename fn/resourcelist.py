"""The ResourceList adapter: bytes in, bytes out, around the pure core.

Implements kustomize's KRM functions spec (config.kubernetes.io/v1 and v1beta1) and a
plain multi-document mode for pipes and ``helm --post-renderer``. Nothing here prints or
exits: the CLI decides that from the returned ``Outcome``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from . import yamlnodes as yn
from .items import LOCAL_CONFIG, Item
from .results import Result, Results

RL_VERSIONS = ("config.kubernetes.io/v1", "config.kubernetes.io/v1beta1")
RL_KIND = "ResourceList"

# An alias bomb is a small document that expands to billions of nodes. Real manifests
# reuse little; refuse anything that expands far past its written size.
MAX_EXPANDED_NODES = 2_000_000
MAX_EXPANSION_RATIO = 10


class InputError(Exception):
    """The input cannot be read as a ResourceList or as Kubernetes objects."""


@dataclass
class Outcome:
    stdout: str
    results: list[Result] = field(default_factory=list)
    exit_code: int = 0
    fatal: str | None = None  # input so broken no ResourceList could be written back


Transform = Callable[[list[Item], Any, Results], list[Item]]


# ----------------------------------------------------------------------- decoding

def decode(data: bytes) -> str:
    if not data.strip():
        raise InputError("no input: expected a ResourceList (or Kubernetes objects) on stdin")
    if b"\x00" in data[:8192]:
        raise InputError("input is binary (it contains NUL bytes), not YAML or JSON")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"input is not UTF-8 text: invalid byte 0x{data[exc.start]:02x} at offset {exc.start} (line {line})"
        ) from None
    return text.removeprefix("\ufeff")


def parse_documents(text: str) -> list[Node]:
    try:
        docs = yn.compose_all(text)
    except yn.YamlError as exc:
        where = f" at {exc.where()}" if exc.line is not None else ""
        raise InputError(f"{exc.message}{where}") from None
    except RecursionError:
        raise InputError("invalid YAML: nesting is too deep") from None
    if "&" in text:
        docs = [_expand_aliases(d) for d in docs]
    if text.lstrip().startswith(("{", "[")):
        for d in docs:
            _to_block_style(d)
    for d in docs:
        _check_duplicate_keys(d)
    return docs


def _mark(node: Node) -> str:
    m = node.start_mark
    return f"line {m.line + 1}, column {m.column + 1}" if m is not None else "unknown position"


def _check_duplicate_keys(root: Node) -> None:
    # Kubernetes' YAML reader refuses duplicate keys; PyYAML silently keeps the last.
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, MappingNode):
            seen: set[str] = set()
            for k, v in node.value:
                if isinstance(k, ScalarNode):
                    if k.value in seen:
                        raise InputError(f"duplicate key {k.value!r} at {_mark(k)}")
                    seen.add(k.value)
                if not isinstance(v, ScalarNode):
                    stack.append(v)
        elif isinstance(node, SequenceNode):
            stack.extend(v for v in node.value if not isinstance(v, ScalarNode))


def _expand_aliases(root: Node) -> Node:
    """Give every alias its own copy: kpt cannot read aliases in a function's output."""
    sizes: dict[int, int] = {}
    shared = False

    def size(node: Node) -> int:
        nonlocal shared
        key = id(node)
        if key in sizes:
            shared = True
            return sizes[key]
        if isinstance(node, ScalarNode):
            n = 1
        elif isinstance(node, SequenceNode):
            n = 1 + sum(size(v) for v in node.value)
        else:
            n = 1 + sum(size(k) + size(v) for k, v in node.value)
        sizes[key] = n
        return n

    total = size(root)
    if not shared:
        return root
    if total > MAX_EXPANDED_NODES or total > MAX_EXPANSION_RATIO * len(sizes) + 10_000:
        raise InputError(
            f"YAML aliases expand {len(sizes)} written nodes to {total}: refused as an alias bomb "
            "(excessive aliasing)"
        )
    return yn.copy_node(root)


def _to_block_style(node: Node) -> None:
    # JSON input: the spec asks for block-style YAML output. Plain style is only chosen by
    # the emitter where it reads back as the same string, so no value changes.
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, ScalarNode):
            if n.style == '"':
                n.style = None
        elif isinstance(n, SequenceNode):
            n.flow_style = False
            stack.extend(n.value)
        elif isinstance(n, MappingNode):
            n.flow_style = False
            for k, v in n.value:
                stack.append(k)
                stack.append(v)


# -------------------------------------------------------------------- items

def check_item(node: Node, where: str) -> Item:
    if not isinstance(node, MappingNode):
        raise InputError(f"{where} is not a mapping (a Kubernetes object) at {_mark(node)}")
    item = Item(node)
    for key in ("apiVersion", "kind"):
        value = yn.get(node, key)
        if yn.scalar_str(value) in (None, ""):
            raise InputError(f"{where} has no {key} at {_mark(node)}")
    meta = yn.get(node, "metadata")
    if not isinstance(meta, MappingNode):
        raise InputError(f"{where} ({item.kind}) has no metadata mapping at {_mark(node)}")
    # kpt hands over kustomization.yaml files, which have no name; so may other local
    # config. Only objects bound for a cluster must be named.
    exempt = item.group == "kustomize.config.k8s.io" or item.annotations.get(LOCAL_CONFIG) == "true"
    if not item.name and not exempt:
        raise InputError(f"{where} ({item.kind}) has no metadata.name at {_mark(meta)}")
    return item


def is_resource_list(node: Node) -> bool:
    return yn.scalar_str(yn.get(node, "kind")) == RL_KIND and isinstance(node, MappingNode)


# ------------------------------------------------------------------ processing

def process_resource_list(root: MappingNode, run: Callable[[list[Item], Any, Results], list[Item]],
                          config_override: Any = None) -> Outcome:
    """KRM mode. The ResourceList is written back even on errors, with error results,
    because kpt shows results; the exit code says it failed."""
    results = Results()
    api_version = yn.scalar_str(yn.get(root, "apiVersion"))
    items_node = yn.get(root, "items")
    items: list[Item] = []
    if api_version not in RL_VERSIONS:
        results.error(
            f"ResourceList apiVersion {api_version!r} is not supported; use {' or '.join(RL_VERSIONS)}",
            field={"path": "apiVersion", "currentValue": api_version},
        )
    if items_node is not None and not isinstance(items_node, SequenceNode) and not (
        isinstance(items_node, ScalarNode) and items_node.tag == yn.NULL
    ):
        results.error(f"ResourceList items must be a list, at {_mark(items_node)}", field={"path": "items"})
    elif isinstance(items_node, SequenceNode):
        for i, node in enumerate(items_node.value):
            try:
                items.append(check_item(node, f"items[{i}]"))
            except InputError as exc:
                results.error(str(exc), field={"path": f"items[{i}]"})
    if not results.has_errors():
        fc = yn.to_py(yn.get(root, "functionConfig")) if config_override is None else config_override
        items = run(items, fc, results)
        out_items: list[Node] = [i.node for i in items]
    else:
        # Hand back exactly what came in: nothing may be lost on the way out.
        out_items = list(items_node.value) if isinstance(items_node, SequenceNode) else []
    return Outcome(stdout=_write_resource_list(root, out_items, results), results=list(results),
                   exit_code=1 if results.has_errors() else 0)


def _write_resource_list(root: MappingNode, items: list[Node], results: Results) -> str:
    pairs: list[tuple[Node, Node]] = []
    had = {"items": False, "results": False}
    new_results = [yn.from_py(r.to_dict()) for r in results]
    for k, v in root.value:
        key = k.value if isinstance(k, ScalarNode) else None
        if key == "items":
            pairs.append((k, SequenceNode(yn.SEQ, items)))
            had["items"] = True
        elif key == "results":
            # Append to what earlier functions in the pipeline reported.
            old = list(v.value) if isinstance(v, SequenceNode) else []
            pairs.append((k, SequenceNode(yn.SEQ, old + new_results)))
            had["results"] = True
        else:
            pairs.append((k, v))
    if not had["items"]:
        pairs.append((yn.from_py("items"), SequenceNode(yn.SEQ, items)))
    if not had["results"] and new_results:
        pairs.append((yn.from_py("results"), SequenceNode(yn.SEQ, new_results)))
    return yn.serialize(MappingNode(yn.MAP, pairs))


def process_stream(docs: list[Node], run: Callable[[list[Item], Any, Results], list[Item]], fc: Any) -> Outcome:
    """Plain mode: Kubernetes objects in, the transformed stream out (results on stderr)."""
    results = Results()
    items: list[Item] = []
    for i, node in enumerate(docs):
        # ``kind: List`` is what ``kubectl get -o yaml`` writes; unwrap it.
        if isinstance(node, MappingNode) and yn.scalar_str(yn.get(node, "kind")) == "List":
            inner = yn.get(node, "items")
            for j, sub in enumerate(inner.value if isinstance(inner, SequenceNode) else []):
                items.append(check_item(sub, f"document {i + 1} items[{j}]"))
            continue
        items.append(check_item(node, f"document {i + 1}"))
    items = run(items, fc, results)
    failed = results.has_errors()
    # A failed run prints nothing: a post-renderer's partial output would be applied.
    stdout = "" if failed else yn.serialize_all([i.node for i in items])
    return Outcome(stdout=stdout, results=list(results), exit_code=1 if failed else 0)


def process(data: bytes, run: Callable[[list[Item], Any, Results], list[Item]],
            config_override: Any = None) -> Outcome:
    """Read ``data`` in whichever mode it is, run, and return what to write."""
    try:
        text = decode(data)
        docs = parse_documents(text)
        if not docs:
            raise InputError("no YAML documents in the input")
        rl = [d for d in docs if is_resource_list(d)]
        if rl:
            if len(docs) > 1:
                raise InputError(
                    f"stdin holds {len(docs)} YAML documents; a KRM function reads exactly one "
                    "ResourceList"
                )
            return process_resource_list(docs[0], run, config_override)
        if not isinstance(docs[0], MappingNode):
            raise InputError(f"document 1 is not a mapping at {_mark(docs[0])}; expected a ResourceList")
        kind = yn.scalar_str(yn.get(docs[0], "kind"))
        if len(docs) == 1 and kind is None:
            raise InputError("input is not a ResourceList: it has no kind")
        return process_stream(docs, run, config_override)
    except InputError as exc:
        return Outcome(stdout="", exit_code=1, fatal=str(exc))
    except RecursionError:
        return Outcome(stdout="", exit_code=1, fatal="input is nested too deeply to process")
