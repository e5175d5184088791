"""Namespace labels that put pods on the mesh (sidecar injection or ambient).

Reads: the model's Namespace decisions and the ``injection`` section. It generates no
object: it edits the Namespace items the model chose, one label at a time, so every
other byte of the user's Namespace stays as written."""

from __future__ import annotations

from ..mesh import MeshModel
from ..settings import Settings
from .base import Edit, Output


def generate(model: MeshModel, settings: Settings) -> Output:
    out = Output()
    labelled = []
    for ns in model.namespaces.values():
        if ns.item is None:
            continue
        if ns.unlabelled_because:
            out.results.info(f"left namespace {ns.name} unlabelled: {ns.unlabelled_because}",
                             resource_ref=ns.item.ref(), file=ns.item.file_ref())
        elif ns.add_labels:
            out.edits.extend(Edit.label(ns.item, k, v) for k, v in ns.add_labels.items())
            labelled.append(ns.name)
    out.summary.append("labelled namespaces: " + (", ".join(labelled) if labelled else "none"))
    return out
