"""The committed mutation summary (make mutation) exists, is well formed, and meets the
target per area. The target is not met yet: the xfail is strict, so this test fails the
day the score reaches it and the marker must come off."""

import json
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "mutation.json"
AREAS = {"core", "model", "policies", "config", "resourcelist"}


def summary():
    return json.loads(DOC.read_text())


def test_the_summary_exists_with_a_date_a_commit_and_every_area():
    data = summary()
    assert data["date"] and data["commit"] and data["target"] == 0.90
    assert AREAS <= set(data["areas"])
    for area in AREAS:
        c = data["areas"][area]
        assert c["killed"] + c["survived"] > 0 and 0 <= c["score"] <= 1


@pytest.mark.xfail(strict=True, reason="issue 17: some areas are below 90% or not wholly checked (docs/testing.md)")
def test_every_area_meets_the_target():
    data = summary()
    # A score over part of an area's mutants says nothing about the rest: all checked.
    assert all(data["areas"][a]["score"] >= data["target"] and not data["areas"][a].get("not checked")
               for a in AREAS)
