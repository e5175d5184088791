"""Reading input bytes into node graphs that are safe to work on: UTF-8 (with BOMs and
UTF-16 as kpt may hand them over), duplicate keys found, alias bombs refused, aliases
expanded into copies, merge keys applied, and every error with its line and column."""

from __future__ import annotations

import re

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from . import yamlnodes as yn
from .limits import max_input_bytes, too_large

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False

if TYPE_CHECKING:
    from .yamltext import Span

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
        from . import yamlmerge  # merge keys are rare: not a start-up import

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




# ------------------------------------------------------------- one item at a time
#
# Composing a whole ResourceList builds one node graph of the input (two ``Mark``
# objects per node): ~30 bytes per input byte, the largest share of the function's peak
# memory. kpt and kustomize write a ResourceList in block style, its ``items:`` a key at
# column 0 and every entry a line ``- `` at one column. Cut there, each entry can be
# composed alone, read into Python values, and its nodes dropped at once.
#
# The cut needs no YAML parser: inside an entry, every line that is not blank, a comment
# or the continuation of a flow scalar or collection is indented past the entry's dash
# (block scalars, plain scalars and nested collections all must be). So a line at the
# dash's column starting ``- `` begins the next entry, unless the previous entry has an
# open quote or bracket, and then that entry's text fails to compose (an unterminated
# scalar or collection at its end). A text that is cut anywhere it should not be
# therefore fails somewhere, and the caller composes the whole document as before.

_ITEMS_KEY = re.compile(r"^items:[ \t]*(?:#[^\r\n]*)?\r?$", re.M)
_CONTENT_LINE = re.compile(r"^[ \t]*[^ \t\r\n#]", re.M)


class Cut:
    """A ResourceList's text cut into its envelope (the text with the entries' lines left
    blank, so that ``items`` reads as null and every other line keeps its number) and
    the entries' texts, as (start, end, 0-based line of start) in the original text."""

    __slots__ = ("envelope", "items_line", "entries")

    def __init__(self, envelope: str, items_line: int, entries: list[tuple[int, int, int]]):
        self.envelope = envelope
        self.items_line = items_line
        self.entries = entries


def cut_resource_list(text: str) -> Cut | None:
    """``text`` cut where a block-style ResourceList's entries start, or None when it is
    not written that simply (then it is composed whole)."""
    if text.lstrip().startswith(("{", "[")):
        return None
    keys = _ITEMS_KEY.finditer(text)
    key = next(keys, None)
    if key is None or next(keys, None) is not None:
        return None
    first = _CONTENT_LINE.search(text, key.end())
    if first is None:
        return None
    lead = text[first.start():first.end() - 1]
    dash_at = first.end() - 1
    if lead.strip(" ") or text[dash_at] != "-" or text[dash_at + 1:dash_at + 2] not in (" ", "\r", "\n", ""):
        return None
    dash = len(lead)
    # Lines indented at most as far as the dash: entry starts, comments, or the end.
    edge = re.compile(r"^ {0,%d}(?=[^ \r\n])" % dash, re.M)
    starts: list[int] = []
    region_end = len(text)
    for m in edge.finditer(text, first.start()):
        at = m.end()
        c = text[at]
        if c == "#":
            continue
        if at - m.start() == dash and c == "-" and text[at + 1:at + 2] in (" ", "\r", "\n", ""):
            starts.append(m.start())
            continue
        region_end = m.start()
        break
    region_start = starts[0]
    entries: list[tuple[int, int, int]] = []
    line = text.count("\n", 0, region_start)
    bounds = starts + [region_end]
    for s, e in zip(bounds, bounds[1:]):
        entries.append((s, e, line))
        line += text.count("\n", s, e)
    envelope = text[:region_start] + "\n" * (line - entries[0][2]) + text[region_end:]
    return Cut(envelope, text.count("\n", 0, key.start()), entries)


def compose_entry(text: str) -> MappingNode | None:
    """The one entry of a block sequence written as ``text`` (a ``Cut`` entry), merge keys
    applied, or None if it reads as anything else, holds an alias, or fails to compose:
    the caller then composes the whole document, which reports what is wrong."""
    try:
        seq = yaml.compose(text, Loader=yn._Loader)
        if not isinstance(seq, SequenceNode) or seq.flow_style or len(seq.value) != 1:
            return None
        entry = seq.value[0]
        if not isinstance(entry, MappingNode):
            return None
        # An alias could stand for a node of another entry, and the alias-bomb limit is
        # counted over the whole document: both are the whole document's business.
        if "&" in text and _expand_aliases(entry) is not entry:
            return None
        if "<<" in text:
            from . import yamlmerge

            yamlmerge.flatten_merges(entry)
        return entry
    except (yaml.YAMLError, yn.YamlError, InputError, RecursionError, UnicodeError):
        return None


def compose_span(span: Span) -> MappingNode:
    """The node of an object written as ``span`` (an entry or a document), composed again
    from the text, its marks where they are in the whole input."""
    text = span.text[span.start:span.end]
    node = yaml.compose(text, Loader=yn._Loader)
    assert node is not None  # the text held an object when it was read
    if span.dash is not None:
        assert isinstance(node, SequenceNode)
        node = node.value[0]
    if "&" in text:
        node = _expand_aliases(node)
    if "<<" in text:
        from . import yamlmerge

        yamlmerge.flatten_merges(node)
    shift_marks(node, span.start, span.line or 0)
    assert isinstance(node, MappingNode)
    return node


def shift_marks(root: Node, index: int, line: int) -> None:
    """Marks of a node composed from a part of the input, moved to where that part is
    (libyaml's marks are read-only: each is replaced, shared ones by one copy)."""
    moved: dict[int, yaml.Mark] = {}

    def move(m: yaml.Mark) -> yaml.Mark:
        new = moved.get(id(m))
        if new is None:
            new = moved[id(m)] = yaml.Mark(m.name, m.index + index, m.line + line, m.column, None, None)  # type: ignore[arg-type]
        return new

    stack = [root]
    while stack:
        n = stack.pop()
        if n.start_mark is not None:
            n.start_mark = move(n.start_mark)
        if n.end_mark is not None:
            n.end_mark = move(n.end_mark)
        stack.extend(_children(n))
