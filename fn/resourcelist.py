"""The ResourceList adapter: bytes in, bytes out, around the pure core.

Implements kustomize's KRM functions spec (config.kubernetes.io/v1 and v1beta1) and a
plain multi-document mode for pipes and ``helm --post-renderer``. Nothing here prints or
exits: the CLI decides that from the returned ``Outcome``.
"""

from __future__ import annotations

from .records import field, mutable_record

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from . import yamlnodes as yn, yamltext as yt
from .items import LOCAL_CONFIG, Item
# The input size limit is shared with `analyze`; the names stay importable from here.
from .limits import DEFAULT_MAX_INPUT_MB, MAX_INPUT_ENV, max_input_bytes, too_large  # noqa: F401
from .results import Result, Results
# Reading bytes into safe node graphs lives in fn/yamlread.py; these names stay
# importable from here, where the CLI and the tests have always found them.
from .yamlread import MAX_EXPANDED_NODES as MAX_EXPANDED_NODES  # noqa: F401
from .yamlread import MAX_EXPANSION_RATIO as MAX_EXPANSION_RATIO  # noqa: F401
from .yamlread import InputError as InputError
from .yamlread import _mark, _parse, compose_entry, cut_resource_list, shift_marks
from .yamlread import decode as decode
from .yamlread import describe_duplicate, duplicate_key
from .yamlread import parse_documents as parse_documents

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

RL_VERSIONS = ("config.kubernetes.io/v1", "config.kubernetes.io/v1beta1")
RL_KIND = "ResourceList"

@mutable_record
class Outcome:
    stdout: str
    # With ``process(..., pieces=True)``: the output as pieces to write one after the
    # other (``stdout`` is then empty), untouched items as ranges of the input text.
    pieces: list[str | yt.Slice] | None = field(default=None, repr=False)
    results: list[Result] = field(default_factory=list)
    exit_code: int = 0
    fatal: str | None = None  # input so broken no ResourceList could be written back
    # The input's node graphs and text, held so that a one-shot CLI process can exit
    # without freeing millions of objects one by one (fn/cli.py).
    keep: Any = field(default=None, repr=False)


if TYPE_CHECKING:
    Transform = Callable[[list[Item], Any, Results], list[Item]]


# -------------------------------------------------------------------- items

def check_item(node: Node, where: str, obj: Any = None) -> Item:
    """``obj``: the node's Python values, when the reader converted them already."""
    if not isinstance(node, MappingNode):
        raise InputError(f"{where} is not a mapping (a Kubernetes object) at {_mark(node)}")
    item = Item.read(node, obj) if isinstance(obj, dict) else Item(node)
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
                          config_override: Any = None, text: str | None = None,
                          aliased: bool = True, entries: list[Item] | None = None,
                          pieces: bool = False) -> Outcome:
    """KRM mode. The ResourceList is written back even on errors, with error results,
    because kpt shows results; the exit code says it failed. ``text`` is what ``root``
    was read from: items nothing edits are written back as that text. ``entries``: the
    items, already read one at a time (``_read_cut``), where ``root`` has a null
    ``items``."""
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
        spans = _entry_spans(text, items_node, aliased)
        for i, node in enumerate(items_node.value):
            dup = duplicate_key(node)
            if dup is not None:
                results.error(f"items[{i}]: {describe_duplicate(dup)}", field={"path": f"items[{i}]"})
                continue
            try:
                item = check_item(node, f"items[{i}]")
            except InputError as exc:
                results.error(str(exc), field={"path": f"items[{i}]"})
                continue
            item.source = spans[i]
            items.append(item)
    if entries is not None:
        items = entries
    fc_node = yn.get(root, "functionConfig")
    dup = duplicate_key(fc_node) if fc_node is not None else None
    if dup is not None:
        results.error(f"functionConfig: {describe_duplicate(dup)}", field={"path": "functionConfig"})
    if not results.has_errors():
        fc = yn.to_py(fc_node) if config_override is None else config_override
        items = run(items, fc, results)
        # Items cache Python copies of what was read from them (the analyzers' whole
        # objects too): only the nodes and spans are needed from here on.
        out_items: list[Item] | Node = [i.for_output() for i in items]
        del items
    else:
        # Hand back exactly what came in: nothing may be lost on the way out, not even
        # an ``items`` that is no list.
        out_items = items_node if items_node is not None else SequenceNode(yn.SEQ, [])
    written = _resource_list_pieces(root, out_items, results)
    return Outcome(stdout="" if pieces else yt.join(written), pieces=written if pieces else None,
                   results=list(results), exit_code=1 if results.has_errors() else 0)


