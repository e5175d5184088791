"""Istio's own validation against Istio's own test tables.

tests/data/istio-validation/*.yaml are istio/istio's validation_test.go tables (commit in
each file) translated into objects: each case says whether Istio accepts the object,
whether it warns, and for message tables a substring of the error or warning. Every case
runs through the analyzer the way ``istio-mesh-fn analyze`` runs it: errors are IST0106,
warnings IST0133 (and, for VirtualServices, the unreachable-rule warnings that istioctl
reports from the same validation).
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from fn.analyze import runner
from fn.analyze.model import Resource

DATA = Path(__file__).resolve().parents[1] / "data" / "istio-validation"
FILES = sorted(DATA.glob("*.yaml"))
WARNING_CODES = {"IST0133", "IST0130", "IST0131"}  # SchemaWarning, VS unreachable rule, ineffective match


def _cases():
    for path in FILES:
        doc = yaml.safe_load(path.read_text())
        for i, case in enumerate(doc["cases"]):
            yield pytest.param(case["object"]["kind"], case, id=f"{path.stem}[{i}] {case['name']}")


def _verdict(kind: str, obj: dict) -> tuple[list[str], list[str]]:
    wanted = [f"schema.ValidationAnalyzer.{kind}"]
    if kind == "VirtualService":
        wanted.append("schema.CollectionValidationAnalyzer(VirtualService)")
    findings = runner.run([Resource(obj=obj)], analyzers=wanted, dedupe=False)
    errors = [f.message for f in findings if f.code == "IST0106"]
    warnings = [f.message for f in findings if f.code in WARNING_CODES]
    unexpected = [f for f in findings if f.code not in WARNING_CODES | {"IST0106"}]
    assert not unexpected, [f"{f.code} {f.message}" for f in unexpected]
    return errors, warnings


@pytest.mark.parametrize("kind,case", list(_cases()))
def test_istio_table(kind, case):
    errors, warnings = _verdict(kind, case["object"])
    assert (not errors) == case["valid"], errors
    if case["warning"] is not None:  # null: Istio's test does not look at warnings
        assert bool(warnings) == case["warning"], warnings
    if case.get("error"):
        assert any(case["error"] in e for e in errors), errors
    if case.get("warningText"):
        assert any(case["warningText"] in w for w in warnings), warnings


# Rows of TestValidateHTTPDirectResponse too large for a data file: (body, valid, warning).
LARGE_BODIES = [
    ({"string": "a" * (101 * 1024)}, True, True),
    ({"string": "a" * (2 * 1024 * 1024)}, False, False),
    ({"bytes": base64.b64encode(b"a" * (100 * 1024 + 1)).decode()}, True, True),
    ({"bytes": base64.b64encode(b"a" * (1024 * 1024 + 1)).decode()}, False, False),
]


@pytest.mark.parametrize("body,valid,warning", LARGE_BODIES, ids=["string>100KB", "string>1MB", "bytes>100KB",
                                                                  "bytes>1MB"])
def test_direct_response_size(body, valid, warning):
    obj = {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "foo"},
           "spec": {"hosts": ["foo.bar"], "http": [{"directResponse": {"status": 200, "body": body}}]}}
    errors, warnings = _verdict("VirtualService", obj)
    assert (not errors) == valid and bool(warnings) == warning, (errors, warnings)


def test_every_kind_has_a_table():
    kinds = {yaml.safe_load(p.read_text())["kind"] for p in FILES if not p.stem.startswith("embedded-")}
    assert kinds == {"DestinationRule", "VirtualService", "Gateway", "ServiceEntry", "Sidecar",
                     "AuthorizationPolicy", "RequestAuthentication", "PeerAuthentication"}


# ---------------------------------------------------------------- our own cases

from fn.analyze.validation import validate  # noqa: E402
from fn.analyze.validation.common import parse_duration_ns, validate_regexp  # noqa: E402


def _dr(subsets):
    return {"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
            "metadata": {"name": "db", "namespace": "shop"},
            "spec": {"host": "db", "subsets": [{"name": n, "labels": {"version": n}} for n in subsets]}}


@pytest.mark.parametrize("name,valid", [
    # version label values seen copied into subset names on real applications
    ("1.4.2", False), ("3.2.0", False), ("v3.6.0", False), ("v1_2", False), ("-v1", False), ("a" * 64, False),
    ("v1-4-2", True), ("v1", True), ("1", True), ("a" * 63, True), ("V1", True),
])
def test_subset_names_are_dns1123_labels(name, valid):
    result = validate(_dr([name]))
    assert (not result.errors) == valid, result.errors
    if not valid:
        assert f"subset name is invalid: {name}" in result.errors


@pytest.mark.parametrize("text,ns", [
    ("1ms", 10**6), ("1.5s", 1_500_000_000), ("1m30s", 90 * 10**9), ("0.000000999s", 999), ("2h", 7200 * 10**9),
    ("-1s", -10**9), ("0", 0), ("500us", 500_000), ({"seconds": 2, "nanos": 5}, 2_000_000_005),
    ("1", None), ("s", None), ("1x", None), ("", None), (5, None),
])
def test_durations_parse_exactly(text, ns):
    assert parse_duration_ns(text) == ns


@pytest.mark.parametrize("regex,ok", [
    (r"^/api/v[0-9]+\z", True), (r"\pL+", True), (r"\p{Greek}+", True), (r"(?<name>a)", True), (r"(?i)abc", True),
    (r"a\++", True), (r"(?=a)", False), (r"(?<=a)b", False), (r"(a)\1", False), (r"a++", False), (r"(?>a)", False),
    (r"[a-z", False), ("a" * 1025, False),
])
def test_regexes_are_checked_as_re2(regex, ok):
    assert (validate_regexp(regex, "uri") is None) == ok
