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
# The input size limit is shared with `analyze`; the names stay importable from here.
from .limits import DEFAULT_MAX_INPUT_MB, MAX_INPUT_ENV, max_input_bytes, too_large  # noqa: F401
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
    if len(data) > max_input_bytes():
        raise InputError(too_large(len(data)))
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


def parse_documents(text: str, check_duplicates: bool = True) -> list[Node]:
    """Node graphs of every document, aliases expanded. With ``check_duplicates`` a
    duplicate key anywhere is an InputError; KRM mode checks per item instead, so that
    one bad item is an error result, not a lost ResourceList."""
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
    if check_duplicates:
        for i, d in enumerate(docs):
            dup = duplicate_key(d)
            if dup is not None:
                where = f"document {i + 1}: " if len(docs) > 1 else ""
                raise InputError(f"{where}{describe_duplicate(dup)}")
    return docs


def _mark(node: Node) -> str:
    m = node.start_mark
    return f"line {m.line + 1}, column {m.column + 1}" if m is not None else "unknown position"


def duplicate_key(root: Node, deep: bool = True) -> ScalarNode | None:
    """The first repeated mapping key under ``root`` (only ``root``'s own keys unless
    ``deep``). Kubernetes' YAML reader refuses duplicate keys; PyYAML keeps the last."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, MappingNode):
            seen: set[str] = set()
            for k, v in node.value:
                if isinstance(k, ScalarNode):
                    if k.value in seen:
                        return k
                    seen.add(k.value)
                if deep and not isinstance(v, ScalarNode):
                    stack.append(v)
        elif deep and isinstance(node, SequenceNode):
            stack.extend(v for v in node.value if not isinstance(v, ScalarNode))
    return None


def describe_duplicate(key: ScalarNode) -> str:
    return f"duplicate key {key.value!r} at {_mark(key)} (Kubernetes refuses duplicate keys)"


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        children: list[Node] = node.value
        return children
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _expand_aliases(root: Node) -> Node:
    """Give every alias its own copy: kpt cannot read aliases in a function's output.

    Sizes are counted first, without copying, so an alias bomb is refused in time and
    memory proportional to what was written. Iterative: no recursion limit to hit."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()  # nodes whose subtree is being counted: meeting one is a cycle
    shared = False
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in _children(node))
            continue
        if key in sizes:
            shared = True
            continue
        if key in open_:
            raise InputError(
                f"the YAML node anchored at {_mark(node)} contains an alias to itself: "
                "recursive structures cannot be written as Kubernetes objects"
            )
        children = _children(node)
        if not children:
            sizes[key] = 1
            continue
        open_.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in reversed(children))
    total = sizes[id(root)]
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
        if value is not None and not isinstance(value, ScalarNode):
            raise InputError(f"{where}: {key} must be a string, at {_mark(value)}")
        if yn.scalar_str(value) in (None, ""):
            raise InputError(f"{where} has no {key} at {_mark(node)}")
    meta = yn.get(node, "metadata")
    if meta is None and item.group == "kustomize.config.k8s.io":
        return item  # a kustomization.yaml, as kpt hands it over: nothing to name
    if not isinstance(meta, MappingNode):
        raise InputError(f"{where} ({item.kind}) has no metadata mapping at {_mark(meta or node)}")
    name = yn.get(meta, "name")
    if name is not None and not isinstance(name, ScalarNode):
        raise InputError(f"{where} ({item.kind}): metadata.name must be a string, at {_mark(name)}")
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
            dup = duplicate_key(node)
            if dup is not None:
                results.error(f"items[{i}]: {describe_duplicate(dup)}", field={"path": f"items[{i}]"})
                continue
            try:
                items.append(check_item(node, f"items[{i}]"))
            except InputError as exc:
                results.error(str(exc), field={"path": f"items[{i}]"})
    fc_node = yn.get(root, "functionConfig")
    dup = duplicate_key(fc_node) if fc_node is not None else None
    if dup is not None:
        results.error(f"functionConfig: {describe_duplicate(dup)}", field={"path": "functionConfig"})
    if not results.has_errors():
        fc = yn.to_py(fc_node) if config_override is None else config_override
        items = run(items, fc, results)
        out_items: list[Node] | Node = [i.node for i in items]
        # Items cache Python copies of what was read from them (the analyzers' whole
        # objects too): free them before the emitter builds its own tables of every
        # node, the moment memory peaks.
        del items
    else:
        # Hand back exactly what came in: nothing may be lost on the way out, not even
        # an ``items`` that is no list.
        out_items = items_node if items_node is not None else []
    return Outcome(stdout=_write_resource_list(root, out_items, results), results=list(results),
                   exit_code=1 if results.has_errors() else 0)


def _write_resource_list(root: MappingNode, items: list[Node] | Node, results: Results) -> str:
    items_node = items if isinstance(items, Node) else SequenceNode(yn.SEQ, items)
    pairs: list[tuple[Node, Node]] = []
    had = {"items": False, "results": False}
    new_results = [yn.from_py(r.to_dict()) for r in results]
    for k, v in root.value:
        key = k.value if isinstance(k, ScalarNode) else None
        if key == "items":
            pairs.append((k, items_node))
            had["items"] = True
        elif key == "results":
            # Append to what earlier functions in the pipeline reported.
            old = list(v.value) if isinstance(v, SequenceNode) else []
            pairs.append((k, SequenceNode(yn.SEQ, old + new_results)))
            had["results"] = True
        else:
            pairs.append((k, v))
    if not had["items"]:
        pairs.append((yn.from_py("items"), items_node))
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
        # No name holds the decoded text: only the node graphs are needed from here on.
        docs = parse_documents(decode(data), check_duplicates=False)
        if not docs:
            raise InputError("no YAML documents in the input")
        rl = [i for i, d in enumerate(docs) if is_resource_list(d)]
        if rl:
            if len(docs) > 1:
                raise InputError(
                    f"the input holds {len(docs)} YAML documents (the ResourceList is document "
                    f"{rl[0] + 1}); a KRM function reads exactly one ResourceList"
                )
            dup = duplicate_key(docs[0], deep=False)
            if dup is not None:
                raise InputError(f"ResourceList: {describe_duplicate(dup)}")
            assert isinstance(docs[0], MappingNode)  # rl lists mapping documents only
            return process_resource_list(docs[0], run, config_override)
        first = docs[0]
        if not isinstance(first, MappingNode):
            raise InputError(f"document 1 is not a mapping at {_mark(first)}; expected a ResourceList")
        kind = yn.scalar_str(yn.get(first, "kind"))
        api_version = yn.scalar_str(yn.get(first, "apiVersion"))
        if len(docs) == 1 and (api_version in RL_VERSIONS or (
                yn.get(first, "items") is not None and kind != "List" and yn.get(first, "metadata") is None)):
            raise InputError(
                f"document 1 has kind {kind!r} at {_mark(first)}; a KRM function reads kind: ResourceList "
                f"(apiVersion {RL_VERSIONS[0]})"
            )
        if len(docs) == 1 and kind is None:
            raise InputError("input is not a ResourceList: it has no kind")
        for i, d in enumerate(docs):
            dup = duplicate_key(d)
            if dup is not None:
                raise InputError(f"document {i + 1}: {describe_duplicate(dup)}")
        return process_stream(docs, run, config_override)
    except InputError as exc:
        return Outcome(stdout="", exit_code=1, fatal=str(exc))
    except RecursionError:
        return Outcome(stdout="", exit_code=1, fatal="input is nested too deeply to process")
