"""What the most common run imports. kpt, kustomize and Argo CD start the function once per
render, often on one small package, so start-up is most of its time there (issue 15's
target: ≤ 1.5× `python -c "import yaml"`). Each module below was measured as a share of
that start-up and is kept off the no-config KRM run; this test fails when one comes back
(an `@dataclass` instead of `fn.records.record`, a `pkgutil` walk, an eager import).
Timing itself is `make bench`'s job."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import fn

# Under make mutation the code runs from mutmut's copy, whose trampolines import what this
# test keeps out (inspect among them): the check is about the shipped code.
pytestmark = pytest.mark.skipif(Path(fn.__file__).parent.parent.name == "mutants",
                                reason="mutmut's instrumented copy imports inspect")

ONE_SERVICE = """\
apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: Service
  metadata: {name: cart, namespace: shop}
  spec:
    selector: {app: cart}
    ports: [{name: http, port: 8080}]
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: cart, namespace: shop}
  spec:
    selector: {matchLabels: {app: cart}}
    template:
      metadata: {labels: {app: cart}}
      spec: {containers: [{name: cart, image: cart:1}]}
"""

# The console script's own code (`from fn.cli import main; sys.exit(main())`), with the
# process's exit shortcut (os._exit, which skips teardown) made to report sys.modules.
# json is not imported here: it is one of the modules the run must not import.
PROBE = """
import os, sys
real_exit = os._exit
def report(code):
    os.write(int(os.environ["PROBE_FD"]), " ".join([str(code)] + sorted(sys.modules)).encode())
    real_exit(code)
os._exit = report
from fn.cli import main
report(main())
"""

# Measured costs (issue 15): dataclasses pulls inspect, ast, dis and tokenize; pkgutil
# pulls inspect; pydantic alone is 0.18-0.26 s; argparse brings gettext; typing ~5 ms
# (the modules name it under TYPE_CHECKING only); json ~2 ms (defaults.json is read by
# the YAML parser). importlib, warnings and contextlib are kept off too, but the
# editable install's import hook loads them, so they cannot be checked here.
# (ipaddress is kept off too, but an editable install's import hook loads it through
# pathlib and urllib, so it cannot be checked here.)
KEPT_OUT = ("dataclasses", "inspect", "ast", "dis", "tokenize", "pkgutil", "pydantic", "argparse",
            "gettext", "importlib.metadata", "zipfile", "tempfile", "shutil", "fn.config", "fn.callgraph", "typing", "json", "select")


@pytest.fixture(scope="module")
def loaded() -> list[str]:
    import os

    r, w = os.pipe()
    proc = subprocess.run([sys.executable, "-c", PROBE], input=ONE_SERVICE, capture_output=True, text=True,
                          pass_fds=(w,), env={**os.environ, "PROBE_FD": str(w)})
    os.close(w)
    with os.fdopen(r) as fh:
        code, *modules = fh.read().split()
    code = int(code)
    assert code == 0 and proc.returncode == 0, proc.stderr
    assert "kind: VirtualService" in proc.stdout and "kind: PeerAuthentication" in proc.stdout
    return list(modules)


@pytest.mark.parametrize("module", KEPT_OUT)
def test_the_no_config_run_does_not_import(loaded, module):
    assert module not in loaded


def test_the_probe_sees_what_the_run_does_import(loaded):
    # Without this, an empty or broken module list would pass every case above.
    assert {"yaml", "fn.core", "fn.policies.destinationrule", "fn.analyze.runner"} <= set(loaded)
