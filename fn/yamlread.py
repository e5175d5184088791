"""Reading input bytes into node graphs that are safe to work on: UTF-8 (with BOMs and
UTF-16 as kpt may hand them over), duplicate keys found, alias bombs refused, aliases
expanded into copies, merge keys applied, and every error with its line and column."""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from . import yamlmerge, yamlnodes as yn
from .limits import max_input_bytes, too_large

# An alias bomb is a small document that expands to billions of nodes. Real manifests
# reuse little; refuse anything that expands far past its written size.
MAX_EXPANDED_NODES = 2_000_000
MAX_EXPANSION_RATIO = 10


class InputError(Exception):
    """The input cannot be read as a ResourceList or as Kubernetes objects."""


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
    """Node graphs of every document, aliases expanded and merge keys applied. With
    ``check_duplicates`` a duplicate key anywhere is an InputError; KRM mode checks per
    item instead, so that one bad item is an error result, not a lost ResourceList."""
    return _parse(text, check_duplicates)[0]


def _parse(text: str, check_duplicates: bool) -> tuple[list[Node], bool]:
    """``parse_documents``, and whether any alias was expanded."""
    try:
        docs = yn.compose_all(text)
    except yn.YamlError as exc:
        where = f" at {exc.where()}" if exc.line is not None else ""
        raise InputError(f"{exc.message}{where}") from None
    except RecursionError:
        raise InputError("invalid YAML: nesting is too deep") from None
    aliased = False
    if "&" in text:
        expanded = [_expand_aliases(d) for d in docs]
        aliased = any(e is not d for e, d in zip(expanded, docs))
        docs = expanded
    if "<<" in text:
        try:
            for d in docs:
                yamlmerge.flatten_merges(d)
        except yn.YamlError as exc:
            raise InputError(f"{exc.message} at {exc.where()}") from None
    if text.lstrip().startswith(("{", "[")):
        for d in docs:
            _to_block_style(d)
    if check_duplicates:
        for i, d in enumerate(docs):
            dup = duplicate_key(d)
            if dup is not None:
                where = f"document {i + 1}: " if len(docs) > 1 else ""
                raise InputError(f"{where}{describe_duplicate(dup)}")
    return docs, aliased


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


