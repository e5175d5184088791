"""Re-apply the seeded bugs of issue 17's audit, one at a time, and show which test kills
each: ``python tools/seeded_bugs.py`` (or ``make seeded-bugs``). Each bug is a textual
patch of one line in fn/; the tree is restored after every run. Exit 1 when a bug
survives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ["tests/test_setting_effects.py", "tests/test_shapes.py", "tests/analyze/test_default_set.py",
         "tests/test_annotations.py", "tests/test_core.py"]

# (name, file, text, replacement)
BUGS = [
    ("analyze leaves out one default analyzer", "fn/analyze/runner.py",
     "    pool = available(schema, families)\n", "    pool = available(schema, families)[:-1]\n"),
    ("subsetLabel ignored", "fn/mesh/serviceconfig.py",
     '"tls_mode": dr.tls_mode, "subset_label": dr.subset_label,', '"tls_mode": dr.tls_mode, "subset_label": "version",'),
    ("perTryTimeout written with attempts: 0", "fn/policies/virtualservice.py",
     "    if retries.per_try_timeout and retries.attempts > 0:", "    if retries.per_try_timeout:"),
    ("port match dropped on two-port Services", "fn/policies/virtualservice.py",
     "    match = len(http_ports) + len(tcp_ports) > 1", "    match = len(http_ports) + len(tcp_ports) > 2"),
    ("NotIn inverted in exclude.selector", "fn/settings.py",
     'if req.operator == "NotIn" and present and value in req.values:',
     'if req.operator == "NotIn" and present and value not in req.values:'),
    ("mtls.rootNamespace ignored", "fn/mesh/build.py",
     '    return settings.mtls.root_namespace, "mtls.rootNamespace"', '    return "istio-system", "mtls.rootNamespace"'),
    ("self-check ignores analyze.schema", "fn/analyze/krm.py",
     "    schema = settings.analyze.schema_ and runner.schema_available()", "    schema = False"),
    ("analyzer crash in the self-check dropped", "fn/analyze/krm.py",
     '        if f.name == "InternalError":', '        if False:'),
]


def main() -> int:
    survived = 0
    for name, rel, old, new in BUGS:
        path = ROOT / rel
        original = path.read_text()
        if original.count(old) != 1:
            print(f"?? {name}: the line to patch is not in {rel} (exactly once); update this script")
            survived += 1
            continue
        path.write_text(original.replace(old, new))
        try:
            proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *TESTS],
                                  cwd=ROOT, capture_output=True, text=True)
        finally:
            path.write_text(original)
        failed = [line.split(" ")[1] for line in proc.stdout.splitlines() if line.startswith("FAILED ")]
        if proc.returncode == 0:
            survived += 1
            print(f"SURVIVED  {name}")
        else:
            print(f"killed    {name}: {failed[0] if failed else proc.stdout.strip().splitlines()[-1]}")
    return 1 if survived else 0


if __name__ == "__main__":
    raise SystemExit(main())
