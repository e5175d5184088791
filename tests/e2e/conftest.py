"""End-to-end tests under the real orchestrators: kpt, kustomize (kubectl kustomize),
an Argo CD config-management plugin, and the container image.

Everything here runs real binaries. Missing tools skip the tests with the reason, except
under CI=true, where a missing tool is a failure: `make test-prereqs` installs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"  # in-repository copies, see tests/data/PROVENANCE.md
IMAGE = os.environ.get("ISTIO_MESH_FN_IMAGE", "localhost/istio-mesh-fn:dev")
CACHE_DIR = Path(os.environ.get("CACHE_DIR") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "istio-mesh-fn")
CI = os.environ.get("CI", "").lower() == "true"
FN = Path(sys.executable).with_name("istio-mesh-fn")
# Beside the kubectl on PATH (Cloud SDK layout) live kubectl.1.NN builds embedding older kustomize.
MEASUREMENTS: dict[str, str] = {}


def unavailable(reason: str):
    """Skip, or fail under CI where every prerequisite must be installed."""
    if CI:
        pytest.fail(f"{reason} (CI=true: run `make test-prereqs`)", pytrace=False)
    pytest.skip(reason)


def which(tool: str) -> str:
    exe = shutil.which(tool)
    if exe is None:
        unavailable(f"{tool} is not on PATH")
    return exe


@dataclass
class Run:
    cmd: list[str] | str
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    note: str = ""

    def ok(self) -> "Run":
        assert self.returncode == 0, f"{self.cmd!r} exited {self.returncode}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}"
        return self


@dataclass
class Env:
    """The environment an orchestrator runs in: the venv's istio-mesh-fn and, when the
    engine is podman, a `docker` that is podman, first on PATH."""

    vars: dict[str, str] = field(default_factory=dict)
    engine: str | None = None

    def run(self, cmd, cwd: Path | str = ROOT, input: str | None = None, extra: dict[str, str] | None = None,
            timeout: float = 300, shell: bool = False) -> Run:
        env = dict(self.vars, **(extra or {}))
        start = time.monotonic()
        proc = subprocess.run(cmd, cwd=cwd, input=input, env=env, capture_output=True, text=True,
                              timeout=timeout, shell=shell, executable="/bin/bash" if shell else None)
        return Run(cmd, proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)


@pytest.fixture(scope="session")
def shared() -> Path:
    """The copied reference data; the fixture keeps its old name."""
    return DATA


@pytest.fixture(scope="session")
def fn_bin() -> Path:
    assert FN.exists(), f"{FN} is missing: install the package into the venv (make venv)"
    return FN


@pytest.fixture(scope="session")
def kpt() -> str:
    return which("kpt")


@pytest.fixture(scope="session")
def kubectl() -> str:
    return which("kubectl")


def kubectl_versions() -> list[Path]:
    """Every kubectl.1.* beside the resolved kubectl: they embed kustomize v5.0 to v5.6."""
    exe = shutil.which("kubectl")
    if exe is None:
        return []
    return sorted(Path(os.path.realpath(exe)).parent.glob("kubectl.1.*"), key=lambda p: int(p.name.rsplit(".", 1)[1]))


@pytest.fixture(scope="session")
def base_env(fn_bin) -> Env:
    path = os.pathsep.join([str(fn_bin.parent), os.environ.get("PATH", "")])
    return Env(vars=dict(os.environ, PATH=path))


@pytest.fixture(scope="session")
def engine() -> str:
    script = ROOT / "scripts" / "image.sh"
    proc = subprocess.run([str(script), "engine"], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        unavailable(f"no container runtime: {proc.stderr.strip()}")
    return proc.stdout.strip()


@pytest.fixture(scope="session")
def image(engine) -> str:
    """Builds the image once per session (layers are cached, so a rebuild takes seconds)."""
    if os.environ.get("ISTIO_MESH_FN_IMAGE_PREBUILT") == "1":
        return IMAGE
    from .readme import run_block

    # The README's own `make image` block builds it.
    script = run_block("build-image").body
    start = time.monotonic()
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, IMAGE=IMAGE), timeout=1200)
    assert proc.returncode == 0, f"image build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    MEASUREMENTS["image build"] = f"{time.monotonic() - start:.0f}s"
    return IMAGE


@pytest.fixture(scope="session")
def container_env(base_env, engine, image, tmp_path_factory) -> Env:
    """kpt runs `$KPT_FN_RUNTIME run ...`; kustomize runs `docker run ...`. With podman as
    the engine, `docker` on PATH is a two-line wrapper around podman."""
    shim = tmp_path_factory.mktemp("docker-shim")
    if engine != "docker":
        (shim / "docker").write_text(f'#!/bin/sh\nexec {shutil.which(engine)} "$@"\n')
        (shim / "docker").chmod(0o755)
    path = os.pathsep.join([str(shim), base_env.vars["PATH"]])
    return Env(vars=dict(base_env.vars, PATH=path, KPT_FN_RUNTIME=engine), engine=engine)


@pytest.fixture(scope="session")
def kustomize_shim(kubectl, tmp_path_factory) -> Path | None:
    """A folder with a `kustomize` that runs `kubectl kustomize`, where the standalone
    binary is not installed (no registry this project uses ships it); None where it is."""
    if shutil.which("kustomize"):
        return None
    bin_dir = tmp_path_factory.mktemp("kustomize-shim")
    (bin_dir / "kustomize").write_text(f'#!/bin/sh\n[ "$1" = build ] && shift\nexec {kubectl} kustomize "$@"\n')
    (bin_dir / "kustomize").chmod(0o755)
    return bin_dir


def with_kustomize(env: Env, shim: Path | None) -> Env:
    if shim is None:
        return env
    return Env(vars=dict(env.vars, PATH=os.pathsep.join([str(shim), env.vars["PATH"]])), engine=env.engine)


def pytest_terminal_summary(terminalreporter):
    if MEASUREMENTS:
        terminalreporter.section("e2e measurements")
        for key, value in MEASUREMENTS.items():
            terminalreporter.write_line(f"{key}: {value}")
