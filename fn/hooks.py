"""pre-commit hooks (``.pre-commit-hooks.yaml``): ``istio-mesh-fn-hooks render-check``.

render-check fails a commit whose packages are missing their generated config: it runs
the function on each package the way ``kpt fn render`` would (every YAML file of the
package, each object annotated with its file) and compares what would be written with
what is there, object by object. It reads and compares; it never writes.

A package is a folder with a Kptfile (the nearest one above each changed file), or a
folder named with ``--package``. The function config is ``--config FILE``, else the
Kptfile's istio-mesh-fn step (``configPath`` or ``configMap``), else none (the defaults).
"""

from __future__ import annotations

import argparse
import fnmatch
import subprocess
import sys
from pathlib import Path
from typing import Any

from . import yamlnodes as yn
from .items import INDEX, LEGACY_INDEX, LEGACY_PATH, PATH

PROG = "istio-mesh-render-check"
# Annotations orchestrators add and strip again: never part of what a file holds.
TRANSIENT = (PATH, INDEX, LEGACY_PATH, LEGACY_INDEX, "config.k8s.io/id", "internal.config.kubernetes.io/id",
             "internal.config.kubernetes.io/annotations-migration-resource-id")
YAML = (".yaml", ".yml")


class HookError(Exception):
    pass


def package_of(path: Path) -> Path | None:
    start = path if path.is_dir() else path.parent
    for parent in [start, *start.parents]:
        if (parent / "Kptfile").is_file():
            return parent
    return None


def _ignored(pkg: Path) -> list[str]:
    f = pkg / ".krmignore"
    if not f.is_file():
        return []
    return [line.strip().strip("/") for line in f.read_text().splitlines() if line.strip() and not line.startswith("#")]


def read_package(pkg: Path) -> dict[str, list[dict[str, Any]]]:
    """The package's objects by file (relative POSIX path), in file order. Subpackages
    (folders with their own Kptfile), hidden folders and .krmignore entries are left out,
    as kpt leaves them out."""
    ignore = _ignored(pkg)
    files: dict[str, list[dict[str, Any]]] = {}
    for f in sorted(p for p in pkg.rglob("*") if p.suffix in YAML and p.is_file()):
        rel = f.relative_to(pkg)
        parts = rel.parts
        if any(part.startswith(".") for part in parts):
            continue
        if any(fnmatch.fnmatch(rel.as_posix(), pat) or fnmatch.fnmatch(parts[0], pat) for pat in ignore):
            continue
        if any((pkg / Path(*parts[:i]) / "Kptfile").is_file() for i in range(1, len(parts))):
            continue
        try:
            docs = [yn.to_py(n) for n in yn.compose_all(f.read_text(encoding="utf-8"))]
        except (yn.YamlError, UnicodeDecodeError) as exc:
            raise HookError(f"{f}: not readable YAML: {exc}") from None
        objs = [d for d in docs if isinstance(d, dict) and d.get("apiVersion") and d.get("kind")]
        if objs:
            files[rel.as_posix()] = objs
    return files


def config_for(pkg: Path, explicit: Path | None) -> Any:
    if explicit is not None:
        return _load_one(explicit)
    kptfile = pkg / "Kptfile"
    if not kptfile.is_file():
        return None
    spec = _load_one(kptfile) or {}
    for step in (spec.get("pipeline") or {}).get("mutators") or []:
        if "istio-mesh-fn" not in str(step.get("image") or step.get("exec") or ""):
            continue
        if step.get("configPath"):
            return _load_one(pkg / step["configPath"])
        if step.get("configMap"):
            return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "function-input"},
                    "data": {str(k): str(v) for k, v in step["configMap"].items()}}
    return None


