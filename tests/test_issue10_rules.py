"""Istio's rules the generated config must follow on real applications: subset names,
stream timeouts, and the results a user needs."""

import pytest

from fn.k8snames import is_dns_label
from fn.policies.destinationrule import subset_name, subsets
from krm import by_kind, generate, generated, items_from_yaml

NS = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"


def svc(name, ports="[{name: http, port: 80}]", kind="ClusterIP", selector=None):
    sel = selector or f"{{app: {name}}}"
    return (f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: shop}}\n"
            f"spec: {{type: {kind}, selector: {sel}, ports: {ports}}}\n")


def deploy(name, version=None):
    extra = f", version: {version!r}" if version else ""
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}-{abs(hash(version)) % 1000}, namespace: shop}}\n"
            f"spec: {{template: {{metadata: {{labels: {{app: {name}{extra}}}}}}}}}\n")


def run(*docs, config=None):
    items, results = generate(items_from_yaml("---\n".join(docs)), config)
    return generated(items), results


@pytest.mark.parametrize("value,name", [
    ("v1", "v1"), ("1.4.2", "v1-4-2"), ("3.2.0", "v3-2-0"), ("v3.6.0", "v3-6-0"), ("V2", "v2"),
    ("canary", "canary"), ("2", "2"), ("release_2024.01", "release-2024-01"), ("___", "subset"),
    ("a" * 70, "a" * 62),
])
def test_subset_name_is_a_dns_label(value, name):
    assert subset_name(value) == name
    assert is_dns_label(subset_name(value))


def test_colliding_subset_names_get_a_suffix_and_keep_their_real_value():
    out = subsets("version", [{"version": v} for v in ["V1", "v1", "1.0", "1-0"]])
    names = [s["name"] for s in out]
    assert len(set(names)) == 4 and all(is_dns_label(n) for n in names)
    assert {s["labels"]["version"] for s in out} == {"V1", "v1", "1.0", "1-0"}


def test_generated_subsets_are_valid_and_say_where_names_differ():
    objs, results = run(NS, svc("db"), deploy("db", "1.4.2"), deploy("db", "v2"))
    subs = by_kind(objs, "DestinationRule")["db-destination"]["spec"]["subsets"]
    assert subs == [{"name": "v1-4-2", "labels": {"version": "1.4.2"}}, {"name": "v2", "labels": {"version": "v2"}}]
    assert any("'1.4.2' as v1-4-2" in r.message and r.severity == "info" for r in results)


@pytest.mark.parametrize("port", [
    "{name: ws, port: 80}", "{name: websocket-chat, port: 80}", "{name: web, port: 80, appProtocol: kubernetes.io/ws}",
])
def test_websocket_ports_get_no_route_timeout(port):
    objs, results = run(NS, svc("chat", ports=f"[{port}, {{name: http-api, port: 8080}}]"), deploy("chat"))
    http = {r["match"][0]["port"]: r for r in by_kind(objs, "VirtualService")["chat"]["spec"]["http"]}
    assert "timeout" not in http[80] and http[8080]["timeout"] == "30s"
    assert "retries" in http[80]
    assert any("no route timeout on port(s) 80" in r.message for r in results)


def test_timeout_null_per_service_is_the_grpc_streaming_opt_out():
    config = {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh",
              "spec": {"services": [{"name": "feed", "timeout": None}]}}
    objs, _ = run(NS, svc("feed", ports="[{name: grpc, port: 9000}]"), deploy("feed"), config=config)
    assert "timeout" not in by_kind(objs, "VirtualService")["feed"]["spec"]["http"][0]


def test_selector_matching_no_workload_is_a_warning():
    _, results = run(NS, svc("ghost"))
    assert any("ghost: its selector" in r.message and r.severity == "warning" for r in results)


@pytest.mark.parametrize("kind", ["NodePort", "LoadBalancer"])
def test_exposed_service_under_strict_is_a_warning(kind):
    _, results = run(NS, svc("edge", kind=kind), deploy("edge"))
    assert any(f"a {kind} Service" in r.message and r.severity == "warning" for r in results)


def test_exposed_service_under_permissive_is_not_warned_about():
    config = {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh", "spec": {"mtls": {"mode": "PERMISSIVE"}}}
    _, results = run(NS, svc("edge", kind="NodePort"), deploy("edge"), config=config)
    assert not any("NodePort Service" in r.message for r in results)


def test_destination_rule_left_out_is_said():
    config = {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh",
              "spec": {"destinationRule": {"tlsMode": "auto"}}}
    objs, results = run(NS, svc("plain"), deploy("plain"), config=config)
    assert "plain" in by_kind(objs, "VirtualService")
    assert any(r.message.startswith("plain: no DestinationRule: a DestinationRule would only restate") for r in results)


def test_mesh_wide_policy_from_an_application_package_suggests_namespace_scope():
    _, results = run(NS, svc("a"), deploy("a"))
    assert any("holds only application namespaces" in r.message and "mtls.scope: namespace" in r.message
               for r in results)
    platform = "apiVersion: v1\nkind: Namespace\nmetadata: {name: istio-system}\n"
    _, results = run(NS, platform, svc("a"), deploy("a"))
    assert not any("holds only application namespaces" in r.message for r in results)


@pytest.mark.parametrize("port", ["{port: 27017}", "{name: db, port: 3306}", "{name: smtp-out, port: 25}",
                                  "{port: 53, name: dns-tcp}", "{name: tcp-custom, port: 8080}",
                                  "{name: web, port: 8080, appProtocol: tcp-custom}"])
def test_server_first_and_tcp_ports_get_tcp_routes_without_timeouts(port):
    objs, _ = run(NS, svc("db", ports=f"[{port}]"), deploy("db"))
    spec = by_kind(objs, "VirtualService")["db"]["spec"]
    assert "http" not in spec and len(spec["tcp"]) == 1 and "timeout" not in spec["tcp"][0]


@pytest.mark.parametrize("port", ["{port: 5432}", "{name: web, port: 8080}"])
def test_other_unnamed_ports_are_sniffed_and_keep_http_routes(port):
    objs, _ = run(NS, svc("x", ports=f"[{port}]"), deploy("x"))
    assert "http" in by_kind(objs, "VirtualService")["x"]["spec"]
