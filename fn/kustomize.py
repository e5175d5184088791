"""Packages that are kustomize bases too. kpt writes a generated file beside its Service,
but kustomize builds only what a kustomization.yaml lists, so each new file is added to
the ``resources:`` of the nearest kustomization above it: a node-level append to that one
list, so no other byte of the user's file changes."""

from __future__ import annotations

import posixpath

from .items import Item
from .results import Results

KUSTOMIZATION_GROUP = "kustomize.config.k8s.io"
FILE_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def register(paths: list[str], items: list[Item], results: Results) -> None:
    by_dir: dict[str, Item] = {}
    for item in items:
        if item.group == KUSTOMIZATION_GROUP and item.kind == "Kustomization" and item.path:
            if posixpath.basename(item.path) in FILE_NAMES:
                by_dir[posixpath.dirname(item.path)] = item
    if not by_dir:
        return
    for path in sorted(set(paths)):
        folder = posixpath.dirname(path)
        while folder not in by_dir and folder:
            folder = posixpath.dirname(folder)
        owner = by_dir.get(folder)
        if owner is None:
            continue
        listed = owner.get("resources")
        if not isinstance(listed, list):
            # A kustomization without a resources: list (components only, or generators)
            # is not one we can extend safely.
            continue
        entry = posixpath.relpath(path, folder) if folder else path
        if any(isinstance(e, str) and (entry == e or entry.startswith(e.rstrip("/") + "/")) for e in listed):
            continue
        owner.append_to_list("resources", entry)
        results.info(f"added {entry} to the resources of {owner.path}, so kustomize builds it",
                     resource_ref=owner.ref(), file=owner.file_ref())