def _read_cut(text: str) -> tuple[MappingNode, list[Item]] | None:
    """The ResourceList in ``text`` read one entry at a time (fn/yamlread.py
    ``cut_resource_list``): its envelope as nodes, and its items keeping their Python
    values and source text but no node graph. None where anything is unusual (an alias,
    an error to report, a text not cut simply): the caller then reads the whole document
    as one node graph, which gives every message its place."""
    cut = cut_resource_list(text)
    if cut is None:
        return None
    try:
        docs, aliased = _parse(cut.envelope, check_duplicates=False)
    except (InputError, RecursionError):
        return None
    if aliased or len(docs) != 1 or not is_resource_list(docs[0]):
        return None
    root = docs[0]
    assert isinstance(root, MappingNode)
    if root.flow_style or duplicate_key(root, deep=False) is not None:
        return None
    key, value = next(((k, v) for k, v in root.value if isinstance(k, ScalarNode) and k.value == "items"),
                      (None, None))
    if key is None or key.start_mark is None or (key.start_mark.line, key.start_mark.column) != (cut.items_line, 0):
        return None
    if not (isinstance(value, ScalarNode) and value.tag == yn.NULL and value.value == "" and not value.style):
        return None
    # Errors before the run write the items back as they came, from their nodes.
    if yn.scalar_str(yn.get(root, "apiVersion")) not in RL_VERSIONS:
        return None
    fc_node = yn.get(root, "functionConfig")
    if fc_node is not None and duplicate_key(fc_node) is not None:
        return None
    items: list[Item] = []
    try:
        for i, (start, end, line) in enumerate(cut.entries):
            chunk = text[start:end]
            node = compose_entry(chunk)
            if node is None:
                return None
            # Keys are checked for duplicates while the values are converted: one walk
            # of the entry instead of two (issue 15).
            try:
                obj = yn.to_py(node, unique=True)
            except yn.KeysCollapsed:
                if duplicate_key(node) is not None:
                    return None
                obj = yn.to_py(node)  # two non-scalar keys that write the same
            item = check_item(node, f"items[{i}]", obj)
            span = yt.entry_span(chunk, node, 0)
            if span is None:
                shift_marks(node, start, line)  # written through the emitter, node and all
            elif span.start != 0:
                return None
            else:
                item.source = yt.Span(text, start, start + span.end, span.dash, line)
                item.release_node()
            items.append(item)
    except (InputError, RecursionError):
        return None
    return root, items


def _entry_spans(text: str | None, seq: SequenceNode, aliased: bool) -> list[yt.Span | None]:
    """Where each entry of a block sequence was written, None where its text cannot be
    reused as it is: flow style, JSON, an alias, or (``aliased``) an alias inside it to
    a node anchored outside it."""
    if text is None or seq.flow_style or seq.start_mark is None:
        return [None] * len(seq.value)
    out: list[yt.Span | None] = []
    after = yt._line_start(text, seq.start_mark.index)
    for node in seq.value:
        span = yt.entry_span(text, node, after)
        if span is not None and aliased and not yt.marks_within(node, span.start, span.end):
            span = None
        out.append(span)
        if node.end_mark is not None:
            after = max(after, yt._line_start(text, node.end_mark.index))
    return out


def _write_entries(items: list[Item], dash: int | None = None) -> str:
    return yt.join(_entry_pieces(items, dash))


def _entry_pieces(items: list[Item], dash: int | None = None) -> list[str | yt.Slice]:
    """Items as the entries of a block sequence: each one nothing edited as the text it
    was read from, the rest through the fast writer or the emitter (consecutive ones in
    one call). A generated item's nodes are built here, one item at a time, and dropped
    once written."""
    if dash is None:
        dash = next((i.source.dash for i in items if i.source is not None and i.source.dash is not None), 0)
    parts: list[str | yt.Slice] = []
    slow: list[Node] = []
    for item in items:
        span = item.source
        if span is not None and span.dash == dash:
            if slow:
                parts.append(yt.serialize_entries(slow, dash))
                slow = []
            last = parts[-1] if parts else None
            # A span ends at a line start (or the end of the text): the next one read
            # right after it continues the same range.
            if isinstance(last, yt.Slice) and last.text is span.text and last.end == span.start:
                last.end = span.end
            else:
                parts.append(yt.Slice(span.text, span.start, span.end))
            continue
        out: list[str] = []
        gen = item.generated_values()
        if gen is not None and yt.write_values_entry(gen, out):
            if slow:
                parts.append(yt.serialize_entries(slow, dash))
                slow = []
            parts.append(yt._indent("".join(out), dash))
            continue
        out = []
        node = item.written_node()
        if yt._write_entry(node, out):
            if slow:
                parts.append(yt.serialize_entries(slow, dash))
                slow = []
            parts.append(yt._indent("".join(out), dash))
        else:
            slow.append(node)
    if slow:
        parts.append(yt.serialize_entries(slow, dash))
    return parts


def _write_resource_list(root: MappingNode, items: list[Item] | Node, results: Results) -> str:
    return yt.join(_resource_list_pieces(root, items, results))


