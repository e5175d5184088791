"""Summarize mutmut runs: ``python tools/mutation_summary.py [MUTMUT_DIR ...]``.

Reads ``mutmut results --all true`` in each MUTMUT_DIR (where ``mutmut run`` ran), subtracts
the mutants docs/mutation-equivalent.txt explains as equivalent, and writes the score per
module and per area to docs/mutation.json and between the markers in docs/testing.md.
tests/test_mutation_score.py checks that file against the target.

Several directories may be given because a whole run takes hours on two cores: each area
is often re-run alone (``mutmut run "fn.configmap*"``) after its survivors were looked at.
Each module's numbers come from the directory that checked most of its mutants (the later
one on a tie), and the module keeps the commit it was measured at.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT = ROOT / "docs" / "mutation-equivalent.txt"
OUT = ROOT / "docs" / "mutation.json"
DOC = ROOT / "docs" / "testing.md"
TARGET = 0.90
# Areas the target applies to (issue 17), by module prefix.
AREAS = {
    "core": ("fn.core",),
    "model": ("fn.mesh.",),
    "policies": ("fn.policies.",),
    "config": ("fn.config", "fn.configmap", "fn.configbase", "fn.settings"),
    "resourcelist": ("fn.resourcelist",),
}
KILLED = {"killed", "timeout"}
COUNTED = KILLED | {"survived", "no tests", "suspicious"}


def module_of(mutant: str) -> str:
    return re.split(r"\.x[_ǁ]", mutant, maxsplit=1)[0]


def area_of(module: str) -> str | None:
    for area, prefixes in AREAS.items():
        if any(module == p or module.startswith(p) for p in prefixes):
            return area
    return None


def equivalent() -> dict[str, str]:
    out = {}
    if EQUIVALENT.exists():
        for line in EQUIVALENT.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                name, _, why = line.partition(" ")
                out[name] = why.strip()
    return out


def read_run(where: Path) -> tuple[str, dict[str, str]]:
    text = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], cwd=where,
                          capture_output=True, text=True, check=True).stdout
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=where,
                            capture_output=True, text=True).stdout.strip()
    return commit, {name: status.strip() for name, status in re.findall(r"^\s*(\S+): (.+)$", text, flags=re.M)}


def main(argv: list[str]) -> int:
    dirs = [Path(a) for a in argv[1:]] or [ROOT]
    runs = [read_run(d) for d in dirs]
    # module -> (checked count, run index); the run that checked most of it wins
    best: dict[str, tuple[int, int]] = {}
    for i, (_, statuses) in enumerate(runs):
        checked: Counter[str] = Counter(module_of(n) for n, st in statuses.items() if st != "not checked")
        for module in {module_of(n) for n in statuses}:
            if module not in best or checked[module] >= best[module][0]:
                best[module] = (checked[module], i)
    eq = equivalent()
    per_module: dict[str, Counter[str]] = defaultdict(Counter)
    module_commit: dict[str, str] = {}
    survivors = []
    for module, (_, i) in best.items():
        commit, statuses = runs[i]
        module_commit[module] = commit
        for name, status in statuses.items():
            if module_of(name) != module:
                continue
            if name in eq:
                per_module[module]["equivalent"] += 1
            elif status in COUNTED:
                per_module[module]["killed" if status in KILLED else "survived"] += 1
                if status not in KILLED:
                    survivors.append(name)
            else:
                per_module[module][status] += 1

    def counts(c: Counter[str]) -> dict[str, int]:
        # Every count written, zeros too: readers index them.
        return {k: c[k] for k in ("killed", "survived", "equivalent", "not checked")} | dict(c)

    def score(c: Counter[str]) -> float | None:
        total = c["killed"] + c["survived"]
        return round(c["killed"] / total, 4) if total else None

    areas: dict[str, Counter[str]] = defaultdict(Counter)
    for module, c in per_module.items():
        a = area_of(module)
        if a:
            areas[a].update(c)
    commits = sorted(set(module_commit.values()))
    commit = ", ".join(commits)
    data = {
        "date": dt.date.today().isoformat(), "commit": commit, "target": TARGET,
        "areas": {a: {**counts(c), "score": score(c)} for a, c in sorted(areas.items())},
        "modules": {m: {**counts(c), "score": score(c), "commit": module_commit[m]}
                    for m, c in sorted(per_module.items())},
        "survivors": sorted(survivors),
    }
    OUT.write_text(json.dumps(data, indent=2) + "\n")
    rows = ["| area / module | killed | survived | equivalent | not checked | score | commit |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for a, c in sorted(areas.items()):
        rows.append(f"| **{a}** | {c['killed']} | {c['survived']} | {c['equivalent']} | {c['not checked']} | "
                    f"**{score(c):.1%}** | |")
    for m, c in sorted(per_module.items()):
        s = score(c)
        rows.append(f"| `{m}` | {c['killed']} | {c['survived']} | {c['equivalent']} | {c['not checked']} | "
                    f"{'' if s is None else f'{s:.1%}'} | {module_commit[m]} |")
    table = "\n".join(rows)
    doc = DOC.read_text()
    start, end = "<!-- mutation:start -->", "<!-- mutation:end -->"
    head = f"Runs of {data['date']} at commit(s) {commit}; target {TARGET:.0%} per area.\n\n"
    DOC.write_text(doc[:doc.index(start) + len(start)] + "\n" + head + table + "\n" + doc[doc.index(end):])
    print(head + table)
    # An area meets the target only when every one of its mutants was checked.
    low = [a for a, c in areas.items() if (score(c) or 0) < TARGET or c["not checked"]]
    return 1 if low else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
