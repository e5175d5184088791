"""`make demo`: run the function on a package folder and show what it generates.

Reads the folder the way `kpt fn source` does (every YAML file, with its path), runs the
function with the given config, and prints each generated file as kpt would write it.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import yaml

from fn import yamlnodes as yn
from fn.core import is_generated
from fn.function import run
from fn.items import INDEX, LEGACY_INDEX, LEGACY_PATH, PATH, Item
from fn.results import Results


def read_package(root: Path) -> list[Item]:
    items = []
    for f in sorted(root.rglob("*.yaml")):
        rel = f.relative_to(root).as_posix()
        for i, node in enumerate(yn.compose_all(f.read_text(encoding="utf-8"))):
            item = Item(node)
            for key, value in ((PATH, rel), (LEGACY_PATH, rel), (INDEX, str(i)), (LEGACY_INDEX, str(i))):
                item.set_annotation(key, value)
            items.append(item)
    return items


def main(package: str, config_file: str) -> int:
    config = yaml.safe_load(Path(config_file).read_text(encoding="utf-8"))
    results = Results()
    items = run(read_package(Path(package)), config, results)
    files: dict[str, list[str]] = defaultdict(list)
    for item in items:
        if is_generated(item):
            obj = item.obj
            anns = obj["metadata"]["annotations"]
            path = anns.get(PATH, "")
            for key in (PATH, INDEX, LEGACY_PATH, LEGACY_INDEX):
                anns.pop(key, None)
            files[path].append(yaml.safe_dump(obj, sort_keys=False))
        elif item.kind == "Namespace":
            print(f"# {item.path}: labels {item.labels}\n")
    for path in sorted(files):
        print(f"# {package.rstrip('/')}/{path}")
        print("---\n".join(files[path]))
    for r in results:
        print(f"# {r.describe()}", file=sys.stderr)
    return 1 if results.has_errors() else 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:3]))