def _resource_list_pieces(root: MappingNode, items: list[Item] | Node, results: Results) -> list[str | yt.Slice]:
    # Written key by key, so that ``items`` can be text: the emitter writes a root-level
    # key and value the same way alone as in the whole mapping.
    new_results = [yn.from_py(r.to_dict()) for r in results]
    had_items = had_results = False
    out: list[str | yt.Slice] = []

    def pair(k: Node, v: Node) -> None:
        out.append(yn.serialize(MappingNode(yn.MAP, [(k, v)])))

    def items_pair(k: Node) -> None:
        if isinstance(items, Node):
            pair(k, items)
        elif not items:
            pair(k, SequenceNode(yn.SEQ, []))
        else:
            out.append(yn.serialize(MappingNode(yn.MAP, [(k, ScalarNode(yn.NULL, ""))])).rstrip() + "\n")
            out.extend(_entry_pieces(items))

    for k, v in root.value:
        key = k.value if isinstance(k, ScalarNode) else None
        if key == "items":
            items_pair(k)
            had_items = True
        elif key == "results":
            # Append to what earlier functions in the pipeline reported.
            old = list(v.value) if isinstance(v, SequenceNode) else []
            pair(k, SequenceNode(yn.SEQ, old + new_results))
            had_results = True
        else:
            pair(k, v)
    if not had_items:
        items_pair(yn.from_py("items"))
    if not had_results and new_results:
        pair(yn.from_py("results"), SequenceNode(yn.SEQ, new_results))
    return out


def process_stream(docs: list[Node], run: Callable[[list[Item], Any, Results], list[Item]], fc: Any,
                   text: str | None = None, aliased: bool = True) -> Outcome:
    """Plain mode: Kubernetes objects in, the transformed stream out (results on stderr).
    Objects nothing edits are written as the text they were read from (``text``)."""
    results = Results()
    items: list[Item] = []
    after = 0
    for i, node in enumerate(docs):
        # ``kind: List`` is what ``kubectl get -o yaml`` writes; unwrap it.
        if isinstance(node, MappingNode) and yn.scalar_str(yn.get(node, "kind")) == "List":
            inner = yn.get(node, "items")
            if isinstance(inner, SequenceNode):
                spans = _entry_spans(text, inner, aliased)
                for j, sub in enumerate(inner.value):
                    items.append(check_item(sub, f"document {i + 1} items[{j}]"))
                    items[-1].source = spans[j]
        else:
            items.append(check_item(node, f"document {i + 1}"))
            if text is not None:
                span = yt.document_span(text, node, after)
                if span is not None and aliased and not yt.marks_within(node, span.start, span.end):
                    span = None
                items[-1].source = span
        if text is not None and node.end_mark is not None:
            after = max(after, yt._line_start(text, node.end_mark.index))
    items = run(items, fc, results)
    failed = results.has_errors()
    # A failed run prints nothing: a post-renderer's partial output would be applied.
    stdout = "" if failed else _write_stream(items)
    return Outcome(stdout=stdout, results=list(results), exit_code=1 if failed else 0)


def _write_stream(items: list[Item]) -> str:
    if len(items) == 1:
        span = items[0].source
        return span.as_document() if span is not None else yn.serialize_all([items[0].written_node()])
    parts: list[str] = []
    pending: list[Node] = []
    for item in items:
        if item.source is not None:
            if pending:
                parts.append(yn.serialize_all(pending, explicit_start=True))
                pending = []
            parts.append("---\n" + item.source.as_document())
        else:
            pending.append(item.written_node())
    if pending:
        parts.append(yn.serialize_all(pending, explicit_start=True))
    return "".join(parts)


def process(data: bytes | str, run: Callable[[list[Item], Any, Results], list[Item]],
            config_override: Any = None, pieces: bool = False) -> Outcome:
    """Read ``data`` (bytes, or text ``decode`` gave) in whichever mode it is, run, and
    return what to write (with ``pieces``, a ResourceList's output as ``Outcome.pieces``)."""
    try:
        decoded = data if isinstance(data, str) else decode(data)
        read = _read_cut(decoded)
        if read is not None:
            outcome = process_resource_list(read[0], run, config_override, decoded, aliased=False, entries=read[1],
                                            pieces=pieces)
            outcome.keep = read
            return outcome
        docs, aliased = _parse(decoded, check_duplicates=False)
        # JSON is written as block-style YAML, as the spec asks: no source text to copy.
        text: str | None = None if decoded.lstrip().startswith(("{", "[")) else decoded
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
            outcome = process_resource_list(docs[0], run, config_override, text, aliased, pieces=pieces)
            outcome.keep = docs
            return outcome
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
        outcome = process_stream(docs, run, config_override, text, aliased)
        outcome.keep = docs
        return outcome
    except InputError as exc:
        return Outcome(stdout="", exit_code=1, fatal=str(exc))
    except RecursionError:
        return Outcome(stdout="", exit_code=1, fatal="input is nested too deeply to process")
