"""Editor modelines, metadata.yaml, the README's Install section and the --help doc agree
with the files they name."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "fn" / "schema" / "function-config.schema.json"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
HOME = PYPROJECT["project"]["urls"]["Source"]
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")
CONFIGS = [ROOT / "function-config.yaml",
           *sorted(p for p in (ROOT / "examples").rglob("*.yaml")
                   if ".expected" not in p.parts and "kind: IstioMesh\n" in p.read_text())]
README = (ROOT / "README.md").read_text()


def install_section() -> str:
    return README[README.index("## Install\n"):README.index("## Quick start\n")]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_istio_mesh_configs_name_their_schema(config):
    first = config.read_text().splitlines()[0]
    m = MODELINE.match(first)
    assert m, f"{config}: first line must be the yaml-language-server modeline"
    assert (config.parent / m.group(1)).resolve() == SCHEMA
    errors = list(jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).iter_errors(
        yaml.safe_load(config.read_text())))
    if "invalid" in config.parent.name:
        assert errors, "the invalid example must be one the editor flags too"
    else:
        assert not errors, [e.message for e in errors]


def test_metadata_yaml_has_the_catalog_shape():
    meta = yaml.safe_load((ROOT / "metadata.yaml").read_text())
    assert {"image", "description", "tags", "sourceURL", "examplePackageURLs", "license", "emails"} <= set(meta)
    assert meta["license"] == PYPROJECT["project"]["license"]
    assert meta["sourceURL"].startswith(HOME) and "mutator" in meta["tags"] and "validator" in meta["tags"]
    # Every example package is listed, and every listed one exists.
    listed = {u.rsplit("/examples/", 1)[1] for u in meta["examplePackageURLs"]}
    assert listed == {p.parent.parent.name for p in (ROOT / "examples").glob("*/.expected/config.yaml")}
    assert all(u.startswith(HOME + "/tree/") for u in meta["examplePackageURLs"])


def test_readme_install_section_covers_every_way_in():
    section = install_section()
    for what in ("pipx install", "pip install", "make image", "kpt fn doc", ".pre-commit-config.yaml",
                 "upload-sarif", "yaml-language-server", "make dist", "make sbom"):
        assert what in section, what
    hooks = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    config = yaml.safe_load(re.search(r"```yaml\n(repos:.*?)```", section, re.S).group(1))
    assert config["repos"][0]["repo"] == HOME
    assert config["repos"][0]["rev"] == "v" + PYPROJECT["project"]["version"]
    assert {h["id"] for h in config["repos"][0]["hooks"]} == hooks
    workflow = yaml.safe_load(re.search(r"```yaml\n(name: istio-mesh\n.*?)```", section, re.S).group(1))
    steps = workflow["jobs"]["analyze"]["steps"]
    assert any("analyze -o sarif" in s.get("run", "") for s in steps)
    assert workflow["permissions"]["security-events"] == "write"


def test_help_is_the_catalog_doc():
    doc = subprocess.run([sys.executable, "-m", "fn", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert doc.returncode == 0 and doc.stderr == ""
    headings = re.findall(r"^## (.+)$", doc.stdout, re.M)
    assert headings == ["Overview", "Usage", "FunctionConfig", "Examples"]
    image = yaml.safe_load((ROOT / "metadata.yaml").read_text())["image"]
    assert f"--image {image}" in doc.stdout
    # The config shown in the doc is one the function accepts.
    block = re.search(r"^    apiVersion: istio-mesh-fn\.dev/v1alpha1\n(?:    .*\n|\n)+", doc.stdout, re.M).group(0)
    cfg = yaml.safe_load("\n".join(line[4:] for line in block.splitlines()))
    assert not list(jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).iter_errors(cfg))


def test_one_home_everywhere():
    from fn.analyze import sarif

    assert sarif.HOME == HOME
    assert f"- repo: {HOME}" in (ROOT / ".pre-commit-hooks.yaml").read_text()
