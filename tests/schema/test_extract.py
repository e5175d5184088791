"""The shipped CRD extract is fresh, complete, documented and packaged."""

from __future__ import annotations

import hashlib
import json
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "tests" / "data" / "schemas" / "istio-crds.gen.yaml"
DATA = ROOT / "fn" / "analyze" / "schema" / "data"

sys.path.insert(0, str(ROOT / "scripts"))
import extract_crd_schemas  # noqa: E402


def test_extract_is_fresh():
    fresh = extract_crd_schemas.render(SOURCE.read_text(encoding="utf-8"))
    shipped = (DATA / "istio-crds.schemas.json").read_text(encoding="utf-8")
    assert shipped == fresh, "stale: run python scripts/extract_crd_schemas.py"
    assert extract_crd_schemas.main(["--check"]) == 0


def test_extract_covers_every_kind_and_served_version():
    shipped = json.loads((DATA / "istio-crds.schemas.json").read_text(encoding="utf-8"))
    expected = set()
    rules_in_source = 0
    for doc in yaml.safe_load_all(SOURCE.read_text(encoding="utf-8")):
        if not doc:
            continue
        for v in doc["spec"]["versions"]:
            if v.get("served"):
                expected.add((f"{doc['spec']['group']}/{v['name']}", doc["spec"]["names"]["kind"]))
                rules_in_source += json.dumps(v["schema"]).count('"x-kubernetes-validations"')
    got = {(gv, k) for gv, kinds in shipped["kinds"].items() for k in kinds}
    assert got == expected and len(got) == 33
    rules_shipped = sum(
        json.dumps(shipped["schemas"][e["schema"]]).count('"x-kubernetes-validations"')
        for kinds in shipped["kinds"].values() for e in kinds.values())
    assert rules_shipped == rules_in_source  # nothing lost but descriptions
    assert shipped["sourceSha256"] == hashlib.sha256(SOURCE.read_bytes()).hexdigest()


def test_a_property_named_description_survives_the_strip():
    schema = {"type": "object", "description": "doc", "properties": {"description": {"type": "string", "description": "x"}}}
    assert extract_crd_schemas.strip_schema(schema) == {"properties": {"description": {"type": "string"}}, "type": "object"}


def test_source_and_licence_are_noted_and_the_data_is_packaged():
    notice = (DATA / "NOTICE.md").read_text(encoding="utf-8")
    assert "istio/api" in notice and "Apache" in notice
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "analyze/schema/data/*" in project["tool"]["setuptools"]["package-data"]["fn"]
    assert any(d.startswith("common-expression-language") for d in project["project"]["dependencies"])
