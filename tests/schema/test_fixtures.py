"""Real objects against the CRDs: what the function generates, Istio's and Google's
reference manifests, and every Istio object in istioctl's analyzer test data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fn import yamlnodes as yn
from fn.core import is_generated
from fn.function import run
from fn.items import INDEX, PATH, Item
from fn.results import Results
from fn.analyze.schema import known_kind, validate

from .helpers import texts

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"  # in-repository copies, see tests/data/PROVENANCE.md
FIXTURES = DATA / "fixtures"
TESTDATA = DATA / "conformance" / "istioctl-analyze" / "testdata"


def package_items(base: Path, files: list[Path]) -> list[Item]:
    items = []
    for f in files:
        for i, node in enumerate(yn.compose_all(f.read_text(encoding="utf-8"))):
            item = Item(node)
            item.set_annotation(PATH, f.relative_to(base).as_posix())
            item.set_annotation(INDEX, str(i))
            items.append(item)
    return items


def objects(base: Path, exclude_reference: bool = True) -> list[Path]:
    return sorted(p for p in base.rglob("*.yaml")
                  if p.name != "kustomization.yaml" and not (exclude_reference and "istio-reference" in p.parts))


PACKAGES = {
    "kubestock": ROOT / "kustomization-example" / "base",
    "bookinfo": FIXTURES / "bookinfo",
    "online-boutique": FIXTURES / "online-boutique",
}

CONFIGS = {
    "default": None,
    "tuned": {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh", "spec": {
        "mtls": {"mode": "PERMISSIVE", "scope": "namespace"},
        "destinationRule": {"loadBalancer": "LEAST_REQUEST", "labels": {"team": "platform"}},
        "virtualService": {"timeout": "1ms", "retries": {"attempts": 5, "perTryTimeout": "250ms", "retryOn": "5xx,reset"}},
        "hosts": {"style": "fqdn"},
    }},
    "no-retries": {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh", "spec": {
        "mtls": {"mode": "DISABLE", "scope": "mesh"},
        "virtualService": {"timeout": None, "retries": None},
    }},
}


def generate(name: str, config) -> list[dict]:
    base = PACKAGES[name]
    results = Results()
    out = run(package_items(base, objects(base)), config, results)
    assert not results.has_errors(), [r.describe() for r in results if r.severity == "error"]
    return [yn.to_py(i.node) for i in out if is_generated(i)]


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_generated_objects_are_schema_valid(package, config):
    generated = generate(package, CONFIGS[config])
    assert "VirtualService" in {o["kind"] for o in generated}
    checked = 0
    for o in generated:
        if not known_kind(o["apiVersion"], o["kind"]):
            assert o["kind"] == "Namespace", o["kind"]  # injection labels on the namespace
            continue
        issues = validate(o)
        assert issues == [], f"{o['kind']} {o['metadata']['name']}:\n" + "\n".join(texts(issues))
        checked += 1
    assert checked >= 3


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_generated_objects_cover_every_generated_kind(config):
    kinds = {o["kind"] for name in PACKAGES for o in generate(name, CONFIGS[config])}
    assert {"DestinationRule", "VirtualService", "PeerAuthentication"} <= kinds, kinds


def test_generated_objects_via_python_m_fn_are_schema_valid():
    """The function as orchestrators run it: a ResourceList through ``python -m fn``."""
    base = PACKAGES["kubestock"]
    docs = [d for f in objects(base) for d in yaml.safe_load_all(f.read_text()) if d]
    rl = {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": docs}
    proc = subprocess.run([sys.executable, "-m", "fn"], input=yaml.safe_dump(rl).encode(),
                          capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    out = yaml.safe_load(proc.stdout)
    istio = [i for i in out["items"] if known_kind(i.get("apiVersion", ""), i.get("kind", ""))]
    assert {"DestinationRule", "VirtualService", "PeerAuthentication"} <= {i["kind"] for i in istio}
    for o in istio:
        assert validate(o) == [], f"{o['kind']} {o['metadata']['name']}: {texts(validate(o))}"


REFERENCE = sorted((FIXTURES / "bookinfo" / "istio-reference").glob("*.yaml")) + [
    FIXTURES / "online-boutique" / "istio-reference" / "istio-manifests.yaml"]


@pytest.mark.parametrize("path", REFERENCE, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_reference_manifests_are_schema_valid(path):
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    istio = [d for d in docs if known_kind(d["apiVersion"], d["kind"])]
    # Online Boutique's file also holds Gateway API objects, which are not Istio's CRDs.
    assert istio and all(d["apiVersion"].startswith("gateway.networking.k8s.io/") for d in docs if d not in istio)
    for d in istio:
        assert validate(d) == [], f"{d['kind']} {d['metadata']['name']}: {texts(validate(d))}"


# What the analyzer test data of istioctl holds that the API server would refuse; each
# was looked at and is genuinely invalid against the CRDs of the schema file (tests/data/schemas).
KNOWN_INVALID = {
    # fields removed from EnvoyFilter long ago (the deprecation analyzer's own input)
    ("deprecation.yaml", "EnvoyFilter", "istio-multicluster-egressgateway"): [
        'unknown field "spec.workloadLabels"', 'unknown field "spec.filters"'],
    # a ServiceEntry host of "*" (CEL: hostname cannot be wildcard)
    ("virtualservice_destinationhosts.yaml", "ServiceEntry", "service-entry-ignore"): [
        'spec.hosts[0]: Invalid value: "string": hostname cannot be wildcard'],
    # an HTTP route with no destination
    ("virtualservice_destinationhosts.yaml", "VirtualService", "reviews-bogushost"): [
        "spec.http[0].route[0].destination: Required value",
        "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"],
}


def test_istioctl_testdata_is_valid_but_for_known_cases():
    found = {}
    istio_docs = 0
    for f in sorted(TESTDATA.rglob("*.yaml")):
        for d in yaml.safe_load_all(f.read_text()):
            if not isinstance(d, dict) or not known_kind(str(d.get("apiVersion")), str(d.get("kind"))):
                continue
            istio_docs += 1
            issues = validate(d)
            if issues:
                found[(f.name, d["kind"], d["metadata"]["name"])] = texts(issues)
    assert istio_docs > 150
    assert found == KNOWN_INVALID
