"""fn/hooks.py's render check, in process (the pre-commit runs are in test_precommit.py):
what counts as a change, where the config comes from, and which folders are packages."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from fn import hooks

ROOT = Path(__file__).resolve().parents[2]


def rendered(src: str, tmp_path: Path) -> Path:
    """An example package with the change kpt makes applied (.expected/diff.patch)."""
    pkg = tmp_path / src
    shutil.copytree(ROOT / "examples" / src, pkg, ignore=shutil.ignore_patterns(".expected"))
    subprocess.run(["git", "apply", "--directory", "", str(ROOT / "examples" / src / ".expected" / "diff.patch")],
                   cwd=pkg, check=True, capture_output=True)
    return pkg


@pytest.mark.parametrize("src", ["render-exec", "render-image", "eval-exec"])
def test_a_rendered_package_is_up_to_date(src, tmp_path):
    pkg = rendered(src, tmp_path)
    # eval-exec is configured on kpt's command line, not in its Kptfile.
    config = None if src != "eval-exec" else {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
        "data": dict(__import__("yaml").safe_load((ROOT / "examples" / src / ".expected" / "config.yaml")
                                                  .read_text())["evalConfig"]["args"])}
    assert hooks.changes(pkg, config if config else hooks.config_for(pkg, None)) == []


def test_edits_and_deletions_are_changes(tmp_path, capsys):
    pkg = rendered("render-exec", tmp_path)
    vs = pkg / "cart" / "istio-virtualservice.yaml"
    vs.write_text(vs.read_text().replace("timeout: 60s", "timeout: 5s"))
    (pkg / "payments" / "istio-destinationrule.yaml").unlink()
    assert hooks.render_check([str(vs)]) == 1
    err = capsys.readouterr().err
    assert "cart/istio-virtualservice.yaml: would change (VirtualService cart)" in err
    assert "payments/istio-destinationrule.yaml: new file (DestinationRule payments-destination)" in err

    # The Service (and its workload) removed: its generated config would go too.
    pkg = rendered("render-exec", tmp_path / "again")
    (pkg / "payments" / "payments.yaml").unlink()
    assert any(line.startswith("payments/istio-virtualservice.yaml: would be deleted")
               for line in hooks.changes(pkg, hooks.config_for(pkg, None)))


def test_config_from_the_kptfile_or_the_command_line(tmp_path):
    pkg = rendered("render-image", tmp_path)
    assert hooks.config_for(pkg, None)["data"]["timeout"] == "10s"
    # The same package checked with the defaults instead of its configMap is out of date.
    defaults = tmp_path / "defaults.yaml"
    defaults.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\ndata: {}\n")
    assert hooks.render_check(["--config", str(defaults), "--package", str(pkg)]) == 1
    assert hooks.render_check(["--package", str(pkg)]) == 0


def test_files_outside_packages_are_not_checked(tmp_path):
    loose = tmp_path / "svc.yaml"
    loose.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {selector: {app: a}}\n")
    assert hooks.package_of(loose) is None
    assert hooks.render_check([str(loose)]) == 0


def test_a_function_error_fails_the_check_with_its_message(tmp_path, capsys):
    pkg = tmp_path / "bad"
    shutil.copytree(ROOT / "examples" / "render-invalid-config", pkg, ignore=shutil.ignore_patterns(".expected"))
    assert hooks.render_check(["--package", str(pkg)]) == 1
    err = capsys.readouterr().err
    assert "istio-mesh-fn failed" in err and "SUPERSTRICT" in err
