"""Items as text: where each one was written in the input (so an untouched item is
copied back byte for byte), and a fast writer for the generated ones that gives exactly
PyYAML's emitter output for the common shapes and falls back to the emitter otherwise."""

from __future__ import annotations

import re

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

import yaml

from .yamlnodes import _WIDTH, BOOL, FLOAT, INT, NULL, SEQ, STR, _Dumper

# ---------------------------------------------------------------------------- source text

class Span:
    """Where an object was written: ``text[start:end]`` is whole lines, written back as
    they are when nothing changed the object. ``dash`` is the column of the ``- `` that
    opens it as an entry of a block sequence; None for a document of its own. ``line`` is
    the 0-based line of ``start`` where known (the object's node can then be composed
    again from the text with its marks where they were in the input)."""

    __slots__ = ("text", "start", "end", "dash", "line")

    def __init__(self, text: str, start: int, end: int, dash: int | None, line: int | None = None):
        self.text = text
        self.start = start
        self.end = end
        self.dash = dash
        self.line = line

    def source(self) -> str:
        out = self.text[self.start:self.end]
        return out if out.endswith("\n") else out + "\n"

    def as_document(self) -> str:
        """The text as a document of its own (a List's entry written to a plain stream)."""
        text = self.source()
        if self.dash is None:
            return text
        # "  - a: 1\n    b: 2" -> "a: 1\nb: 2": the entry's lines all start at least at
        # its content column, so cutting that many spaces keeps every relative indent.
        first_nl = text.find("\n")
        head = text[:first_nl]
        after_dash = head[self.dash + 1:]
        body_col = self.dash + 1 + len(after_dash) - len(after_dash.lstrip(" "))
        lines = (" " * body_col + head[body_col:] + text[first_nl:]).splitlines(keepends=True)
        if all(not ln.strip() or ln.startswith(" " * body_col) for ln in lines):
            return "".join(ln[body_col:] if ln.strip() else ln.lstrip(" ") for ln in lines)
        return "".join(lines)


class Slice:
    """Consecutive objects written back as the text they were read from, as one range of
    the input: the CLI writes it from the input text a piece at a time, so the output
    never holds a second copy of the input (docs/performance.md)."""

    __slots__ = ("text", "start", "end")

    def __init__(self, text: str, start: int, end: int):
        self.text = text
        self.start = start
        self.end = end

    def __str__(self) -> str:
        out = self.text[self.start:self.end]
        return out if out.endswith("\n") else out + "\n"


def join(pieces: list[str | Slice]) -> str:
    return "".join(p if isinstance(p, str) else str(p) for p in pieces)


_DASH = re.compile(r"( *)- +")
# A dash line with only a comment after it: rare (kyaml writes head comments so), so
# compiled on first use by re's own cache, not at every start-up.
_DASH_LINE = r"( *)-(?:[ \t]+#.*|[ \t]*)"


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _lines_end(text: str, index: int) -> int | None:
    """The start of the line holding ``index`` (a block collection's end, which is the
    first token after it), or None if something else precedes it on that line."""
    if index >= len(text):
        return len(text)
    start = _line_start(text, index)
    return start if not text[start:index].strip(" ") else None


def entry_span(text: str, node: Node, after: int) -> Span | None:
    """The span of a block mapping written as ``- key: ...`` in a block sequence, or None
    when it is written any other way (flow style, JSON, an alias, the key on the next
    line). ``after`` is where the previous entry ended: an alias copy carries the marks
    of the node it repeats, which lie before that."""
    if not isinstance(node, MappingNode) or node.flow_style or node.start_mark is None:
        return None
    begin = node.start_mark.index
    if text[begin:begin + 1] in ("{", "["):
        return None
    line = _line_start(text, begin)
    if line < after:
        return None
    m = _DASH.fullmatch(text, line, begin)
    if m is None and not text[line:begin].strip(" "):
        # "- # head comment\n  apiVersion: v1": kyaml writes an item's head comment after
        # its dash, so the dash is on an earlier line, with only comments in between.
        probe = line
        while m is None and probe > after:
            probe = _line_start(text, probe - 1)
            content = text[probe:text.index("\n", probe)].rstrip("\r")
            m = re.fullmatch(_DASH_LINE, content)
            if m is None and content.strip() and not content.lstrip().startswith("#"):
                return None
        line = probe
    end = _lines_end(text, node.end_mark.index)
    if m is None or end is None or end <= begin:
        return None
    return Span(text, line, end, len(m.group(1)))


