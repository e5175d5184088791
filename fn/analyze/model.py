"""What analyzers read (``Resource``), what they report (``Finding``), and how they
register. Analyzers are pure: a ``Context`` of resources in, findings out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Iterable

from ..items import Item


@dataclass
class Resource:
    """One object under analysis. ``obj`` is plain Python values (read-only)."""

    obj: dict[str, Any]
    file: str | None = None  # where it was read from, as the user named it
    index: int | None = None  # document index within ``file``
    line: int | None = None  # 1-based line of the document start, when known
    item: Item | None = None  # the KRM item, in function mode

    @property
    def api_version(self) -> str:
        return str(self.obj.get("apiVersion") or "")

    @property
    def group(self) -> str:
        av = self.api_version
        return av.split("/", 1)[0] if "/" in av else ""

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind") or "")

    @property
    def metadata(self) -> dict[str, Any]:
        meta = self.obj.get("metadata")
        return meta if isinstance(meta, dict) else {}

    @property
    def name(self) -> str:
        return str(self.metadata.get("name") or "")

    @property
    def namespace(self) -> str:
        """As written; empty when the manifest sets none."""
        return str(self.metadata.get("namespace") or "")

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.obj.get("spec")
        return spec if isinstance(spec, dict) else {}

    def ref(self) -> str:
        """istioctl's resource notation: ``Kind namespace/name`` or ``Kind name``."""
        ns = self.namespace
        return f"{self.kind} {ns + '/' if ns else ''}{self.name}"


@dataclass
class Finding:
    code: str  # IST0101
    name: str  # ReferencedResourceNotFound
    level: str  # Error | Warning | Info
    analyzer: str  # virtualservice.DestinationRuleAnalyzer
    message: str  # rendered from the template in messages.yaml
    resource: Resource
    field: str | None = None  # path in the object, e.g. spec.http[0].route[0].destination.host

    def to_dict(self) -> dict[str, Any]:
        r = self.resource
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "analyzer": self.analyzer,
            "message": self.message,
            "resource": {"apiVersion": r.api_version, "kind": r.kind, "namespace": r.namespace, "name": r.name},
            "field": self.field,
            "file": r.file,
        }


@dataclass
class Context:
    """Everything an analyzer may look at. ``mesh_config`` is the MeshConfig (dict)."""

    resources: list[Resource]
    mesh_config: dict[str, Any] = field(default_factory=dict)
    _by_kind: dict[str, list[Resource]] = field(default_factory=dict, repr=False)

    def of_kind(self, *kinds: str) -> list[Resource]:
        if not self._by_kind:
            for r in self.resources:
                self._by_kind.setdefault(r.kind, []).append(r)
        out: list[Resource] = []
        for k in kinds:
            out.extend(self._by_kind.get(k, ()))
        return out


class Analyzer:
    """Subclass, set ``name`` (istioctl's analyzer name) and implement ``analyze``."""

    name: ClassVar[str] = ""

    def analyze(self, ctx: Context, report: Callable[..., None]) -> None:
        raise NotImplementedError


REGISTRY: list[type[Analyzer]] = []


def register(cls: type[Analyzer]) -> type[Analyzer]:
    REGISTRY.append(cls)
    return cls
