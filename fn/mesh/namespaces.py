"""Namespaces: the labels that put them on the mesh, their data-plane mode, and the mTLS
mode their servers will really enforce."""

from __future__ import annotations

from ..records import record

from yaml.nodes import MappingNode

from .. import yamlnodes as yn
from ..items import Item
from ..settings import Settings
from .types import AMBIENT, NO_MESH, SIDECAR, Namespace

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Iterable, Mapping

INJECTION = "istio-injection"
REVISION = "istio.io/rev"
DATAPLANE = "istio.io/dataplane-mode"


def wanted_labels(mode: str, revision: str | None) -> dict[str, str]:
    if mode == "enabled":
        return {INJECTION: "enabled"}
    if mode == "revision":
        return {REVISION: str(revision)}
    if mode == "ambient":
        return {DATAPLANE: "ambient"}
    return {}


def conflict(existing: Mapping[str, str], wanted: Mapping[str, str]) -> str | None:
    """Why a person's own labels forbid ours, or None. Their choice wins."""
    if existing.get(INJECTION) == "disabled":
        return "it is labelled istio-injection=disabled"
    if DATAPLANE in existing and existing[DATAPLANE] != "ambient" and DATAPLANE in wanted:
        return f"it is labelled {DATAPLANE}={existing[DATAPLANE]}"
    if REVISION in wanted and existing.get(INJECTION) == "enabled":
        # istio-injection wins over istio.io/rev in the injector's selector.
        return "it is labelled istio-injection=enabled, which overrides istio.io/rev"
    if INJECTION in wanted and REVISION in existing:
        return f"it is labelled {REVISION}={existing[REVISION]} (revision-based injection)"
    return None


def sidecar_injected(labels: Mapping[str, str]) -> bool:
    """Whether a namespace with these labels gets sidecars."""
    if labels.get(INJECTION) == "disabled":
        return False
    return labels.get(INJECTION) == "enabled" or bool(labels.get(REVISION))


@record
class Labelling:
    """What the labels decide, before mTLS is known."""

    item: Item | None
    labels: Mapping[str, str]
    add: Mapping[str, str]
    refused: str | None
    on_mesh: bool
    dataplane: str
    reason: str


def _not_a_mapping(item: Item) -> str | None:
    """Labels written as a list or an ``!!omap`` cannot take a key without being rewritten,
    and rewriting them would lose what the person wrote."""
    node = yn.get_path(item.node, "metadata", "labels")
    if node is None or (isinstance(node, MappingNode) and node.tag == yn.MAP) or yn.scalar_str(node) is None and \
            node.tag == yn.NULL:
        return None
    return "its metadata.labels is not a plain mapping, and rewriting it would lose what is written there"


def decide_labels(namespace_items: list[Item], settings: Settings, root: str,
                  default_namespace: str) -> dict[str, Labelling]:
    inj = settings.injection
    wanted = wanted_labels(inj.mode, inj.revision)
    chosen = set(inj.namespaces)
    system = set(settings.exclude.namespaces) | {root}
    out: dict[str, Labelling] = {}
    for item in namespace_items:
        name, labels = item.name, item.labels
        targeted = name in chosen if chosen else name not in system
        refused, add, on_mesh = None, {}, False
        if wanted and targeted:
            refused = conflict(labels, wanted) or _not_a_mapping(item)
            if refused is None:
                add = {k: v for k, v in wanted.items() if labels.get(k) != v}
                # Labelled now or by an earlier run, it is on the mesh either way: what is
                # generated must not depend on which run this is.
                on_mesh = True
        effective = {**labels, **add}
        if effective.get(DATAPLANE) == AMBIENT:
            mode, why = AMBIENT, f"it is labelled {DATAPLANE}=ambient"
        elif sidecar_injected(effective):
            label = INJECTION if effective.get(INJECTION) == "enabled" else REVISION
            mode, why = SIDECAR, f"it is labelled {label}={effective[label]}"
        else:
            mode, why = NO_MESH, f"namespace {name} carries no injection label"
        out[name] = Labelling(item, labels, add, refused, on_mesh, mode, why)
    if inj.mode in ("enabled", "revision", "ambient"):
        # Listed namespaces count as on the mesh even when their Namespace object lives in
        # another repository: the user told us they are.
        listed = AMBIENT if inj.mode == "ambient" else SIDECAR
        for name in chosen:
            if name not in out:
                out[name] = Labelling(None, {}, {}, None, False, listed,
                                      f"injection.namespaces lists {name}")
    # Items without a namespace get one later (kustomize's namespace:, kpt's
    # set-namespace). When the package holds a single application namespace, that is
    # where they will land.
    apps = [i.name for i in namespace_items if i.name not in system]
    if not default_namespace and len(apps) == 1 and out[apps[0]].dataplane in (SIDECAR, AMBIENT) and "" not in out:
        out[""] = Labelling(None, {}, {}, None, False, out[apps[0]].dataplane,
                            f"items without a namespace land in {apps[0]}, the package's only application namespace")
    return out


def peer_mode(item: Item) -> str:
    mode = item.get("spec", "mtls", "mode")
    return str(mode) if isinstance(mode, str) and mode != "UNSET" else ""


def decide_mtls(name: str, root: str, input_pas: Mapping[str, Item], covered: Callable[[str], bool],
                settings: Settings) -> tuple[str, str]:
    """The mode servers in ``name`` enforce: a namespace-wide PeerAuthentication in the
    input, else the mesh-wide one in the input, else what this run generates, else
    Istio's default, PERMISSIVE."""
    own = input_pas.get(name)
    if own is not None and peer_mode(own):
        return peer_mode(own), f"the {own.describe()} in the input"
    mesh = input_pas.get(root)
    if mesh is not None and peer_mode(mesh):
        return peer_mode(mesh), f"the mesh-wide {mesh.describe()} in the input"
    if settings.mtls.scope != "none" and covered(name):
        return settings.mtls.mode, f"the generated PeerAuthentication (mtls.mode {settings.mtls.mode})"
    return "PERMISSIVE", "no PeerAuthentication applies: Istio's default"


def assemble(labelling: Mapping[str, Labelling], names: Iterable[str], root: str, input_pas: Mapping[str, Item],
             covered: Callable[[str], bool], settings: Settings) -> dict[str, Namespace]:
    out = {}
    for name in [*labelling, *sorted(set(names) - set(labelling))]:
        lab = labelling.get(name)
        mode, why = decide_mtls(name, root, input_pas, covered, settings)
        if lab is None:
            out[name] = Namespace(name, None, {}, {}, None, False, NO_MESH,
                                  f"namespace {name or '(none set)'} is not known to be sidecar-injected",
                                  mode, why)
        else:
            out[name] = Namespace(name, lab.item, lab.labels, lab.add, lab.refused, lab.on_mesh,
                                  lab.dataplane, lab.reason, mode, why)
    return out
