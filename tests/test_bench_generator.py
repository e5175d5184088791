"""The benchmark's synthetic packages hold the objects docs/performance.md says they
hold. Counts only: nothing here is timed."""

import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402


def _kinds(text: str) -> Counter:
    rl = yaml.load(text, Loader=yaml.CSafeLoader)
    assert rl["apiVersion"] == "config.kubernetes.io/v1" and rl["kind"] == "ResourceList"
    return Counter(item["kind"] for item in rl["items"])


@pytest.mark.parametrize("n, namespaces", [(1, 1), (50, 1), (51, 2), (120, 3)])
def test_counts_per_kind(n, namespaces):
    kinds = _kinds(generate.resource_list(n))
    assert kinds == {"Service": n, "Deployment": 2 * n, "Namespace": namespaces, "ConfigMap": namespaces}
    assert sum(kinds.values()) == generate.expected_count(n)


def test_headline_size():
    # N = 2,000: 3 objects per service and 40 namespaces (6,040), plus one unrelated
    # ConfigMap per namespace; without them, exactly the 6,040 of the targets.
    assert generate.namespace_count(2000) == 40
    assert generate.expected_count(2000) == 6080
    assert generate.expected_count(2000, configmaps_per_namespace=0) == 6040
    assert len(generate.objects(2000)) == 6080
    assert len(generate.objects(2000, configmaps_per_namespace=0)) == 6040


def test_items_carry_kpt_annotations_and_tricky_scalars():
    rl = yaml.load(generate.resource_list(3), Loader=yaml.CSafeLoader)
    for item in rl["items"]:
        ann = item["metadata"]["annotations"]
        assert ann["internal.config.kubernetes.io/path"] == ann["config.kubernetes.io/path"]
        assert ann["internal.config.kubernetes.io/index"] == ann["config.kubernetes.io/index"]
    cm = next(i for i in rl["items"] if i["kind"] == "ConfigMap")
    # As YAML 1.1 reads them: what a round trip through Python values would rewrite.
    assert cm["data"]["enabled"] is True and cm["data"]["mode"] == 493 and cm["data"]["nothing"] is None
    svc = next(i for i in rl["items"] if i["kind"] == "Service")
    assert [p["name"] for p in svc["spec"]["ports"]] == ["http", "grpc"]
    versions = sorted(i["metadata"]["labels"]["version"] for i in rl["items"] if i["kind"] == "Deployment"
                      and i["metadata"]["name"].startswith(svc["metadata"]["name"] + "-"))
    assert versions == ["v1", "v2"]


def test_package_files_match_the_resource_list(tmp_path):
    count = generate.write_package(str(tmp_path), 60)
    assert count == generate.expected_count(60)
    docs = [d for f in tmp_path.rglob("*.yaml") for d in yaml.safe_load_all(f.read_text())]
    assert len(docs) == count
    assert (tmp_path / "Kptfile").is_file()
