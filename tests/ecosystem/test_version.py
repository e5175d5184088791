"""One version, pyproject's, everywhere; and the start-up path kpt and kustomize take (no
arguments) stays free of argparse and importlib.metadata, which only --version needs."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
RL = """\
apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: Service
  metadata: {name: cart, namespace: shop}
  spec:
    selector: {app: cart}
    ports: [{name: http, port: 80}]
"""


def run(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def test_the_krm_path_imports_neither_argparse_nor_importlib_metadata():
    proc = run([sys.executable, "-X", "importtime", "-m", "fn"], input=RL, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "fn.cli" in imported
    assert not imported & {"argparse", "importlib.metadata", "gettext"}


def test_one_version_everywhere():
    """pyproject is the source; the Dockerfile's label default must match it."""
    import re

    from fn import __version__

    assert __version__ == VERSION
    assert re.search(rf"^ARG VERSION={re.escape(VERSION)}$", (ROOT / "Dockerfile").read_text(), re.M)
    version = run([sys.executable, "-m", "fn", "--version"], cwd=ROOT, timeout=60)
    assert version.stdout.strip() == f"istio-mesh-fn {VERSION}"