def _load_one(path: Path) -> Any:
    try:
        docs = yn.compose_all(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise HookError(f"{path}: {exc.strerror}") from None
    except yn.YamlError as exc:
        raise HookError(f"{path}: not readable YAML: {exc}") from None
    return yn.to_py(docs[0]) if docs else None


def render(pkg: Path, config: Any) -> dict[str, list[dict[str, Any]]]:
    """What the function would leave in each file of ``pkg``."""
    items = []
    for rel, objs in read_package(pkg).items():
        for i, obj in enumerate(objs):
            anns = obj.setdefault("metadata", {}).setdefault("annotations", {})
            for key, value in ((PATH, rel), (LEGACY_PATH, rel), (INDEX, str(i)), (LEGACY_INDEX, str(i))):
                anns[key] = value
            items.append(obj)
    rl: dict[str, Any] = {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": items}
    if config is not None:
        rl["functionConfig"] = config
    # The function as a separate process, the way kpt runs it: the stdin/stdout contract.
    proc = subprocess.run([sys.executable, "-m", "fn"], input=yn.serialize(yn.from_py(rl)), capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise HookError(f"{pkg}: istio-mesh-fn failed:\n{proc.stderr.strip()}")
    out = yn.to_py(yn.compose_all(proc.stdout)[0])
    files: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for obj in out.get("items") or []:
        anns = (obj.get("metadata") or {}).get("annotations") or {}
        path = anns.get(PATH) or anns.get(LEGACY_PATH)
        if not path:
            raise HookError(f"{pkg}: the function returned an object with no file: {obj.get('kind')} "
                            f"{(obj.get('metadata') or {}).get('name')}")
        index = int(anns.get(INDEX) or anns.get(LEGACY_INDEX) or 0)
        files.setdefault(path, []).append((index, obj))
    return {p: [o for _, o in sorted(objs, key=lambda t: t[0])] for p, objs in files.items()}


def _plain(obj: dict[str, Any]) -> dict[str, Any]:
    meta = dict(obj.get("metadata") or {})
    anns = {k: v for k, v in (meta.get("annotations") or {}).items() if k not in TRANSIENT}
    if anns:
        meta["annotations"] = anns
    else:
        meta.pop("annotations", None)
    return {**obj, "metadata": meta}


def changes(pkg: Path, config: Any) -> list[str]:
    before = read_package(pkg)
    after = render(pkg, config)
    out = []
    for path in sorted(set(before) | set(after)):
        old = [_plain(o) for o in before.get(path, [])]
        new = [_plain(o) for o in after.get(path, [])]
        if old == new:
            continue
        what = "new file" if not old else "would be deleted" if not new else "would change"
        kinds = sorted({f"{o['kind']} {(o.get('metadata') or {}).get('name', '')}" for o in new or old
                        if o not in old or o not in new})
        out.append(f"{path}: {what}" + (f" ({', '.join(kinds)})" if kinds else ""))
    return out


def render_check(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog=PROG, description="Fail when running istio-mesh-fn on a package would change it.")
    p.add_argument("--config", type=Path, help="function config file (default: the Kptfile's istio-mesh-fn step)")
    p.add_argument("--package", type=Path, action="append", default=[],
                   help="a package folder to check, besides the packages of the files given")
    p.add_argument("files", nargs="*", type=Path, help="changed files (pre-commit passes them)")
    args = p.parse_args(argv)
    pkgs = {pkg.resolve() for pkg in args.package}
    for f in args.files:
        pkg = package_of(f)
        if pkg is not None:
            pkgs.add(pkg.resolve())
    failed = False
    for pkg in sorted(pkgs):
        shown = _shown(pkg)
        try:
            diff = changes(pkg, config_for(pkg, args.config))
        except HookError as exc:
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            failed = True
            continue
        if diff:
            failed = True
            print(f"{PROG}: {shown}: the generated Istio config is out of date; run "
                  f"`kpt fn render {shown}` (or the function as you run it) and commit the result:", file=sys.stderr)
            for line in diff:
                print(f"  {line}", file=sys.stderr)
    return 1 if failed else 0


def _shown(pkg: Path) -> str:
    try:
        return pkg.relative_to(Path.cwd()).as_posix() or "."
    except ValueError:
        return str(pkg)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["render-check"]:
        return render_check(argv[1:])
    print("usage: istio-mesh-fn-hooks render-check [--config FILE] [--package DIR]... [FILE...]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
