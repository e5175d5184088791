"""Istio's and Google's sample apps, against their own hand-written mesh config."""

import yaml

from krm import by_kind, generate, generated, items_from_yaml


def deployed_versions(text, app):
    return {
        d["spec"]["template"]["metadata"]["labels"]["version"]
        for d in yaml.safe_load_all(text)
        if d and d["kind"] == "Deployment" and d["spec"]["template"]["metadata"]["labels"].get("app") == app
    }


def test_bookinfo_subsets_equal_istios_reference_for_deployed_versions(shared):
    text = (shared / "fixtures/bookinfo/bookinfo.yaml").read_text()
    items, results = generate(items_from_yaml(text))
    assert not results.has_errors()
    drs = {o["spec"]["host"]: o for o in generated(items) if o["kind"] == "DestinationRule"}
    reference = {
        d["spec"]["host"]: d
        for d in yaml.safe_load_all((shared / "fixtures/bookinfo/istio-reference/destination-rule-all-mtls.yaml").read_text())
        if d
    }
    assert set(drs) == set(reference)
    for host, ref in reference.items():
        versions = deployed_versions(text, host)
        expected = [s for s in ref["spec"]["subsets"] if s["labels"]["version"] in versions]
        assert drs[host]["spec"]["subsets"] == expected, host
    assert [s["name"] for s in drs["reviews"]["spec"]["subsets"]] == ["v1", "v2", "v3"]


def test_bookinfo_routes_match_the_reference_hosts_and_ports(shared):
    text = (shared / "fixtures/bookinfo/bookinfo.yaml").read_text()
    items, _ = generate(items_from_yaml(text))
    vss = by_kind(generated(items), "VirtualService")
    reference = [d for d in yaml.safe_load_all((shared / "fixtures/bookinfo/istio-reference/virtual-service-all-v1.yaml").read_text()) if d]
    assert {tuple(v["spec"]["hosts"]) for v in vss.values()} == {tuple(r["spec"]["hosts"]) for r in reference}
    for vs in vss.values():
        assert vs["spec"]["http"][0]["route"][0]["destination"]["port"] == {"number": 9080}


def test_bookinfo_injected_namespace_gets_istio_mutual_like_the_reference(shared):
    text = (shared / "fixtures/bookinfo/bookinfo.yaml").read_text()
    items, _ = generate(items_from_yaml(text), {"apiVersion": "v1", "kind": "ConfigMap",
                                                   "metadata": {"name": "c"},
                                                   "data": {"defaultNamespace": "bookinfo",
                                                            "injectionNamespaces": "bookinfo"}})
    for dr in by_kind(generated(items), "DestinationRule").values():
        assert dr["spec"]["trafficPolicy"] == {"tls": {"mode": "ISTIO_MUTUAL"}}
        assert dr["metadata"]["namespace"] == "bookinfo"


def online_boutique(shared):
    parts = []
    for f in sorted((shared / "fixtures/online-boutique").glob("*.yaml")):
        if f.name != "kustomization.yaml":
            parts.append(f.read_text())
    return "\n---\n".join(parts)


def test_online_boutique_grpc_ports_get_http_routes_with_timeouts(shared):
    text = online_boutique(shared)
    items, results = generate(items_from_yaml(text))
    assert not results.has_errors()
    vss = by_kind(generated(items), "VirtualService")
    services = [d for d in yaml.safe_load_all(text) if d and d["kind"] == "Service"]
    grpc = [s for s in services if s["spec"]["ports"][0]["name"].startswith("grpc")]
    assert len(grpc) >= 8
    for svc in grpc:
        http = vss[svc["metadata"]["name"]]["spec"]["http"]
        assert http[0]["timeout"] == "30s"
        assert http[0]["route"][0]["destination"]["port"]["number"] == svc["spec"]["ports"][0]["port"]


def test_online_boutique_redis_gets_a_tcp_route_without_retries(shared):
    items, _ = generate(items_from_yaml(online_boutique(shared)))
    vs = by_kind(generated(items), "VirtualService")["redis-cart"]
    assert "http" not in vs["spec"]
    assert vs["spec"]["tcp"] == [{"route": [{"destination": {"host": "redis-cart", "port": {"number": 6379}}, "weight": 100}]}]
