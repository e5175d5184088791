"""Under real `kpt fn render`, files the function does not own stay exactly as an
identity function (exec: /bin/cat) leaves them. kpt itself rewrites some things
(folded block scalars), so the identity render is the reference, not the original."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FN = Path(sys.executable).with_name("istio-mesh-fn")
KPTFILE = """apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: pkg
pipeline:
  mutators:
  - exec: {exe}
"""


def kpt() -> str:
    exe = shutil.which("kpt")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("kpt is not on PATH; CI must have it")
        pytest.skip("kpt is not installed on this machine")
    return exe


def render(src: Path, dest: Path, exe: str) -> Path:
    pkg = dest / "pkg"
    shutil.copytree(src, pkg)
    (pkg / "Kptfile").write_text(KPTFILE.format(exe=exe))
    proc = subprocess.run([kpt(), "fn", "render", "--allow-exec", str(pkg)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return pkg


def files(pkg: Path) -> dict[str, bytes]:
    return {p.relative_to(pkg).as_posix(): p.read_bytes() for p in sorted(pkg.rglob("*")) if p.is_file()}


def test_untouched_files_are_byte_identical_to_an_identity_render(shared, tmp_path):
    src = shared / "fixtures" / "yaml-fidelity"
    ours = files(render(src, tmp_path / "fn", str(FN)))
    identity = files(render(src, tmp_path / "cat", "/bin/cat"))
    for name, content in identity.items():
        if name == "Kptfile":
            continue
        assert ours[name] == content, f"{name} differs from the identity render"
    # And the function did its job beside them.
    added = set(ours) - set(identity)
    assert added == {"istio-destinationrule.yaml", "istio-virtualservice.yaml", "istio/peer-authentication-strict.yaml"}
    assert b"# inline comment" in ours["app.yaml"]


def test_second_render_changes_nothing(tmp_path):
    root = Path(__file__).resolve().parents[1]
    pkg = render(root / "kustomization-example" / "base", tmp_path / "fn", str(FN))
    first = files(pkg)
    proc = subprocess.run([kpt(), "fn", "render", "--allow-exec", str(pkg)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert files(pkg) == first
    assert "services/ms-identity/istio-destinationrule.yaml" in first
    assert "services/ms-identity/istio-virtualservice.yaml" in first
    assert "istio/peer-authentication-strict.yaml" in first
    assert b"istio-injection: enabled" in first["namespaces/staging.yaml"]
