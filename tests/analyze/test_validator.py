"""Validator mode (kind IstioMeshValidator) through ``python -m fn`` with a ResourceList
on stdin, and the generator's analysis of its own output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fn.function import run
from fn.items import INDEX, PATH, Item
from fn.results import Results

from .conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[2]

ITEMS = [
    {"apiVersion": "v1", "kind": "Service",
     "metadata": {"name": "reviews", "namespace": "shop",
                  "annotations": {PATH: "svc.yaml", INDEX: "0"}},
     "spec": {"selector": {"app": "reviews"}, "ports": [{"name": "http", "port": 9080}]}},
    {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
     "metadata": {"name": "cart", "namespace": "shop", "annotations": {PATH: "routes.yaml", INDEX: "1"}},
     "spec": {"hosts": ["reviews"], "http": [{"route": [{"destination": {"host": "carts"}}]}]}},
    {"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
     "metadata": {"name": "db", "namespace": "shop", "annotations": {PATH: "routes.yaml", INDEX: "0"}},
     "spec": {"host": "reviews", "trafficPolicy": {"tls": {"mode": "SIMPLE"}}}},
]


def validator(**spec) -> dict:
    return {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMeshValidator",
            "metadata": {"name": "check"}, "spec": spec}


def fn(function_config: dict, items=ITEMS) -> tuple[int, dict, str]:
    rl = {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": items,
          "functionConfig": function_config}
    p = subprocess.run([sys.executable, "-m", "fn"], input=yaml.safe_dump(rl), capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    return p.returncode, yaml.safe_load(p.stdout), p.stderr


def by_code(out: dict) -> dict[str, dict]:
    return {r["tags"]["code"]: r for r in out.get("results", []) if "code" in (r.get("tags") or {})}


def test_findings_become_results_with_refs():
    rc, out, _ = fn(validator())
    assert rc == 1
    results = by_code(out)
    vs = results["IST0101"]
    assert vs["severity"] == "error"
    assert vs["message"] == '[IST0101] Referenced host not found: "carts"'
    assert vs["resourceRef"] == {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
                                 "name": "cart", "namespace": "shop"}
    assert vs["field"] == {"path": "spec.http[0].route[0].destination.host"}
    assert vs["file"] == {"path": "routes.yaml", "index": 1}
    assert vs["tags"]["analyzer"] == "virtualservice.DestinationHostAnalyzer"
    # A Warning below the default threshold stays a warning.
    assert results["IST0128"]["severity"] == "warning"
    assert out["items"] == ITEMS


def test_threshold_turns_warnings_into_errors():
    only_warning = [i for i in ITEMS if i["kind"] != "VirtualService"]
    rc, out, _ = fn(validator(), only_warning)
    assert rc == 0
    assert by_code(out)["IST0128"]["severity"] == "warning"
    rc, out, _ = fn(validator(failOn="Warning"), only_warning)
    assert rc == 1
    assert by_code(out)["IST0128"]["severity"] == "error"
    assert by_code(out)["IST0128"]["tags"]["level"] == "Warning"


def test_analyzer_subset_and_mesh_config():
    rc, out, _ = fn(validator(analyzers=["destinationrule.CaCertificateAnalyzer"], schema=False))
    assert rc == 0
    assert set(by_code(out)) == {"IST0128"}
    se = {"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
          "metadata": {"name": "db", "namespace": "shop"},
          "spec": {"hosts": ["db.example.com"], "ports": [{"number": 5432, "name": "pg", "protocol": "TCP"}]}}
    rc, out, _ = fn(validator(failOn="Warning"), [se])
    assert rc == 1 and "IST0134" in by_code(out)
    mesh = {"defaultConfig": {"proxyMetadata": {"ISTIO_META_DNS_CAPTURE": "true",
                                                "ISTIO_META_DNS_AUTO_ALLOCATE": "true"}}}
    # Only IST0134's analyzer: Istio's own validation still warns (IST0133) that this
    # NONE-resolution entry gets no auto-allocated address, DNS capture or not.
    rc, out, _ = fn(validator(failOn="Warning", meshConfig=mesh,
                              analyzers=["serviceentry.ProtocolAddressesAnalyzer"]), [se])
    assert rc == 0 and "IST0134" not in by_code(out)


def test_bad_config_reports_every_problem_and_passes_items():
    rc, out, _ = fn(validator(failOn="error", analyzers=["nope"], colour="red"))
    assert rc == 1
    errors = [r for r in out["results"] if r["severity"] == "error"]
    paths = sorted(r["field"]["path"] for r in errors)
    assert paths == ["spec.analyzers", "spec.colour", "spec.failOn"]
    fail_on = next(r for r in errors if r["field"]["path"] == "spec.failOn")
    assert "'Error', 'Warning' or 'Info'" in fail_on["message"] and "'error'" in fail_on["message"]
    assert "unknown analyzer nope" in next(r for r in errors if r["field"]["path"] == "spec.analyzers")["message"]
    assert out["items"] == ITEMS


def test_items_are_the_same_objects():
    items = [Item.from_obj(o) for o in ITEMS]
    out = run(items, validator(), Results())
    assert out is items or all(a is b for a, b in zip(out, items, strict=True))


def test_items_pass_through_byte_for_byte():
    text = (
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
        "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: odd, namespace: shop}\n"
        "  data:\n    a: 'on'\n    b: \"0755\"\n    c: |\n      keep\n        this\n"
        "functionConfig:\n  apiVersion: istio-mesh-fn.dev/v1alpha1\n  kind: IstioMeshValidator\n"
    )
    p = subprocess.run([sys.executable, "-m", "fn"], input=text, capture_output=True, text=True, cwd=ROOT,
                       timeout=120)
    assert p.returncode == 0
    head = p.stdout.split("functionConfig:")[0]
    assert head == text.split("functionConfig:")[0]


def lazy_imports(code: str) -> dict:
    probe = (code + "\nimport json, sys\nprint(json.dumps({m: m in sys.modules for m in "
             "('fn.analyze', 'fn.analyze.runner', 'fn.analyze.schema')}))")
    p = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_generator_imports_no_analysis_when_off():
    seen = lazy_imports(
        "from fn.function import run\nfrom fn.items import Item\nfrom fn.results import Results\n"
        "cfg = {'apiVersion': 'istio-mesh-fn.dev/v1alpha1', 'kind': 'IstioMesh', "
        "'spec': {'analyze': {'generated': False}}}\n"
        "svc = Item.from_obj({'apiVersion': 'v1', 'kind': 'Service', 'metadata': {'name': 'a', 'namespace': 'x'},"
        " 'spec': {'selector': {'app': 'a'}, 'ports': [{'name': 'http', 'port': 80}]}})\n"
        "run([svc], cfg, Results())")
    assert seen == {"fn.analyze": False, "fn.analyze.runner": False, "fn.analyze.schema": False}


def test_validator_without_schema_imports_no_schema_machinery():
    seen = lazy_imports(
        "from fn.function import run\nfrom fn.results import Results\n"
        "run([], {'apiVersion': 'istio-mesh-fn.dev/v1alpha1', 'kind': 'IstioMeshValidator', "
        "'spec': {'schema': False}}, Results())")
    assert seen == {"fn.analyze": True, "fn.analyze.runner": True, "fn.analyze.schema": False}


# ------------------------------------------------------------- generator path

BOOKINFO = (FIXTURES / "bookinfo" / "bookinfo.yaml").read_text()


def items_from_yaml(text: str, path: str) -> list[Item]:
    from fn import yamlnodes as yn

    items = []
    for i, node in enumerate(yn.compose_all(text)):
        item = Item(node)
        item.set_annotation(PATH, path)
        item.set_annotation(INDEX, str(i))
        items.append(item)
    return items


def bookinfo_items() -> list[Item]:
    return items_from_yaml(BOOKINFO, "bookinfo.yaml")


def test_a_generator_defect_is_reported(monkeypatch):
    from fn.policies import virtualservice

    original = virtualservice.routes.weighted
    monkeypatch.setattr(virtualservice.routes, "weighted", lambda host, port, split: original(host + "-typo", port, split))
    results = Results()
    out = run(bookinfo_items(), None, results)
    found = [r for r in results if r.tags and r.tags.get("code") == "IST0101"]
    assert found and all(r.severity == "error" for r in found)
    generated = {(i.kind, i.name): i for i in out if i.annotations.get("istio-mesh-fn.dev/generated-by")}
    for r in found:
        item = generated[(r.resource_ref["kind"], r.resource_ref["name"])]
        assert r.file == item.file_ref()
    assert results.has_errors()


def test_findings_about_user_objects_are_not_the_generators():
    user_vs = ("\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: mine}\n"
               "spec:\n  hosts: [elsewhere]\n  http: [{route: [{destination: {host: nowhere}}]}]\n")
    results = Results()
    run(items_from_yaml(BOOKINFO + user_vs, "bookinfo.yaml"), None, results)
    assert not [r for r in results if r.tags and "code" in r.tags]


@pytest.mark.parametrize("fail_on,severity", [("Error", "warning"), ("Warning", "error")])
def test_generator_fail_on(monkeypatch, fail_on, severity):
    from fn.policies import destinationrule

    # A subset no workload carries is an Error; make one that only warns instead: TLS
    # origination without a CA (IST0128), by forcing SIMPLE into the generated rules.
    original = destinationrule.build

    def simple_tls(**kw):
        obj = original(**kw)
        if obj is not None:
            obj["spec"].setdefault("trafficPolicy", {})["tls"] = {"mode": "SIMPLE"}
        return obj

    monkeypatch.setattr(destinationrule, "build", simple_tls)
    cfg = {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh",
           "spec": {"analyze": {"failOn": fail_on}}}
    results = Results()
    run(bookinfo_items(), cfg, results)
    found = [r for r in results if r.tags and r.tags.get("code") == "IST0128"]
    assert found and {r.severity for r in found} == {severity}
