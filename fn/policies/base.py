"""What every policy shares: its output, the owner marker, and the checks any per-Service
object goes through before it is generated."""

from __future__ import annotations

import posixpath
from .. import import_module
from ..records import field, mutable_record, record

from ..items import Item
from ..k8snames import is_dns_subdomain, is_label_value
from ..mesh import MeshModel, Service
from ..results import Results
from ..settings import Settings

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Mapping

OWNER_ANNOTATION = "istio-mesh-fn.dev/generated-by"
OWNER_VALUE = "istio-mesh-fn"


@mutable_record
class Generated:
    obj: dict[str, Any]
    # Where kpt should write it, relative to the package; the core places it.
    path: str


@record
class Edit:
    """One string field of an input item to set, at a path of mappings (created where
    missing): a Namespace label, a workload's serviceAccountName. The core applies it on
    the item's nodes, so the rest of the item is written as it was."""

    item: Item
    path: tuple[str, ...]
    value: str

    @classmethod
    def label(cls, item: Item, key: str, value: str) -> "Edit":
        return cls(item, ("metadata", "labels", key), value)


@mutable_record
class Output:
    objects: list[Generated] = field(default_factory=list)
    results: Results = field(default_factory=Results)
    # Edits of input items.
    edits: list[Edit] = field(default_factory=list)
    # Service key -> why this policy generated nothing for it.
    declined: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    # Service keys this policy generated something for.
    covered: set[tuple[str, str]] = field(default_factory=set)
    # Phrases for the run's summary result.
    summary: list[str] = field(default_factory=list)

    def decline(self, svc: Service, reason: str) -> None:
        self.declined.setdefault(svc.key, []).append(reason)

    def note(self, svc: Service, message: str) -> None:
        self.results.info(f"{svc.name}: {message}", resource_ref=svc.item.ref(), file=svc.item.file_ref())


def _always(model: MeshModel, settings: Settings) -> bool:
    return True


@record
class Policy:
    """One generated kind: its identity, when it runs, and the module that generates it.
    The module (``fn.policies.<module>``, with ``generate(model, settings)``) is imported
    only when the policy runs: kpt starts the function once per render, and most runs
    enable a few of the kinds (issue 15, start-up)."""

    module: str
    api_version: str
    kind: str | None
    # Switched on by the settings.
    enabled: Callable[[Settings], bool]
    # False when the model planned nothing the policy could act on: its generate() would
    # return an empty Output, so the module is not imported. tests/test_policy_registry.py
    # holds this against generate() itself.
    wanted: Callable[[MeshModel, Settings], bool] = _always
    # An opt-in kind appears in the run's summary only when enabled, so adding one leaves
    # the default output unchanged.
    opt_in: bool = False
    # Named in the run's summary only when it generated something (kinds added after
    # the summary's wording was fixed by the golden outputs).
    quiet: bool = False

    def load(self) -> Any:
        return import_module(f"{__package__}.{self.module}")

    def generate(self, model: MeshModel, settings: Settings) -> Output:
        if not self.wanted(model, settings):
            return Output()
        out: Output = self.load().generate(model, settings)
        return out

    @property
    def group(self) -> str:
        return self.api_version.split("/", 1)[0] if "/" in self.api_version else ""


def metadata(name: str, namespace: str, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = dict(labels)
    # The marker is how a re-run finds, and replaces, exactly what it made before.
    meta["annotations"] = {OWNER_ANNOTATION: OWNER_VALUE}
    return meta


def values_of(svc: Service) -> dict[str, str]:
    return {"name": svc.name, "namespace": svc.namespace}


def path_for(template: str, settings: Settings, folder: str, values: Mapping[str, str]) -> str:
    path = template.format(dir=folder, mode=settings.mtls.mode.lower(), **values)
    return posixpath.normpath(path.lstrip("/")) if path else path


def service_path(template: str, settings: Settings, svc: Service) -> str:
    return path_for(template, settings, posixpath.dirname(svc.item.path), values_of(svc))


def render_labels(templates: Mapping[str, str], svc: Service) -> dict[str, str]:
    return {k: v.format(**values_of(svc)) for k, v in templates.items()}


def free_name(kind: str, name_template: str, labels: Mapping[str, str], model: MeshModel, settings: Settings,
              svc: Service, out: Output) -> str | None:
    """The object's name, or None (said why) when the templates render invalid for this
    Service, or a person's object already covers its host or takes its name."""
    name = name_template.format(**values_of(svc))
    bad = [] if is_dns_subdomain(name) else [f"nameTemplate gives {name!r}"]
    for key, template in labels.items():
        value = template.format(**values_of(svc))
        if not is_label_value(value):
            bad.append(f"labels.{key} gives {value!r}")
    if bad:
        # e.g. '{namespace}-{name}' for a Service that sets no namespace: better no
        # object than one the API server refuses.
        why = f"no {kind}: {', '.join(bad)}" + ("" if svc.namespace else " (the Service sets no namespace)")
        out.results.warning(f"{svc.name}: {why}", resource_ref=svc.item.ref(), file=svc.item.file_ref())
        out.decline(svc, why)
        return None
    existing = model.user.for_host(kind, svc, settings.hosts.cluster_domain)
    if existing is not None:
        reason = f"kept the {existing.describe()} written for this host"
    elif (kind, svc.namespace, name) in model.user.names:
        reason = f"a {kind} named {name} already exists and is not ours to replace"
    else:
        return name
    out.note(svc, reason)
    out.decline(svc, reason)
    return None
