from __future__ import annotations

from pathlib import Path

import pytest

# In-repository copies; sources and licences in tests/data/PROVENANCE.md.
DATA = Path(__file__).resolve().parents[1] / "data"
CONFORMANCE = DATA / "conformance" / "istioctl-analyze"
FIXTURES = DATA / "fixtures"


@pytest.fixture
def analyze_text():
    """Analyze YAML text; returns the findings."""
    from fn.analyze import runner
    from fn.analyze.load import Loaded, load_bytes

    def run(text: str, analyzers=None, mesh_config=None, schema=False):
        loaded = Loaded()
        load_bytes(text.encode(), "test.yaml", loaded)
        return runner.run(loaded.resources, analyzers=analyzers, mesh_config=mesh_config, schema=schema)

    return run
