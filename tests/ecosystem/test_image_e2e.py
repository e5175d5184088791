"""The image as the kpt catalog and a registry meet it: `kpt fn doc` prints the
function's doc, the CEL engine works without its REPL's packages (which are not in the
image), the version label is pyproject's, and `scripts/image.sh sbom` writes a valid
CycloneDX SBOM of exactly what is installed."""

from __future__ import annotations

import json
import os
import shutil
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
RUN_LIKE_KPT = ["--rm", "-i", "--network", "none", "--user", "nobody", "--security-opt=no-new-privileges",
                "--read-only"]
REPL_ONLY = ("typer", "rich", "pygments", "prompt_toolkit", "wcwidth", "markdown_it", "shellingham")
BAD_TIMEOUT = """\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: cart, namespace: shop}
spec:
  hosts: [cart]
  http:
  - timeout: soon
    route: [{destination: {host: cart}}]
"""


def test_kpt_fn_doc_prints_the_catalog_doc(container_env, image):
    kpt = shutil.which("kpt")
    if kpt is None:
        pytest.skip("kpt is not on PATH")
    doc = container_env.run([kpt, "fn", "doc", "--image", image]).ok()
    local = container_env.run(["istio-mesh-fn", "--help"]).ok()
    assert doc.stdout.rstrip("\n") == local.stdout.rstrip("\n")  # kpt adds a blank line
    assert "## Overview" in doc.stdout and "## FunctionConfig" in doc.stdout


def test_cel_rules_work_without_the_repl_packages(container_env, image):
    probe = "import importlib.util as u; print(sorted(m for m in %r if u.find_spec(m)))" % (REPL_ONLY,)
    absent = container_env.run([container_env.engine, "run", "--rm", "--entrypoint", "python3", image, "-c", probe]).ok()
    assert absent.stdout.strip() == "[]", f"REPL-only packages in the image: {absent.stdout}"
    run = container_env.run([container_env.engine, "run", *RUN_LIKE_KPT, image, "analyze", "-"], input=BAD_TIMEOUT)
    assert run.returncode == 1, run.stderr
    assert "Error [IST0106]" in run.stdout and "must be a valid duration greater than 1ms" in run.stdout


def test_version_label_and_entrypoint_version(container_env, image):
    info = json.loads(container_env.run([container_env.engine, "image", "inspect", image]).ok().stdout)[0]
    assert info["Config"]["Labels"]["org.opencontainers.image.version"] == VERSION
    run = container_env.run([container_env.engine, "run", *RUN_LIKE_KPT, image, "--version"]).ok()
    assert run.stdout.strip() == f"istio-mesh-fn {VERSION}"


def test_sbom_lists_what_the_image_holds(container_env, image, tmp_path):
    import sys

    cyclonedx = Path(sys.executable).with_name("cyclonedx-py")
    if not cyclonedx.exists():
        pytest.skip("cyclonedx-py is missing (pip install -e '.[test]')")
    out = tmp_path / "sbom.json"
    env = {"IMAGE": image, "PATH": os.pathsep.join([str(cyclonedx.parent), container_env.vars["PATH"]])}
    container_env.run([str(ROOT / "scripts" / "image.sh"), "sbom", str(out)], extra=env).ok()
    bom = json.loads(out.read_text())
    assert bom["bomFormat"] == "CycloneDX" and bom["metadata"]["component"]["name"] == "istio-mesh-fn"
    names = {c["name"].lower().replace("_", "-") for c in bom["components"]}
    assert {"istio-mesh-fn", "pydantic", "pydantic-core", "pyyaml", "common-expression-language"} <= names
    assert not names & {m.replace("_", "-") for m in REPL_ONLY}
    assert next(c for c in bom["components"] if c["name"] == "istio-mesh-fn")["version"] == VERSION
    # Each component carries the sha256 of the wheel it was installed from.
    assert '"alg": "SHA-256"' in out.read_text()
