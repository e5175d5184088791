"""Analyzers run on manifests nobody has validated: a field of the wrong type must
never crash one (istioctl's InternalError, IST0001)."""

from __future__ import annotations

import copy

import pytest

from fn.analyze import runner
from fn.analyze.load import load_paths
from fn.analyze.model import Resource

from .conftest import CONFORMANCE

WRONG = ["text", 7, True, None, [], {}, ["x", 1], {"a": None}]


def _resources() -> list[Resource]:
    files = sorted(str(p) for p in (CONFORMANCE / "testdata").glob("*.yaml") if "mesh-cfg" not in p.name)
    return load_paths(files).resources


def _mutants(obj: dict):
    """The object with one field (at any depth under spec/metadata) set to a wrong type."""
    def walk(value, path):
        if isinstance(value, dict):
            for k, v in value.items():
                yield path + (k,)
                yield from walk(v, path + (k,))
        elif isinstance(value, list):
            for i, v in enumerate(value[:2]):
                yield path + (i,)
                yield from walk(v, path + (i,))

    for path in walk({k: obj[k] for k in ("spec", "metadata") if k in obj}, ()):
        for wrong in WRONG:
            out = copy.deepcopy(obj)
            target = out
            for p in path[:-1]:
                target = target[p]
            target[path[-1]] = wrong
            yield out


@pytest.mark.parametrize("wrong_index", range(len(WRONG)))
def test_wrong_types_never_crash_an_analyzer(wrong_index):
    base = _resources()
    objs = []
    for r in base:
        for i, m in enumerate(_mutants(r.obj)):
            if i % len(WRONG) == wrong_index:
                objs.append(m)
    # Analyze each mutant with its unmutated neighbours, in batches to stay quick.
    originals = [Resource(obj=r.obj) for r in base]
    for start in range(0, len(objs), 200):
        batch = [Resource(obj=o) for o in objs[start:start + 200]]
        findings = runner.run(originals + batch)
        crashes = [f.message for f in findings if f.code == "IST0001"]
        assert crashes == []
