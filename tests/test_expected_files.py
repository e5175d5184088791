"""Expected files cannot be rewritten by accident: never under CI, and never silently."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_golden(env_extra, case="kubestock"):
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", **env_extra}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_golden.py",
                           "-k", f"test_golden and {case}"], cwd=ROOT, env=env, capture_output=True, text=True)


def test_update_golden_is_refused_under_ci():
    before = (ROOT / "tests/golden/kubestock/expected.yaml").read_bytes()
    out = run_golden({"UPDATE_GOLDEN": "1", "CI": "true"})
    assert out.returncode != 0
    assert "UPDATE_GOLDEN is refused when CI=true" in out.stdout
    assert (ROOT / "tests/golden/kubestock/expected.yaml").read_bytes() == before


def test_a_rewrite_shows_its_diff(tmp_path, recwarn):
    sys.path.insert(0, str(ROOT / "tests"))
    from krm import rewrite

    f = tmp_path / "expected.yaml"
    f.write_text("a: 1\n")
    rewrite(f, "a: 2\n")
    assert f.read_text() == "a: 2\n"
    [w] = [w for w in recwarn if "rewrote" in str(w.message)]
    assert "-a: 1" in str(w.message) and "+a: 2" in str(w.message)
