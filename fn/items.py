"""KRM items: a YAML mapping node plus cached reads of the fields everybody needs."""

from __future__ import annotations

from typing import Any

from yaml.nodes import MappingNode, SequenceNode

from . import yamlnodes as yn, yamltext as yt

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
    __slots__ = ("node", "source", "_meta", "_obj", "_labels", "_annotations")

    def __init__(self, node: MappingNode, source: yt.Span | None = None):
        self.node = node
        self.source = source
        self._meta: dict[str, Any] | None = None
        self._obj: dict[str, Any] | None = None
        self._labels: dict[str, str] | None = None
        self._annotations: dict[str, str] | None = None

    @classmethod
    def from_obj(cls, obj: dict[str, Any]) -> "Item":
        return cls(yn.from_py(obj))  # type: ignore[arg-type]

    # ------------------------------------------------------------ identity
    @property
    def api_version(self) -> str:
        return yn.scalar_str(yn.get(self.node, "apiVersion")) or ""

    @property
    def kind(self) -> str:
        return yn.scalar_str(yn.get(self.node, "kind")) or ""

    @property
    def group(self) -> str:
        av = self.api_version
        return av.split("/", 1)[0] if "/" in av else ""

    @property
    def meta(self) -> dict[str, Any]:
        if self._meta is None:
            meta = yn.to_py(yn.get(self.node, "metadata"))
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
        """Python value at a path under the item (converted on demand)."""
        return yn.to_py(yn.get_path(self.node, *keys))

    @property
    def obj(self) -> dict[str, Any]:
        """The whole item as Python values; for analyzers, never for output."""
        if self._obj is None:
            obj = yn.to_py(self.node)
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
