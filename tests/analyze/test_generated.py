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
