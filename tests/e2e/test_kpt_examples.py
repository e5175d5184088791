"""The example packages under examples/, run by real kpt in the kpt functions catalog's
e2e layout: each package has .expected/config.yaml (how to run it), .expected/diff.patch
(what the run changes, as `git diff`) and .expected/results.yaml (kpt's structured results).

UPDATE_EXPECTED=1 rewrites diff.patch and results.yaml from the actual run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT
from .kptpkg import checkout, diff
from krm import update_requested

EXAMPLES = sorted(p.parent.parent for p in (ROOT / "examples").glob("*/.expected/config.yaml"))


def uses_image(config: dict, pkg: Path) -> bool:
    if config.get("evalConfig", {}).get("image"):
        return True
    return "image:" in (pkg / "Kptfile").read_text()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example(example: Path, kpt, request, tmp_path):
    config = yaml.safe_load((example / ".expected" / "config.yaml").read_text()) or {}
    env = request.getfixturevalue("container_env" if uses_image(config, example) else "base_env")
    pkg = checkout(example, tmp_path / example.name)
    results = tmp_path / "results"
    if config.get("testType", "eval") == "render":
        cmd = [kpt, "fn", "render", str(pkg), "--results-dir", str(results)]
        if config.get("allowExec"):
            cmd.append("--allow-exec")
    else:
        ev = config["evalConfig"]
        cmd = [kpt, "fn", "eval", str(pkg), "--results-dir", str(results)]
        cmd += ["--exec", ev["exec"]] if ev.get("exec") else ["--image", ev["image"]]
        args = ev.get("args") or {}
        if args:
            cmd += ["--", *(f"{k}={v}" for k, v in args.items())]

    # Run as often as the config says: from the second run on, nothing may change.
    runs = []
    for i in range(int(config.get("runCount", 1))):
        runs.append(env.run(cmd, cwd=tmp_path))
        if i == 0:
            first_diff = diff(pkg)
        else:
            assert diff(pkg) == first_diff, f"run {i + 1} changed the package again"
    first = runs[0]
    want_rc = int(config.get("exitCode", 0))
    assert first.returncode == want_rc, f"kpt exited {first.returncode}, want {want_rc}\n{first.stderr}"
    if config.get("stdErr"):
        assert config["stdErr"] in first.stderr, first.stderr
    if want_rc != 0:
        assert first_diff == "", "a failed run must leave the package untouched"

    actual_results = (results / "results.yaml").read_text()
    expected_dir = example / ".expected"
    if update_requested("UPDATE_EXPECTED"):
        (expected_dir / "diff.patch").write_text(first_diff)
        (expected_dir / "results.yaml").write_text(actual_results)
    assert first_diff == (expected_dir / "diff.patch").read_text(), "package change differs from .expected/diff.patch"
    assert actual_results == (expected_dir / "results.yaml").read_text(), "kpt results differ from .expected/results.yaml"
