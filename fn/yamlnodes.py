"""YAML node-graph helpers.

We never round-trip user objects through Python values: PyYAML's constructor and
representer rewrite scalars (``on`` -> ``true``, ``0755`` -> ``493``), drop quoting and
flow style, and kpt writes all of that back to the user's files. Items therefore stay
``yaml.Node`` graphs from input to output, and only the parts the function reads are
turned into Python values (``to_py``). Generated objects are built as fresh nodes
(``from_py``), so no node is ever shared and the emitter never writes anchors.
"""

from __future__ import annotations

import base64
import sys

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterator


_TAG_CACHES: dict[type, dict[str, str]] = {}
_TAG_CACHE_MAX = 100_000


class _CachedPlainTags:
    """Tag resolution with a per-instance cache for plain scalars.

    libyaml's loader and dumper call back into Python's ``resolve`` for every scalar
    (the dumper twice), and each call may try several regular expressions. For a plain
    scalar the tag depends on its text alone (the safe resolver has no path resolvers),
    and manifests repeat the same keys and values endlessly: cached, compose is ~15 %
    and serialize ~20 % faster on a large package. Results are the resolver's own.

    The cache is shared by all instances of a class: a ResourceList's items are composed
    one loader each (fn/yamlread.py ``split_resource_list``), and a cache per loader
    would start empty for every item. It is emptied when it reaches ``_TAG_CACHE_MAX``
    values, so an input of unique strings cannot make it as large as the input.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain_tags: dict[str, str] = _TAG_CACHES.setdefault(type(self), {})

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is ScalarNode and not self.yaml_path_resolvers:  # type: ignore[attr-defined]
            if not implicit[0]:
                return str(self.DEFAULT_SCALAR_TAG)  # type: ignore[attr-defined]
            tag = self._plain_tags.get(value)
            if tag is None:
                tag = str(super().resolve(kind, value, implicit))  # type: ignore[misc]
                if len(self._plain_tags) >= _TAG_CACHE_MAX:
                    # Full: start again rather than stop caching. Manifests repeat a value
                    # close to where it first appears (a Service's name in its selector,
                    # labels and workloads), so a fresh cache fills with the values at hand;
                    # one that stopped growing resolved every later repeat anew, and made
                    # reading ~10 % slower per byte past ~15,000 Services (issue 15).
                    self._plain_tags.clear()
                self._plain_tags[value] = tag
            return tag
        return str(super().resolve(kind, value, implicit))  # type: ignore[misc]


_Loader: type[Any]
_Dumper: type[Any]
try:  # libyaml: an order of magnitude faster; pure Python is the fallback, not the plan
    class _CLoader(_CachedPlainTags, yaml.CSafeLoader):
        pass

    class _CDumper(_CachedPlainTags, yaml.CSafeDumper):
        pass

    _Loader, _Dumper = _CLoader, _CDumper
except AttributeError:  # pragma: no cover - only on a PyYAML built without libyaml
    _Loader, _Dumper = yaml.SafeLoader, yaml.SafeDumper


_COMPOSER_FIRST = () if issubclass(_Loader, yaml.composer.Composer) else (yaml.composer.Composer,)


class _ItemAnchorLoader(*_COMPOSER_FIRST, _Loader):  # type: ignore[misc]
    """Anchors scoped to one entry of a top-level list (a ResourceList's or a List's items).

    kpt packs every file of a package into one ResourceList document, so two files that
    each define ``&labels`` become one document with a duplicate anchor, which PyYAML
    refuses. In the files they were separate documents. Only used when the fast composer
    refuses an input for a duplicate anchor: PyYAML's Python composer over the same
    parser's events, with the anchor table emptied at every item.
    """

    def __init__(self, stream: Any) -> None:
        _Loader.__init__(self, stream)
        yaml.composer.Composer.__init__(self)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self._depth == 2 and isinstance(parent, SequenceNode):
            self.anchors: dict[str, Node] = {}
        self._depth += 1
        try:
            node: Node = super().compose_node(parent, index)
            return node
        finally:
            self._depth -= 1

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
MAP = "tag:yaml.org,2002:map"
SEQ = "tag:yaml.org,2002:seq"

# Long scalars must not be folded at column 80: helm post-renderer output is what users
# apply, and a reflowed string is a different string to a diff tool.
_WIDTH = 1 << 30

_BOOL_VALUES = {
    "yes": True, "true": True, "on": True, "y": True,
    "no": False, "false": False, "off": False, "n": False,
}


class YamlError(Exception):
    """A YAML document could not be read; ``mark`` says where."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def where(self) -> str:
        if self.line is None:
            return ""
        return f"line {self.line}, column {self.column}"


