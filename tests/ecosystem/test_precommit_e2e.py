"""The pre-commit hooks of .pre-commit-hooks.yaml, run for real with `pre-commit try-repo`
against a commit of this working tree (try-repo installs the hook repository the way a
user's pre-commit does: a fresh venv, pip install of the repository)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GIT = ["git", "-c", "user.email=test@istio-mesh-fn.invalid", "-c", "user.name=test", "-c", "commit.gpgsign=false",
       "-c", "core.autocrlf=false"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def checkout(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".expected"))
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "package as checked in")
    return dest

CLEAN = """\
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: cart
  namespace: shop
spec:
  host: cart
"""
BROKEN = """\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: cart
  namespace: shop
spec:
  hosts: [cart]
  http:
  - route:
    - destination:
        host: carts
"""


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> Path:
    """This working tree as it is now (committed or not), committed in a throwaway repo."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout.split("\0")
    repo = tmp_path_factory.mktemp("hook-repo")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, repo / rel)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "hooks under test")
    return repo


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    # One home for the module: both hooks share the environment pre-commit builds.
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(hook_repo: Path, home: Path, cwd: Path, hook: str, *files: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never", SKIP="")
    env.pop("VIRTUAL_ENV", None)
    git(cwd, "add", "-A")
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), hook, "--files", *files],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def manifests_repo(path: Path) -> Path:
    path.mkdir()
    subprocess.run([*GIT, "init", "-q"], cwd=path, check=True)
    return path


def test_analyze_hook_passes_clean_and_fails_broken_with_istioctl_message(hook_repo, pre_commit_home, tmp_path):
    repo = manifests_repo(tmp_path / "manifests")
    (repo / "dr.yaml").write_text(CLEAN)
    (repo / "vs.yaml").write_text(BROKEN)

    ok = try_repo(hook_repo, pre_commit_home, repo, "istio-mesh-analyze", "dr.yaml")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "istio-mesh-fn analyze" in ok.stdout and "Passed" in ok.stdout

    bad = try_repo(hook_repo, pre_commit_home, repo, "istio-mesh-analyze", "dr.yaml", "vs.yaml")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert 'Error [IST0101] (VirtualService shop/cart vs.yaml:11) Referenced host not found: "carts"' in bad.stdout


def test_render_check_hook_fails_until_the_generated_config_is_committed(hook_repo, pre_commit_home, tmp_path):
    # examples/render-exec as checked in (no generated config), then with the change the
    # function makes (.expected/diff.patch, what real kpt writes: tests/e2e/test_kpt_examples.py).
    pkg = checkout(ROOT / "examples" / "render-exec", tmp_path / "render-exec")
    stale = try_repo(hook_repo, pre_commit_home, pkg, "istio-mesh-render-check", "cart/service.yaml")
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert "the generated Istio config is out of date" in stale.stdout
    assert "cart/istio-virtualservice.yaml: new file (VirtualService cart)" in stale.stdout

    git(pkg, "apply", str(ROOT / "examples" / "render-exec" / ".expected" / "diff.patch"))
    fresh = try_repo(hook_repo, pre_commit_home, pkg, "istio-mesh-render-check", "cart/service.yaml")
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr

