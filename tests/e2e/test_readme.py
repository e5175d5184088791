"""The README's usage examples, executed, so the docs cannot drift from what works."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .conftest import ROOT, with_kustomize
from .readme import blocks, run_block, untagged_fences

RUN = [b.arg for b in blocks() if b.kind in ("run", "needs-standalone-kustomize") and b.arg != "build-image"]
FILES = [b.arg for b in blocks() if b.kind == "file"]


def test_every_example_is_tagged():
    assert untagged_fences() == [], "fenced blocks in the usage section need an <!-- e2e: ... --> tag"
    kinds = {b.kind for b in blocks()}
    assert kinds <= {"run", "file", "needs-standalone-kustomize", "skip"}, kinds
    assert {"plain-pipe", "build-image", "kpt-eval", "kpt-render", "kustomize-container", "kustomize-exec",
            "argocd-generate", "helm-equivalent"} <= {b.arg for b in blocks()}


@pytest.mark.parametrize("path", FILES)
def test_file_block_is_the_file(path):
    block = next(b for b in blocks() if b.kind == "file" and b.arg == path)
    assert (ROOT / path).read_text() == block.body + "\n", f"README's copy of {path} differs from the file"


@pytest.fixture
def workspace(tmp_path) -> Path:
    """A copy of what the examples touch, so they can write into packages."""
    for name in ("kustomization-example", "examples"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "function-config.yaml", tmp_path)
    return tmp_path


CHECKS = {
    "plain-pipe": lambda ws, out: "kind: ResourceList" in out and out.count("kind: VirtualService") == 12,
    "kpt-eval": lambda ws, out: all(
        (ws / "kustomization-example/base" / p).is_file()
        for p in ("services/ms-identity/istio-destinationrule.yaml", "services/ms-identity/istio-virtualservice.yaml",
                  "istio/peer-authentication-strict.yaml")),
    "kpt-render": lambda ws, out: all(
        (ws / "examples" / pkg / "cart/istio-virtualservice.yaml").is_file() for pkg in ("render-exec", "render-image")),
    "kustomize-container": lambda ws, out: out.count("kind: VirtualService") == 12,
    "kustomize-exec": lambda ws, out: out.count("kind: VirtualService") == 6,
    "argocd-generate": lambda ws, out: out.count("kind: VirtualService") == 6,
    "helm-equivalent": lambda ws, out: out.count("kind: DestinationRule") == 6,
}


# Blocks that run the image; the others need no container runtime.
NEEDS_IMAGE = {"kpt-eval", "kpt-render", "kustomize-container"}


@pytest.mark.parametrize("name", RUN)
def test_run_block(name, workspace, request, kustomize_shim):
    block = run_block(name)
    if block.kind == "needs-standalone-kustomize" and shutil.which("kustomize") is None:
        pytest.skip("standalone kustomize is not installed (no PyPI, npm or Debian package ships it)")
    env = request.getfixturevalue("container_env" if name in NEEDS_IMAGE else "base_env")
    run = with_kustomize(env, kustomize_shim).run(f"set -euo pipefail\n{block.body}\n", cwd=workspace, shell=True).ok()
    assert name in CHECKS, f"add a check for README block {name!r}"
    assert CHECKS[name](workspace, run.stdout), f"README block {name!r} ran but its result is wrong:\n{run.stdout[:3000]}"
