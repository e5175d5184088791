"""KRM items: a YAML mapping node plus cached reads of the fields everybody needs."""

from __future__ import annotations


from yaml.nodes import MappingNode, SequenceNode

from . import yamlnodes as yn, yamltext as yt

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Orchestrators write files by these; the function copies them, never invents their
# meaning. ``internal.`` is kpt's current form, the plain one kustomize's and kpt's
# legacy form: both are kept in step so either reader sees the same file.
PATH = "internal.config.kubernetes.io/path"
INDEX = "internal.config.kubernetes.io/index"
LEGACY_PATH = "config.kubernetes.io/path"
LEGACY_INDEX = "config.kubernetes.io/index"
LOCAL_CONFIG = "config.kubernetes.io/local-config"


class Item:
    # Reads are cached until an edit through this class: every pass over the items (core,
    # discovery, the analyzers) asks for annotations and labels again, and building the
    # string maps anew each time was a large share of a big run.
    #
    # ``source`` is where the item was written in the input, kept while nothing edits
    # it: the writer copies that text instead of serializing the node, so comments,
    # tags, anchors, quoting and line ends survive exactly. Code that edits ``node``
    # directly must set it to None (the edit methods below do).
    #
    # An item read from a ResourceList one entry at a time keeps no node graph: its
    # Python values (``obj``) answer every read, and ``node`` is composed again from the
    # source text only when asked for (an edit, a finding's line). A node graph costs
    # ~30 bytes per byte of input, its Python values a sixth of that. A generated item
    # (``from_obj``) likewise keeps the builder's Python object (``_gen``), and its nodes
    # are built when it is written or edited.
    __slots__ = ("_node", "source", "_gen", "_meta", "_obj", "_labels", "_annotations", "_kind", "_api_version")

    def __init__(self, node: MappingNode | None, source: yt.Span | None = None):
        self._node = node
        self.source = source
        self._gen: dict[str, Any] | None = None
        self._meta: dict[str, Any] | None = None
        self._obj: dict[str, Any] | None = None
        self._labels: dict[str, str] | None = None
        self._annotations: dict[str, str] | None = None
        self._kind: str | None = None
        self._api_version: str | None = None

    @classmethod
    def read(cls, node: MappingNode, obj: dict[str, Any]) -> "Item":
        """An item of the input whose Python values the reader has already converted."""
        item = cls(node)
        item._obj = obj
        return item

    @classmethod
    def from_obj(cls, obj: dict[str, Any]) -> "Item":
        """An item for a generated object; ``obj`` is the item's from here on."""
        item = cls(None)
        item._gen = obj
        return item

    @property
    def node(self) -> MappingNode:
        node = self._node
        if node is None:
            node = self._node = self.written_node()
        return node

    @node.setter
    def node(self, node: MappingNode) -> None:
        self._node = node
        self._gen = None
        self._kind = self._api_version = None
        self._invalidate()

    def written_node(self) -> MappingNode:
        """The node, built (or composed from the source text) afresh if the item keeps
        none, and then not kept: for the writer, one item at a time."""
        if self._node is not None:
            return self._node
        if self._gen is not None:
            node = yn.from_py(self._gen)
            assert isinstance(node, MappingNode)
            return node
        from .yamlread import compose_span

        assert self.source is not None  # release_node keeps the node of an item without one
        return compose_span(self.source)

    def generated_values(self) -> dict[str, Any] | None:
        """A generated object's values while no node graph was made of it (to write it
        straight from them); None for anything else."""
        return self._gen if self._node is None else None

    def release_node(self) -> None:
        """Drop the node graph if the source text can give it back, keeping what is read
        from it as Python values."""
        if self.source is None or self.source.line is None:
            return
        _ = self.api_version, self.kind, self.obj
        # meta, labels and annotations are built again from ``obj``: no second copy.
        self._meta = self._labels = self._annotations = None
        self._node = None

    def for_output(self) -> "Item":
        """The item without the Python values read from it: the writer needs only the
        source text or the node."""
        out = Item(self._node, self.source)
        out._gen = self._gen
        return out

    def _nodeless(self) -> bool:
        # Reads of an item that keeps no node come from ``obj``, built once.
        return self._node is None and self._obj is None

    # ------------------------------------------------------------ identity
    @property
    def api_version(self) -> str:
        # As written (``!!str 1`` and ``1`` alike): never changed by an edit, so cached.
        if self._api_version is None:
            if self._nodeless():
                _ = self.obj
            else:
                self._api_version = yn.scalar_str(yn.get(self.node, "apiVersion")) or ""
        assert self._api_version is not None
        return self._api_version

    @property
    def kind(self) -> str:
        if self._kind is None:
            if self._nodeless():
                _ = self.obj
            else:
                self._kind = yn.scalar_str(yn.get(self.node, "kind")) or ""
        assert self._kind is not None
        return self._kind

    @property
    def group(self) -> str:
        av = self.api_version
        return av.split("/", 1)[0] if "/" in av else ""

    @property
    def meta(self) -> dict[str, Any]:
        if self._meta is None:
            if self._nodeless():
                _ = self.obj
            meta = self._obj.get("metadata") if self._obj is not None else yn.to_py(yn.get(self.node, "metadata"))
            self._meta = meta if isinstance(meta, dict) else {}
        return self._meta

    @property
    def name(self) -> str:
        return _as_str(self.meta.get("name"))

    @property
    def namespace(self) -> str:
        return _as_str(self.meta.get("namespace"))

    @property
    def labels(self) -> dict[str, str]:
        """Read-only: the same dict is handed out until the item is edited."""
        if self._labels is None:
            self._labels = _str_map(self.meta.get("labels"))
        return self._labels

    @property
    def annotations(self) -> dict[str, str]:
        """Read-only: the same dict is handed out until the item is edited."""
        if self._annotations is None:
            self._annotations = _str_map(self.meta.get("annotations"))
        return self._annotations

    @property
    def path(self) -> str:
        ann = self.annotations
        return ann.get(PATH) or ann.get(LEGACY_PATH) or ""

    @property
    def index(self) -> str:
        ann = self.annotations
        return ann.get(INDEX) or ann.get(LEGACY_INDEX) or ""

    def ref(self) -> dict[str, str]:
        """A kpt ``resourceRef``."""
        out = {"apiVersion": self.api_version, "kind": self.kind, "name": self.name}
        if self.namespace:
            out["namespace"] = self.namespace
        return out

    def file_ref(self) -> dict[str, Any] | None:
        if not self.path:
            return None
        out: dict[str, Any] = {"path": self.path}
        if self.index:
            try:
                out["index"] = int(self.index)
            except ValueError:
                pass
        return out

    def identity(self) -> tuple[str, str, str, str]:
        return (self.group, self.kind, self.namespace, self.name)

    def describe(self) -> str:
        ns = self.namespace
        return f"{self.kind} {ns + '/' if ns else ''}{self.name}"

    # ------------------------------------------------------------ content
    def get(self, *keys: str) -> Any:
        """Python value at a path under the item (converted on demand): the caller's own
        copy, which it may change."""
        if self._nodeless():
            _ = self.obj
        if self._obj is None:
            return yn.to_py(yn.get_path(self.node, *keys))
        value: Any = self._obj
        for key in keys:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return _copy(value)

    @property
    def obj(self) -> dict[str, Any]:
        """The whole item as Python values; for analyzers, never for output."""
        if self._obj is None:
            node = self.written_node()
            if self._kind is None:
                self._kind = yn.scalar_str(yn.get(node, "kind")) or ""
                self._api_version = yn.scalar_str(yn.get(node, "apiVersion")) or ""
            obj = yn.to_py(node)
            self._obj = obj if isinstance(obj, dict) else {}
        return self._obj

    # ------------------------------------------------------------ edits
    def set_label(self, key: str, value: str) -> None:
        self.set_at(("metadata", "labels", key), value)

    def set_at(self, path: tuple[str, ...], value: str) -> None:
        """Set the string at ``path``, creating the mappings on the way (a key keeps its
        place; every other node of the item stays as it was)."""
        node = self.node
        for key in path[:-1]:
            node = yn.ensure_mapping(node, key)
        yn.set_key(node, path[-1], value)
        self._invalidate()

    def set_annotation(self, key: str, value: str) -> None:
        anns = yn.ensure_mapping(self._metadata_node(), "annotations")
        yn.set_key(anns, key, value)
        self._invalidate()

    def append_to_list(self, key: str, value: str) -> bool:
        """Append ``value`` to the top-level sequence ``key``; False when there is none."""
        seq = yn.get(self.node, key)
        if not isinstance(seq, SequenceNode):
            return False
        seq.value.append(yn.from_py(value))
        self._invalidate()
        return True

    def _metadata_node(self) -> MappingNode:
        return yn.ensure_mapping(self.node, "metadata")

    def _invalidate(self) -> None:
        self.source = None
        self._meta = None
        self._obj = None
        self._labels = None
        self._annotations = None


def _copy(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {k: _copy(v) for k, v in value.items()}
    if kind is list:
        return [_copy(v) for v in value]
    return value


def _as_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): _as_str(v) for k, v in value.items()}
