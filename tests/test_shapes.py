"""Shapes the first test suite never saw: exactly two routable ports, one port of each
protocol family, a revision-labelled namespace, Services deleted between runs, and an
analyzer that crashes during the self-check."""

import pytest

from fn.analyze import runner
from krm import by_kind, generate, generated, items_from_yaml

NS = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"


def svc(name, ports):
    return (f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: shop}}\n"
            f"spec: {{selector: {{app: {name}}}, ports: {ports}}}\n")


def deploy(name):
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: shop}}\n"
            f"spec: {{template: {{metadata: {{labels: {{app: {name}}}}}}}}}\n")


def run(*docs, config=None, items=None):
    items = items if items is not None else items_from_yaml("---\n".join(docs))
    out, results = generate(items, config)
    return generated(out), results, out


@pytest.mark.parametrize("ports,http,tcp", [
    ("[{name: http, port: 80}, {name: grpc, port: 9090}]", [80, 9090], []),
    ("[{name: http, port: 80}, {name: tcp-db, port: 5432}]", [80], [5432]),
    ("[{name: tcp-a, port: 1}, {name: tcp-b, port: 2}]", [], [1, 2]),
])
def test_exactly_two_routable_ports_each_match_their_port(ports, http, tcp):
    objs, _, _ = run(NS, svc("two", ports), deploy("two"))
    spec = by_kind(objs, "VirtualService")["two"]["spec"]
    assert [r["match"] for r in spec.get("http", [])] == [[{"port": p}] for p in http]
    assert [r["match"] for r in spec.get("tcp", [])] == [[{"port": p}] for p in tcp]
    for rule in spec.get("http", []) + spec.get("tcp", []):
        assert rule["route"][0]["destination"]["port"]["number"] == rule["match"][0]["port"]


def test_one_port_of_each_protocol_family():
    ports = ("[{name: http-web, port: 80}, {name: http2-api, port: 81}, {name: grpc-rpc, port: 82},"
             " {name: tcp-raw, port: 83}, {name: mongo, port: 84}, {name: tls-x, port: 85},"
             " {name: https-y, port: 86}, {name: dns, port: 53, protocol: UDP}, {name: plain, port: 87}]")
    objs, results, _ = run(NS, svc("all", ports), deploy("all"))
    spec = by_kind(objs, "VirtualService")["all"]["spec"]
    http = {r["match"][0]["port"]: r for r in spec["http"]}
    tcp = {r["match"][0]["port"]: r for r in spec["tcp"]}
    # HTTP family and sniffed ports: timeout and retries; TCP: a plain route; TLS, UDP: none.
    assert sorted(http) == [80, 81, 82, 87] and all("timeout" in r and "retries" in r for r in http.values())
    assert sorted(tcp) == [83, 84] and all("timeout" not in r and "retries" not in r for r in tcp.values())
    notes = [r.message for r in results if r.message.startswith("all: no route")]
    assert any("85/tls-x" in m and "86/https-y" in m for m in notes)
    assert any("53/dns" in m for m in notes)


def test_revision_labelled_namespace_is_injected_and_kept():
    ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio.io/rev: canary}}\n"
    objs, results, items = run(ns, svc("cart", "[{name: http, port: 80}]"), deploy("cart"))
    # Revision injection is sidecar injection: ISTIO_MUTUAL; the person's label is left as is.
    assert by_kind(objs, "DestinationRule")["cart-destination"]["spec"]["trafficPolicy"]["tls"]["mode"] == "ISTIO_MUTUAL"
    labels = next(i.labels for i in items if i.kind == "Namespace")
    assert labels == {"istio.io/rev": "canary"}
    assert any("left namespace shop unlabelled" in r.message and "istio.io/rev=canary" in r.message for r in results)


def test_revision_mode_labels_with_the_revision():
    config = {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh",
              "spec": {"injection": {"mode": "revision", "revision": "1-24"}}}
    objs, _, items = run(NS, svc("cart", "[{name: http, port: 80}]"), deploy("cart"), config=config)
    assert next(i.labels for i in items if i.kind == "Namespace") == {"istio.io/rev": "1-24"}
    assert "tls" in by_kind(objs, "DestinationRule")["cart-destination"]["spec"]["trafficPolicy"]


def _without(items, kind, name):
    return [i for i in items if not (i.kind == kind and i.name == name)]


def test_deleted_service_loses_its_config_on_the_next_run():
    _, _, first = run(NS, svc("a", "[{name: http, port: 80}]"), deploy("a"), svc("b", "[{name: http, port: 80}]"),
                      deploy("b"))
    objs, _, _ = run(items=_without(first, "Service", "b"))
    assert set(by_kind(objs, "VirtualService")) == {"a"}
    assert set(by_kind(objs, "DestinationRule")) == {"a-destination"}


def test_deleting_every_service_prunes_all_per_service_config_and_the_policy_follows():
    _, _, first = run(NS, svc("a", "[{name: http, port: 80}]"), deploy("a"))
    remaining = _without(_without(first, "Service", "a"), "Namespace", "shop")
    objs, _, out = run(items=remaining)
    assert not by_kind(objs, "VirtualService") and not by_kind(objs, "DestinationRule")
    # No mesh left: no mesh-wide policy either, and the Deployment is still there.
    assert not by_kind(objs, "PeerAuthentication")
    assert [i.kind for i in out] == ["Deployment"]


def test_analyzer_crash_during_the_self_check_is_an_error(monkeypatch):
    from fn.analyze.krm import GENERATED_FAMILIES

    # An analyzer the self-check runs, made to crash.
    broken = next(c for c in runner.select(None, families=GENERATED_FAMILIES) if c.name.startswith("virtualservice."))

    def crash(self, ctx, report):
        raise RuntimeError("boom")

    monkeypatch.setattr(broken, "analyze", crash)
    _, results, _ = run(NS, svc("a", "[{name: http, port: 80}]"), deploy("a"))
    errors = [r for r in results if r.severity == "error"]
    assert len(errors) == 1 and "boom" in errors[0].message and broken.name in errors[0].message
