"""istio-mesh-fn: a KRM function that generates and checks Istio mesh config."""

from __future__ import annotations

DIST = "istio-mesh-fn"


def import_module(name: str) -> object:
    """importlib.import_module without importlib (and the warnings module it imports):
    the policies and the self-check's analyzers are imported on every start-up (issue 15)."""
    import sys

    __import__(name)
    return sys.modules[name]


def version() -> str:
    """The installed distribution's version; pyproject.toml is its only source.

    Read lazily: kpt and kustomize start the function once per run, and importlib.metadata
    is a measurable share of start-up that only --version and reports need.
    """
    try:
        from importlib.metadata import PackageNotFoundError, version as dist_version
    except ImportError:  # pragma: no cover - stdlib since 3.8
        return _from_pyproject()
    try:
        return dist_version(DIST)
    except PackageNotFoundError:
        return _from_pyproject()


def _from_pyproject() -> str:
    # Run from a source tree that was never installed (python -m fn from a checkout).
    import re
    from pathlib import Path

    try:
        text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    except OSError:
        return "0+unknown"
    m = re.search(r'^version\s*=\s*"([^"]+)"', text, re.M)
    return m.group(1) if m else "0+unknown"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