def compose_all(text: str) -> list[Node]:
    """Parse every document of ``text`` into node graphs (never into Python objects)."""
    try:
        try:
            docs = list(yaml.compose_all(text, Loader=_Loader))
        except yaml.composer.ComposerError as exc:
            if not (exc.context or "").startswith("found duplicate anchor"):
                raise
            docs = list(yaml.compose_all(text, Loader=_ItemAnchorLoader))
        # An empty document (a trailing ``---``) is no object; kubectl skips it too.
        return [
            doc for doc in docs
            if doc is not None and not (isinstance(doc, ScalarNode) and doc.tag == NULL and not doc.value)
        ]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or str(exc)
        if exc.context and exc.problem and exc.context_mark is not None:
            # "found duplicate anchor; first occurrence at ...: second occurrence" needs both.
            cm = exc.context_mark
            problem = f"{exc.context} at line {cm.line + 1}, column {cm.column + 1}: {exc.problem}"
        if mark is not None:
            raise YamlError(f"invalid YAML: {problem}", mark.line + 1, mark.column + 1) from None
        raise YamlError(f"invalid YAML: {problem}") from None
    except yaml.reader.ReaderError as exc:
        # Raised before any mark exists; libyaml gives a byte offset into the UTF-8 text,
        # the pure-Python reader a character offset.
        pos = exc.position
        if _Loader is not yaml.SafeLoader:  # libyaml's offsets count bytes
            pos = len(text.encode("utf-8")[:pos].decode("utf-8", errors="ignore"))
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raise YamlError(f"invalid YAML: unacceptable character #x{ord(char):04x}: {exc.reason}",
                        line, column) from None
    except UnicodeEncodeError as exc:  # only from str callers: lone surrogates
        raise YamlError(f"invalid YAML: {exc.reason} at character {exc.start}") from None
    except yaml.YAMLError as exc:
        text_ = " ".join(str(exc).split())
        raise YamlError(f"invalid YAML: {text_}") from None


def serialize(node: Node) -> str:
    return yaml.serialize(node, Dumper=_Dumper, width=_WIDTH, allow_unicode=True)


def serialize_all(nodes: list[Node], explicit_start: bool | None = None) -> str:
    if not nodes:
        return ""
    return yaml.serialize_all(
        nodes, Dumper=_Dumper, width=_WIDTH, allow_unicode=True,
        explicit_start=len(nodes) > 1 if explicit_start is None else explicit_start,
    )


# ---------------------------------------------------------------------------- reading

def get(node: Node | None, key: str) -> Node | None:
    """The value node under ``key`` of a mapping node, or None."""
    if not isinstance(node, MappingNode):
        return None
    for k, v in node.value:
        if k.value == key:
            found: Node = v
            return found
    return None


def get_path(node: Node | None, *keys: str) -> Node | None:
    for key in keys:
        node = get(node, key)
        if node is None:
            return None
    return node


def scalar_str(node: Node | None) -> str | None:
    """The text of a scalar node (as written), or None for anything else or null."""
    if isinstance(node, ScalarNode) and node.tag != NULL:
        text: str = node.value
        return text
    return None


_intern = sys.intern


class KeysCollapsed(Exception):
    """``to_py(..., unique=True)`` met a mapping with fewer distinct keys than entries."""


def to_py(node: Node | None, unique: bool = False) -> Any:
    """Convert a node subtree into plain Python values, the way Kubernetes reads it.

    Strings stay the text that was written; ints, floats, bools and nulls follow YAML 1.1
    as the loader resolved them. Timestamps and other exotic tags stay strings: nothing
    the function reads needs them, and strings can't fail.

    ``unique``: raise KeysCollapsed where two keys of a mapping become one. Keys are read
    as their text, as fn/yamlread.py ``duplicate_key`` compares them, so a subtree that
    converts has no duplicate key: the reader checks keys and converts in one walk, and
    asks ``duplicate_key`` only when this raises.
    """
    if node is None:
        return None
    if isinstance(node, ScalarNode):
        # Most scalars are strings: skip the call for them.
        return node.value if node.tag == STR else _scalar_to_py(node)
    if isinstance(node, SequenceNode):
        return [to_py(v, unique) for v in node.value]
    if isinstance(node, MappingNode):
        out: dict[Any, Any] = {}
        for k, v in node.value:
            key = k.value if isinstance(k, ScalarNode) else serialize(k)
            # Every item repeats the same keys and many short values: one string each
            # (sys.intern takes exact str only; the loaders give nothing else).
            if type(key) is str:
                key = _intern(key)
            # String values inline: the analyzers convert every item, and a call per
            # leaf was most of that cost.
            if type(v) is ScalarNode and v.tag == STR:
                value = v.value
                out[key] = _intern(value) if type(value) is str and len(value) <= 64 else value
            else:
                out[key] = to_py(v, unique)
        if unique and len(out) != len(node.value):
            raise KeysCollapsed
        return out
    return None  # pragma: no cover


