"""The generator analyzes its own output; on the reference fixtures it must find no
Error and no Warning about anything it generated (any would be a generator defect)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fn import resourcelist
from fn.function import run
from fn.items import INDEX, PATH, Item
from fn.results import Results

from .conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[2]


def package_items(files: list[Path], base: Path) -> list[Item]:
    """Items as kpt hands them over: one per document, with path and index annotations."""
    items = []
    for f in files:
        docs = resourcelist.parse_documents(f.read_text(encoding="utf-8"))
        for i, node in enumerate(docs):
            item = resourcelist.check_item(node, f"{f.name}#{i}")
            item.set_annotation(PATH, os.path.relpath(f, base))
            item.set_annotation(INDEX, str(i))
            items.append(item)
    return items


def yaml_files(folder: Path) -> list[Path]:
    # kustomization.yaml files are build instructions, not objects for the function.
    return sorted(p for p in folder.rglob("*.yaml")
                  if "istio-reference" not in p.parts and p.name != "kustomization.yaml")


PACKAGES = {
    "bookinfo": (FIXTURES / "bookinfo", [FIXTURES / "bookinfo" / "bookinfo.yaml"]),
    "online-boutique": (FIXTURES / "online-boutique", yaml_files(FIXTURES / "online-boutique")),
    "kubestock": (ROOT / "kustomization-example" / "base", yaml_files(ROOT / "kustomization-example" / "base")),
}


def analysis_results(results: Results) -> list:
    return [r for r in results if r.tags and "code" in r.tags]


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_generated_config_has_no_errors_or_warnings(name):
    base, files = PACKAGES[name]
    results = Results()
    out = run(package_items(files, base), None, results)
    generated = [i for i in out if i.annotations.get("istio-mesh-fn.dev/generated-by")]
    assert generated, "the fixture should produce generated objects"
    found = [r for r in analysis_results(results) if r.tags["level"] in ("Error", "Warning")]
    assert found == [], "\n".join(r.describe() for r in found)
    assert not results.has_errors(), "\n".join(r.describe() for r in results if r.severity == "error")


CONFIGS = {
    "default-namespace": {"defaultNamespace": "shop"},
    "fqdn-hosts-custom-domain": {"defaultNamespace": "shop", "hosts": {"style": "fqdn", "clusterDomain": "corp.local"}},
    "namespace-peer-authentication": {"defaultNamespace": "shop", "mtls": {"scope": "namespace"}},
    "auto-mtls-with-schema": {"destinationRule": {"tlsMode": "auto"}, "analyze": {"schema": True}},
}


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_generated_config_is_clean_under_other_settings(name, config):
    base, files = PACKAGES[name]
    results = Results()
    fc = {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh", "metadata": {"name": "t"},
          "spec": CONFIGS[config]}
    run(package_items(files, base), fc, results)
    found = [r for r in analysis_results(results) if r.tags["level"] in ("Error", "Warning")]
    assert found == [], "\n".join(r.describe() for r in found)


def test_self_check_loads_only_analyzers_of_the_generated_kinds():
    import subprocess
    import sys

    code = """
import sys
from fn.function import run
from fn.items import Item
from fn.results import Results
from fn import yamlnodes as yn
items = [Item(n) for n in yn.compose_all('''apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{name: http, port: 80}]}
''')]
run(items, None, Results())
print(sorted(m.rsplit('.', 1)[1] for m in sys.modules if m.startswith('fn.analyze.analyzers.')))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = eval(out.stdout)
    assert "virtualservice_destinationrules" in loaded and "destinationrule_subset" in loaded
    assert not [m for m in loaded if m.startswith(("gateway_", "telemetry_", "sidecar_", "serviceentry_", "schema_"))]


def test_every_analyzer_reporting_on_generated_kinds_is_in_a_generated_family():
    from fn.analyze import runner
    from fn.analyze.krm import generated_families
    from fn.settings import Authorization, Egress, Settings

    everything = Settings(authorization=Authorization(mode="enforce"), egress=Egress(mode="registry-only"))
    families = generated_families(everything)
    assert generated_families(Settings()) == {"destinationrule", "virtualservice", "peerauthentication", "deprecation"}
    for cls in runner.available(schema=False):
        kind = cls.name.split(".", 1)[0]
        # An analyzer's module family is the kind of its istioctl name.
        assert runner.family(cls.__module__) == kind.split("(")[0] or kind == "schema", cls
        if kind in ("virtualservice", "destinationrule", "peerauthentication", "authz", "serviceentry", "sidecar"):
            assert runner.family(cls.__module__) in families
