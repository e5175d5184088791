import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Test data lives in the repository (see tests/data/PROVENANCE.md): a fresh clone has no
# ../shared beside it.
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def shared() -> Path:
    """The copied reference data (seed doc, fixtures, conformance grid). The fixture keeps
    the name it had when the data lived in ../shared."""
    return DATA