def _scalar_to_py(node: ScalarNode) -> Any:
    tag, value = node.tag, node.value
    if tag == STR:
        return value
    if tag == NULL:
        return None
    if tag == BOOL:
        return _BOOL_VALUES.get(value.lower(), value)
    if tag == INT:
        try:
            return _parse_int(value)
        except ValueError:
            return value
    if tag == FLOAT:
        try:
            return float(value.replace("_", ""))
        except ValueError:
            return value
    return value


def _parse_int(text: str) -> int:
    t = text.replace("_", "")
    sign = -1 if t.startswith("-") else 1
    t = t.lstrip("+-")
    if t.startswith(("0x", "0X")):
        return sign * int(t[2:], 16)
    if t.startswith(("0b", "0B")):
        return sign * int(t[2:], 2)
    if t.startswith(("0o", "0O")):
        return sign * int(t[2:], 8)
    if len(t) > 1 and t.startswith("0"):
        return sign * int(t, 8)
    if ":" in t:  # YAML 1.1 sexagesimal, e.g. 1:30
        total = 0
        for part in t.split(":"):
            total = total * 60 + int(part)
        return sign * total
    return sign * int(t)


def iter_mapping(node: Node | None) -> Iterator[tuple[str, Node]]:
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode):
                yield k.value, v


# ---------------------------------------------------------------------------- writing

def from_py(value: Any) -> Node:
    """Build a fresh node graph from plain Python values.

    Every call creates new nodes, so even a dict used twice never becomes an alias.
    Strings are emitted plain when that reads back as the same string, else quoted.
    """
    # Exact types first: the builders hand over plain str, dict and list, and this runs
    # for every node of every generated object. Subclasses take the general path below.
    kind = type(value)
    if kind is str:
        return ScalarNode(STR, value)
    if kind is dict:
        return MappingNode(MAP, [(ScalarNode(STR, str(k)), from_py(v)) for k, v in value.items()])
    if kind is list:
        return SequenceNode(SEQ, [from_py(v) for v in value])
    if isinstance(value, Node):
        return value
    if isinstance(value, dict):
        return MappingNode(MAP, [(from_py(str(k)), from_py(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return SequenceNode(SEQ, [from_py(v) for v in value])
    if isinstance(value, bool):
        return ScalarNode(BOOL, "true" if value else "false")
    if isinstance(value, int):
        return ScalarNode(INT, str(value))
    if isinstance(value, float):
        return ScalarNode(FLOAT, repr(value))
    if value is None:
        return ScalarNode(NULL, "null")
    if isinstance(value, bytes):
        return ScalarNode("tag:yaml.org,2002:binary", base64.b64encode(value).decode())
    # The emitter quotes a str-tagged scalar whenever its plain form would resolve to
    # another type ("on", "0755", "30"), so passing the text through is always safe.
    return ScalarNode(STR, str(value))


def set_key(mapping: MappingNode, key: str, value: Any) -> None:
    """Set ``key`` in a mapping node in place, keeping its position if present."""
    node = from_py(value)
    for i, (k, _) in enumerate(mapping.value):
        if k.value == key:
            mapping.value[i] = (k, node)
            return
    mapping.value.append((from_py(key), node))


def ensure_mapping(mapping: MappingNode, key: str) -> MappingNode:
    """The mapping under ``key``, created (block style) when missing or null."""
    child = get(mapping, key)
    if isinstance(child, MappingNode):
        return child
    new = MappingNode(MAP, [])
    set_key(mapping, key, new)
    return new


def copy_node(node: Node, budget: list[int] | None = None) -> Node:
    """Deep-copy a node graph, giving every alias its own copy. ``budget`` (a one-element
    counter) bounds total nodes. Iterative, so no depth the parser accepts can hit
    Python's recursion limit; the graph must be acyclic (aliases are checked first)."""
    work: list[tuple[Node, Node]] = []

    def shallow(n: Node) -> Node:
        if budget is not None:
            budget[0] -= 1
            if budget[0] < 0:
                raise YamlError("YAML aliases expand to too many nodes (possible alias bomb)")
        if isinstance(n, ScalarNode):
            return ScalarNode(n.tag, n.value, n.start_mark, n.end_mark, n.style)
        if isinstance(n, SequenceNode):
            new: Node = SequenceNode(n.tag, [], n.start_mark, n.end_mark, n.flow_style)
        elif isinstance(n, MappingNode):
            new = MappingNode(n.tag, [], n.start_mark, n.end_mark, n.flow_style)
        else:  # pragma: no cover
            raise TypeError(type(n))
        work.append((n, new))
        return new

    root = shallow(node)
    while work:
        src, dst = work.pop()
        if isinstance(src, SequenceNode):
            dst.value = [shallow(v) for v in src.value]
        else:
            dst.value = [(shallow(k), shallow(v)) for k, v in src.value]
    return root
