"""The distribution: `python -m build` (sdist, then the wheel from the sdist), `twine check`,
and the wheel alone installed with pipx into a fresh venv, where the function, `analyze`
(its CEL rules included) and `--version` work. Slow (it installs from the package index):
`make unit` leaves it out, `make test` runs it."""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
VERSION = PYPROJECT["project"]["version"]
HOME = PYPROJECT["project"]["urls"]["Source"]
RL = """\
apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: Namespace
  metadata: {name: shop}
- apiVersion: v1
  kind: Service
  metadata: {name: cart, namespace: shop}
  spec:
    selector: {app: cart}
    ports: [{name: http, port: 80}]
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: cart, namespace: shop}
  spec:
    selector: {matchLabels: {app: cart}}
    template:
      metadata: {labels: {app: cart}}
      spec: {containers: [{name: cart, image: cart}]}
"""
# A CEL rule of the VirtualService CRD rejects this timeout (IST0106).
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


def run(cmd, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("timeout", 900)
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """sdist and wheel of the working tree as it is (a copy: building writes egg-info)."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, check=True)
    src = tmp_path_factory.mktemp("src")
    for rel in filter(None, listed.stdout.split("\0")):
        if (ROOT / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, src / rel)
    out = tmp_path_factory.mktemp("dist")
    build = run([sys.executable, "-m", "build", "--outdir", str(out), str(src)])
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    return out


def the(dist: Path, pattern: str) -> Path:
    found = sorted(dist.glob(pattern))
    assert len(found) == 1, found
    return found[0]


def test_twine_accepts_both(dist):
    files = [str(the(dist, "*.whl")), str(the(dist, "*.tar.gz"))]
    check = run([sys.executable, "-m", "twine", "check", "--strict", *files])
    assert check.returncode == 0, check.stdout + check.stderr


def test_wheel_metadata_and_contents(dist):
    wheel = the(dist, "*.whl")
    assert wheel.name == f"istio_mesh_fn-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        meta = email.message_from_bytes(zf.read(f"istio_mesh_fn-{VERSION}.dist-info/METADATA"))
        entry_points = zf.read(f"istio_mesh_fn-{VERSION}.dist-info/entry_points.txt").decode()
    # What the code reads at run time beside its modules.
    for data in ("fn/help.md", "fn/analyze/data/messages.yaml", "fn/schema/function-config.schema.json",
                 "fn/schema/defaults.json", "fn/analyze/schema/data/istio-crds.schemas.json"):
        assert data in names, data
    assert f"istio_mesh_fn-{VERSION}.dist-info/licenses/LICENSE" in names
    assert not any(n.startswith(("tests/", "examples/")) for n in names)
    assert meta["Version"] == VERSION and meta["License-Expression"] == "Apache-2.0"
    assert meta["Description-Content-Type"] == "text/markdown" and "## Install" in meta.get_payload()
    classifiers = meta.get_all("Classifier")
    assert "Programming Language :: Python :: 3.11" in classifiers and len(classifiers) >= 8
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert urls["Source"] == HOME and "Issues" in urls
    assert "istio-mesh-fn = fn.cli:main" in entry_points and "istio-mesh-fn-hooks = fn.hooks:main" in entry_points


def test_sdist_builds_the_same_package(dist):
    import tarfile

    with tarfile.open(the(dist, "*.tar.gz")) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    assert {"pyproject.toml", "README.md", "LICENSE", "fn/help.md", "fn/analyze/data/messages.yaml"} <= names


def test_pipx_install_of_the_wheel_alone(dist, tmp_path):
    env = dict(os.environ, PIPX_HOME=str(tmp_path / "pipx"), PIPX_BIN_DIR=str(tmp_path / "bin"),
               PIPX_MAN_DIR=str(tmp_path / "man"))
    env.pop("VIRTUAL_ENV", None)
    install = run([sys.executable, "-m", "pipx", "install", str(the(dist, "*.whl"))], env=env)
    assert install.returncode == 0, install.stdout + install.stderr
    exe = tmp_path / "bin" / "istio-mesh-fn"
    assert exe.exists() and (tmp_path / "bin" / "istio-mesh-fn-hooks").exists()
    work = tmp_path / "work"  # away from the source tree: only the installed wheel is importable
    work.mkdir()

    version = run([str(exe), "--version"], cwd=work)
    assert version.returncode == 0 and version.stdout.strip() == f"istio-mesh-fn {VERSION}", version
    where = run([str(tmp_path / "pipx" / "venvs" / "istio-mesh-fn" / "bin" / "python"), "-c",
                 "import fn; print(fn.__file__)"], cwd=work)
    assert where.stdout.startswith(str(tmp_path / "pipx")), where

    fn = run([str(exe)], input=RL, cwd=work)
    assert fn.returncode == 0, fn.stderr
    assert "kind: DestinationRule" in fn.stdout and "kind: VirtualService" in fn.stdout

    (work / "vs.yaml").write_text(BAD_TIMEOUT)
    analyze = run([str(exe), "analyze", "vs.yaml"], cwd=work)
    assert analyze.returncode == 1, analyze.stderr
    assert "Error [IST0106] (VirtualService shop/cart vs.yaml:7)" in analyze.stdout
    assert "must be a valid duration" in analyze.stdout

    doc = run([str(exe), "--help"], cwd=work)
    assert doc.returncode == 0 and "## FunctionConfig" in doc.stdout
