"""istioctl's own analyzer test grid: each case runs one analyzer and must produce
exactly the listed messages (by name and resource), no more and no fewer."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from fn.analyze import runner
from fn.analyze.load import load_mesh_config, load_paths

from .conftest import CONFORMANCE

CASES = json.loads((CONFORMANCE / "cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_istioctl_case(case):
    loaded = load_paths([str(CONFORMANCE / f) for f in case["inputFiles"]])
    mesh = load_mesh_config(str(CONFORMANCE / case["meshConfigFile"])) if case["meshConfigFile"] else None
    findings = runner.run(loaded.resources, analyzers=[case["analyzer"]], mesh_config=mesh)
    got = Counter((f.name, f.resource.ref()) for f in findings)
    want = Counter((e["message"], e["resource"]) for e in case["expected"])
    assert got == want, "\n".join(f"{f.level} [{f.code}] ({f.resource.ref()}) {f.message}" for f in findings)


def test_every_case_names_a_known_analyzer():
    known = set(runner.names(schema=False))
    assert {c["analyzer"] for c in CASES} <= known
