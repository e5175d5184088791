"""Golden cases: tests/golden/<case>/input.yaml (a ResourceList, or Kubernetes objects
with config.yaml beside them) -> expected.yaml, byte for byte.

UPDATE_GOLDEN=1 rewrites expected.yaml from the actual output; review the diff.
Every case also checks stability: running on the output changes nothing.
"""

from pathlib import Path

import pytest
import yaml

from fn import yamlnodes as yn
from fn.function import run
from fn.resourcelist import process
from krm import rewrite, update_requested

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "input.yaml").exists())
# Cases that fail on purpose hand their input back; re-running them proves nothing.
STABLE = [c for c in CASES if not (GOLDEN / c / "exit-code").exists()]


def execute(case: Path, data: bytes):
    config = None
    if (case / "config.yaml").exists():
        config = yaml.safe_load((case / "config.yaml").read_text())
    return process(data, run, config)


@pytest.mark.parametrize("name", CASES)
def test_golden(name):
    case = GOLDEN / name
    outcome = execute(case, (case / "input.yaml").read_bytes())
    assert outcome.fatal is None, outcome.fatal
    expected_file = case / "expected.yaml"
    if update_requested("UPDATE_GOLDEN"):
        rewrite(expected_file, outcome.stdout)
    assert expected_file.exists(), f"run with UPDATE_GOLDEN=1 to create {expected_file}"
    assert outcome.stdout == expected_file.read_text()
    errors = [r for r in outcome.results if r.severity == "error"]
    assert outcome.exit_code == (1 if errors else 0)
    if (case / "exit-code").exists():
        assert outcome.exit_code == int((case / "exit-code").read_text())


def without_results(text: str) -> str:
    """The output minus ``results``: a re-run appends its own results, by the spec."""
    docs = yn.compose_all(text)
    for doc in docs:
        if yn.scalar_str(yn.get(doc, "kind")) == "ResourceList":
            doc.value = [(k, v) for k, v in doc.value if k.value != "results"]
    return yn.serialize_all(docs)


@pytest.mark.parametrize("name", STABLE)
def test_golden_is_stable(name):
    case = GOLDEN / name
    first = execute(case, (case / "input.yaml").read_bytes())
    assert first.exit_code == 0
    second = execute(case, first.stdout.encode())
    assert second.exit_code == 0
    assert without_results(second.stdout) == without_results(first.stdout)
