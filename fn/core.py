"""The pure core: ``transform(items, settings) -> (items, results)``. No I/O here.

A short pipeline: prune what we generated last time (by the owner annotation), build the
mesh model, run the enabled policies in their declared order, place the new objects in
files, and check them. Generator rules as in the kpt catalog: never touch, duplicate or
shadow what a person wrote. That makes ``run(run(x)) == run(x)``.
"""

from __future__ import annotations

import posixpath
from collections import Counter

from . import mesh
from .items import INDEX, LEGACY_INDEX, LEGACY_PATH, PATH, Item
from .policies import OWNER_ANNOTATION, OWNER_VALUE, POLICIES, Generated, Output
from .results import Results
from .settings import Settings

GENERATED_KINDS = frozenset((p.group, p.kind) for p in POLICIES if p.kind)


def is_generated(item: Item) -> bool:
    return item.annotations.get(OWNER_ANNOTATION) == OWNER_VALUE


def prune(items: list[Item], results: Results) -> list[Item]:
    """Drop what an earlier run generated. Only kinds this function makes are ours: a
    Secret carrying the marker is kept (dropping it would delete its file)."""
    kept = []
    for item in items:
        if not is_generated(item):
            kept.append(item)
        elif (item.group, item.kind) not in GENERATED_KINDS:
            results.warning(f"{item.describe()} carries {OWNER_ANNOTATION}={OWNER_VALUE} but this function "
                            "never generates that kind; kept it as written", resource_ref=item.ref(),
                            file=item.file_ref())
            kept.append(item)
    return kept


def transform(items: list[Item], settings: Settings) -> tuple[list[Item], Results]:
    results = Results()
    kept = prune(items, results)
    ids = {id(i) for i in kept}
    model, found = mesh.build(kept, settings, previous=[i for i in items if id(i) not in ids])
    results.extend(found)
    outputs = [p.generate(model, settings) for p in POLICIES if p.enabled(settings)]
    for out in outputs:
        results.extend(out.results)
        for edit in out.edits:
            edit.item.set_at(edit.path, edit.value)
    _report_uncovered(model, outputs, results)
    generated = place([g for out in outputs for g in out.objects], model.user.paths, results)
    if settings.kustomize.register_resources and model.user.paths:
        from . import kustomize  # kustomize-registered packages only: not a start-up import

        kustomize.register([i.path for i in generated], kept, results)
    counts = Counter(i.kind for i in generated)
    # Kinds added after the summary's wording was fixed by the goldens are named only when
    # enabled (opt-in) or when they generated something (quiet).
    kinds = [p.kind for p in POLICIES if p.kind and (counts[p.kind] or not (p.opt_in or p.quiet)
                                                     or (p.opt_in and p.enabled(settings)))]
    kinds = list(dict.fromkeys(kinds + sorted(k for k in counts if k not in kinds)))
    summary = "generated " + ", ".join(f"{counts[k]} {k}" for k in kinds)
    summary += "".join(f"; {s}" for out in outputs for s in out.summary)
    results.info(summary, tags={k: str(counts[k]) for k in kinds})
    out_items = kept + generated
    if settings.analyze.generated and generated:
        from .analyze.krm import check_generated

        results.extend(check_generated(out_items, settings))
    return out_items, results


def _report_uncovered(model: mesh.MeshModel, outputs: list[Output], results: Results) -> None:
    """One result per Service left without any per-Service object, with every reason."""
    covered = set().union(*(o.covered for o in outputs))
    for svc in model.services:
        if svc.key in covered:
            continue
        reasons = [svc.skip] if svc.skip else [r for o in outputs for r in o.declined.get(svc.key, [])]
        why = "; ".join(reasons) or "every per-Service policy is disabled"
        results.info(f"{svc.name}: no Istio config generated: {why}", resource_ref=svc.item.ref(),
                     file=svc.item.file_ref())


def safe_path(path: str) -> bool:
    parts = path.split("/")
    return (not path.startswith("/") and ".." not in parts and path.endswith((".yaml", ".yml"))
            and not parts[-1].startswith("."))


def place(objects: list[Generated], user_paths: frozenset[str], results: Results) -> list[Item]:
    """Items for the generated objects, in a stable order, each placed in its file."""
    placeable = []
    for g in objects:
        if user_paths and not safe_path(g.path):
            # Templates are checked when the config is read; this guards what a Service's
            # own file path adds ({dir}), so nothing is written outside the package.
            results.error(f"refused to place {g.obj['kind']} {g.obj['metadata']['name']} at {g.path!r}: not a "
                          ".yaml file inside the package")
            continue
        placeable.append(g)
        if g.path in user_paths:
            # Never write into a file a person owns: kpt would merge our object into it.
            stem, ext = posixpath.splitext(g.path)
            g.path = f"{stem}.generated{ext or '.yaml'}"
    objects = placeable
    objects.sort(key=lambda g: (g.path, g.obj["kind"], g.obj["metadata"].get("namespace", ""),
                                g.obj["metadata"]["name"]))
    seen: set[tuple[str, str, str]] = set()
    per_path: Counter[str] = Counter()
    out = []
    for g in objects:
        meta = g.obj["metadata"]
        identity = (g.obj["kind"], meta.get("namespace", ""), meta["name"])
        if identity in seen:
            results.warning(
                f"two Services would generate {g.obj['kind']} {meta['name']}; generated it once "
                "(make the name template unique, e.g. with {namespace})",
                resource_ref={"apiVersion": g.obj["apiVersion"], "kind": g.obj["kind"], "name": meta["name"]},
            )
            continue
        seen.add(identity)
        if user_paths:
            # Only an orchestrator that writes files (kpt) sent paths; in a plain stream
            # they would just be noise applied to the cluster.
            index = str(per_path[g.path])
            per_path[g.path] += 1
            meta["annotations"].update({PATH: g.path, INDEX: index, LEGACY_PATH: g.path, LEGACY_INDEX: index})
        out.append(Item.from_obj(g.obj))
    return out