def document_span(text: str, node: Node, after: int) -> Span | None:
    """The span of a block mapping that is a document's root, with the comment lines
    just before it (``# Source: chart/templates/x.yaml``), or None."""
    if not isinstance(node, MappingNode) or node.flow_style or node.start_mark is None:
        return None
    begin = node.start_mark.index
    if text[begin:begin + 1] in ("{", "["):
        return None
    line = _line_start(text, begin)
    end = _lines_end(text, node.end_mark.index)
    if line < after or text[line:begin].strip(" ") or end is None or end <= begin:
        return None
    while line > after:
        prev = _line_start(text, line - 1)
        content = text[prev:line].strip()
        if content and not content.startswith("#"):
            break
        line = prev
    while line < begin and not text[line:text.find("\n", line) + 1].strip():
        line = text.find("\n", line) + 1  # blank lines before the comments are no part of it
    return Span(text, line, end, None)


def marks_within(node: Node, start: int, end: int) -> bool:
    """Every node under ``node`` was written inside ``text[start:end]``: no alias copies
    a node anchored elsewhere, so the text stands on its own."""
    stack = [node]
    while stack:
        n = stack.pop()
        m = n.start_mark
        if m is None or not start <= m.index < end:
            return False
        if isinstance(n, SequenceNode):
            stack.extend(n.value)
        elif isinstance(n, MappingNode):
            for k, v in n.value:
                stack.append(k)
                stack.append(v)
    return True


def serialize_entries(nodes: list[Node], dash: int = 0) -> str:
    """Nodes written as the entries of a block sequence whose ``-`` is at column ``dash``:
    what the emitter writes, through ``_write_entry`` where it can."""
    if not nodes:
        return ""
    parts: list[str] = []
    slow: list[Node] = []
    for node in nodes:
        out: list[str] = []
        if _write_entry(node, out):
            if slow:
                parts.append(yaml.serialize(SequenceNode(SEQ, slow), Dumper=_Dumper, width=_WIDTH,
                                            allow_unicode=True))
                slow = []
            parts.append("".join(out))
        else:
            slow.append(node)
    if slow:
        parts.append(yaml.serialize(SequenceNode(SEQ, slow), Dumper=_Dumper, width=_WIDTH, allow_unicode=True))
    out_text = "".join(parts)
    return _indent(out_text, dash)


def _indent(out: str, dash: int) -> str:
    if dash:
        pad = " " * dash
        # Blank lines stay blank: inside a block scalar, spaces there would be content.
        out = "".join(pad + ln if ln.strip("\r\n") else ln for ln in out.splitlines(keepends=True))
    return out


# A fast writer for what the builders produce: block collections of plain scalars. It
# writes exactly what PyYAML's emitter writes for them (tests/test_writer.py compares the
# two), at a fraction of the cost: the emitter calls back into Python for every scalar
# and keeps tables of every node. Anything else (a style, a tag beyond the core schema,
# a string that needs more than plain or simple single quotes, flow collections copied
# from user nodes) makes it give up on that object, which then goes to the emitter.
_SIMPLE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")
_CORE_TAGS = frozenset((STR, INT, FLOAT, BOOL, NULL))
_plain_resolver = yaml.resolver.Resolver()
_plain_tag_cache: dict[str, str] = {}


def _scalar_text(node: Node) -> str | None:
    if type(node) is not ScalarNode or node.style is not None or node.tag not in _CORE_TAGS:
        return None
    return _text_of(node.tag, node.value)


def _text_of(tag: str, value: str) -> str | None:
    if _SIMPLE.fullmatch(value) is None:
        return "''" if value == "" and tag == STR else None
    plain = _plain_tag_cache.get(value)
    if plain is None:
        plain = _plain_tag_cache[value] = str(_plain_resolver.resolve(ScalarNode, value, (True, False)))  # type: ignore[no-untyped-call]
    if plain == tag:
        return str(value)
    # A string that reads back as another type ("8080", "true") is single-quoted.
    return f"'{value}'" if tag == STR else None


# ------------------------------------------------------------ generated objects as values
# A generated object is written straight from its Python values, as its node graph
# (yamlnodes.from_py) would be by the writer above: building that graph first was most of
# the cost of writing generated objects (issue 15). Anything else falls back to the graph.
# tests/test_writer.py holds the two writers side by side.

