"""With no config, the KubeStock example yields the design doc's YAML."""

import re

import pytest
import yaml

from krm import ROOT, by_kind, generate, generated, read_package, strip_internal

SERVICES = {
    "frontend": 3000, "ms-identity": 3006, "ms-inventory": 3001,
    "ms-product": 3003, "ms-supplier": 3004, "ms-order-management": 3002,
}


def seed_blocks(shared):
    text = (shared / "seed" / "istio-service-mesh-design.md").read_text()
    docs = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, re.S)]
    return {d["kind"]: d for d in docs}


def as_written(obj):
    """The generated object as kpt writes it, minus the two documented differences:
    the served API version (v1, where the doc's era wrote v1beta1) and the ownership
    annotation that lets a re-run replace what it made."""
    obj = strip_internal(obj)
    obj["apiVersion"] = obj["apiVersion"].split("/")[0]
    anns = obj["metadata"].pop("annotations")
    assert anns == {"istio-mesh-fn.dev/generated-by": "istio-mesh-fn"}
    return obj


def seed_form(doc):
    doc = dict(doc)
    group, version = doc["apiVersion"].split("/")
    assert version == "v1beta1"
    doc["apiVersion"] = group
    return doc


@pytest.fixture(scope="module")
def example():
    items, results = generate(read_package(ROOT / "kustomization-example" / "base"))
    assert not results.has_errors()
    return generated(items), results


def test_ms_identity_destination_rule_is_the_seeds(example, shared):
    objs, _ = example
    dr = by_kind(objs, "DestinationRule")["ms-identity-destination"]
    assert as_written(dr) == seed_form(seed_blocks(shared)["DestinationRule"])


def test_ms_identity_virtual_service_is_the_seeds(example, shared):
    objs, _ = example
    vs = by_kind(objs, "VirtualService")["ms-identity"]
    assert as_written(vs) == seed_form(seed_blocks(shared)["VirtualService"])


def test_peer_authentication_is_the_seeds(example, shared):
    objs, _ = example
    pa = by_kind(objs, "PeerAuthentication")["default"]
    assert as_written(pa) == seed_form(seed_blocks(shared)["PeerAuthentication"])


def test_every_service_of_the_table_gets_both_objects_on_its_port(example):
    objs, _ = example
    drs, vss = by_kind(objs, "DestinationRule"), by_kind(objs, "VirtualService")
    assert set(drs) == {f"{s}-destination" for s in SERVICES}
    assert set(vss) == set(SERVICES)
    for svc, port in SERVICES.items():
        route = vss[svc]["spec"]["http"][0]
        assert route["route"][0]["destination"] == {"host": svc, "port": {"number": port}}
        assert route["timeout"] == "30s"
        assert route["retries"] == {"attempts": 3, "perTryTimeout": "10s"}
        assert drs[f"{svc}-destination"]["spec"]["trafficPolicy"] == {"tls": {"mode": "ISTIO_MUTUAL"}}


def test_files_land_where_the_seed_lays_them_out(example):
    objs, _ = example
    paths = {(o["kind"], o["metadata"]["name"]): o["metadata"]["annotations"]["internal.config.kubernetes.io/path"]
             for o in objs}
    assert paths[("DestinationRule", "ms-identity-destination")] == "services/ms-identity/istio-destinationrule.yaml"
    assert paths[("VirtualService", "ms-identity")] == "services/ms-identity/istio-virtualservice.yaml"
    assert paths[("PeerAuthentication", "default")] == "istio/peer-authentication-strict.yaml"
    for o in objs:
        anns = o["metadata"]["annotations"]
        assert anns["config.kubernetes.io/path"] == anns["internal.config.kubernetes.io/path"]


def test_namespace_is_labelled_for_injection():
    items, results = generate(read_package(ROOT / "kustomization-example" / "base"))
    ns = [i for i in items if i.kind == "Namespace"]
    assert [n.labels.get("istio-injection") for n in ns] == ["enabled"]
    summary = results[-1].message
    assert summary == ("generated 6 DestinationRule, 6 VirtualService, 1 PeerAuthentication; "
                       "labelled namespaces: kubestock-staging")


def test_function_config_yaml_gives_the_same_output_as_no_config():
    import yaml as y

    cfg = y.safe_load((ROOT / "function-config.yaml").read_text())
    a, _ = generate(read_package(ROOT / "kustomization-example" / "base"))
    b, _ = generate(read_package(ROOT / "kustomization-example" / "base"), cfg)
    assert [i.obj for i in a] == [i.obj for i in b]