def _value_text(value: object) -> str | None:
    kind = type(value)
    if kind is str:
        return _text_of(STR, value)  # type: ignore[arg-type]
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return _text_of(INT, str(value))
    return None  # floats, None, bytes, nodes...: the node path


def _values_after_key(value: object, indent: int, out: list[str]) -> bool:
    kind = type(value)
    if kind is dict:
        if not value:
            out.append(" {}\n")
            return True
        out.append("\n")
        return _values_mapping(value, indent + 2, out, False)  # type: ignore[arg-type]
    if kind is list:
        if not value:
            out.append(" []\n")
            return True
        out.append("\n")
        return _values_sequence(value, indent, out, False)  # type: ignore[arg-type]
    text = _value_text(value)
    if text is None:
        return False
    out.append(" " + text + "\n")
    return True


def _values_mapping(value: dict[object, object], indent: int, out: list[str], inline: bool) -> bool:
    pad = " " * indent
    first = True
    for k, v in value.items():
        if type(k) is not str:
            return False
        key = _text_of(STR, k)
        if key is None or len(key) >= 128:
            return False
        out.append(key + ":" if inline and first else pad + key + ":")
        first = False
        if not _values_after_key(v, indent, out):
            return False
    return True


def _values_sequence(value: list[object], indent: int, out: list[str], inline: bool) -> bool:
    pad = " " * indent
    for i, v in enumerate(value):
        out.append("- " if inline and i == 0 else pad + "- ")
        kind = type(v)
        if kind is dict:
            if not v:
                out.append("{}\n")
            elif not _values_mapping(v, indent + 2, out, True):  # type: ignore[arg-type]
                return False
        elif kind is list:
            if not v:
                out.append("[]\n")
            elif not _values_sequence(v, indent + 2, out, True):  # type: ignore[arg-type]
                return False
        else:
            text = _value_text(v)
            if text is None:
                return False
            out.append(text + "\n")
    return True


def write_values_entry(value: dict[str, object], out: list[str]) -> bool:
    """``value`` as one entry of a top-level block sequence, written as its node graph
    would be by the fast writer; False (``out`` then holds a partial text) where it cannot."""
    return _values_sequence([value], 0, out, False)


def _write_after_key(value: Node, indent: int, out: list[str]) -> bool:
    if type(value) is ScalarNode:
        text = _scalar_text(value)
        if text is None:
            return False
        out.append(" " + text + "\n")
        return True
    if getattr(value, "flow_style", None):
        return False
    if not value.value:
        out.append(" {}\n" if type(value) is MappingNode else " []\n")
        return True
    out.append("\n")
    if type(value) is MappingNode:
        return _write_mapping(value, indent + 2, out, False)
    if type(value) is SequenceNode:
        return _write_sequence(value, indent, out, False)  # indentless under a key
    return False


def _write_mapping(node: MappingNode, indent: int, out: list[str], inline: bool) -> bool:
    pad = " " * indent
    for i, (k, v) in enumerate(node.value):
        key = _scalar_text(k)
        if key is None or len(key) >= 128:  # longer keys are written as "? key"
            return False
        out.append(key + ":" if inline and i == 0 else pad + key + ":")
        if not _write_after_key(v, indent, out):
            return False
    return True


def _write_sequence(node: SequenceNode, indent: int, out: list[str], inline: bool) -> bool:
    pad = " " * indent
    for i, v in enumerate(node.value):
        out.append("- " if inline and i == 0 else pad + "- ")
        if type(v) is ScalarNode:
            text = _scalar_text(v)
            if text is None:
                return False
            out.append(text + "\n")
        elif v.flow_style:
            return False
        elif not v.value:
            out.append("{}\n" if type(v) is MappingNode else "[]\n")
        elif type(v) is MappingNode:
            if not _write_mapping(v, indent + 2, out, True):
                return False
        elif type(v) is SequenceNode:
            if not _write_sequence(v, indent + 2, out, True):
                return False
        else:
            return False
    return True


def _write_entry(node: Node, out: list[str]) -> bool:
    """``node`` as one entry of a top-level block sequence, if the fast writer can."""
    return _write_sequence(SequenceNode(SEQ, [node]), 0, out, False)
