"""Table-driven tests of the policies' object builders, one Istio kind each."""

import pytest

from fn.mesh import namespaces as namespace
from fn.policies import OWNER_ANNOTATION, destinationrule, peerauthentication, virtualservice

VS_DEFAULTS = dict(name="cart", namespace="shop", labels={}, host="cart", timeout="30s",
                   retries={"attempts": 3, "perTryTimeout": "10s"})


def test_virtual_service_single_http_port_has_no_match():
    vs = virtualservice.build(http_ports=[8080], tcp_ports=[], **VS_DEFAULTS)
    assert vs["spec"] == {
        "hosts": ["cart"],
        "http": [{
            "route": [{"destination": {"host": "cart", "port": {"number": 8080}}, "weight": 100}],
            "timeout": "30s",
            "retries": {"attempts": 3, "perTryTimeout": "10s"},
        }],
    }
    assert vs["metadata"] == {"name": "cart", "namespace": "shop", "annotations": {OWNER_ANNOTATION: "istio-mesh-fn"}}


def test_virtual_service_several_ports_match_each_port_and_tcp_gets_no_retries():
    vs = virtualservice.build(http_ports=[8080, 9090], tcp_ports=[5432], **VS_DEFAULTS)
    http, tcp = vs["spec"]["http"], vs["spec"]["tcp"]
    assert [r["match"] for r in http] == [[{"port": 8080}], [{"port": 9090}]]
    assert all(r["timeout"] == "30s" for r in http)
    assert tcp == [{"match": [{"port": 5432}],
                    "route": [{"destination": {"host": "cart", "port": {"number": 5432}}, "weight": 100}]}]


def test_virtual_service_tcp_only_has_no_http_block():
    vs = virtualservice.build(http_ports=[], tcp_ports=[6379], **VS_DEFAULTS)
    assert "http" not in vs["spec"]
    assert "match" not in vs["spec"]["tcp"][0]


def test_virtual_service_without_routable_ports_is_none():
    assert virtualservice.build(http_ports=[], tcp_ports=[], **VS_DEFAULTS) is None


def test_virtual_service_without_timeout_or_retries_omits_them():
    vs = virtualservice.build(http_ports=[80], tcp_ports=[], **{**VS_DEFAULTS, "timeout": None, "retries": None})
    assert set(vs["spec"]["http"][0]) == {"route"}


DR = dict(name="cart-destination", namespace="", labels={"app": "cart"}, host="cart")


@pytest.mark.parametrize("mutual,lb,subs,expected", [
    (True, None, [], {"host": "cart", "trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"}}}),
    (False, "LEAST_REQUEST", [], {"host": "cart", "trafficPolicy": {"loadBalancer": {"simple": "LEAST_REQUEST"}}}),
    (False, None, [{"name": "v1", "labels": {"version": "v1"}}],
     {"host": "cart", "subsets": [{"name": "v1", "labels": {"version": "v1"}}]}),
    (False, None, [], None),
])
def test_destination_rule(mutual, lb, subs, expected):
    dr = destinationrule.build(tls_mutual=mutual, load_balancer=lb, subset_list=subs, **DR)
    if expected is None:
        assert dr is None
    else:
        assert dr["spec"] == expected
        assert "namespace" not in dr["metadata"]
        assert dr["metadata"]["labels"] == {"app": "cart"}


def test_subsets_are_distinct_and_in_natural_version_order():
    pods = [{"version": v} for v in ("v10", "v2", "v1", "v2")] + [{"app": "x"}]
    assert [s["name"] for s in destinationrule.subsets("version", pods)] == ["v1", "v2", "v10"]
    assert destinationrule.subsets("track", pods) == []


@pytest.mark.parametrize("mode", ["STRICT", "PERMISSIVE"])
def test_peer_authentication(mode):
    pa = peerauthentication.build(namespace="istio-system", mode=mode)
    assert pa["apiVersion"] == "security.istio.io/v1"
    assert pa["metadata"]["name"] == "default" and pa["metadata"]["namespace"] == "istio-system"
    assert pa["spec"] == {"mtls": {"mode": mode}}


@pytest.mark.parametrize("mode,revision,expected", [
    ("enabled", None, {"istio-injection": "enabled"}),
    ("revision", "1-24", {"istio.io/rev": "1-24"}),
    ("ambient", None, {"istio.io/dataplane-mode": "ambient"}),
    ("disabled", None, {}),
])
def test_namespace_labels(mode, revision, expected):
    assert namespace.wanted_labels(mode, revision) == expected


@pytest.mark.parametrize("existing,wanted,blocked", [
    ({"istio-injection": "disabled"}, {"istio-injection": "enabled"}, True),
    ({"istio.io/rev": "canary"}, {"istio-injection": "enabled"}, True),
    ({"istio-injection": "enabled"}, {"istio.io/rev": "1-24"}, True),
    ({"team": "a"}, {"istio-injection": "enabled"}, False),
    ({"istio-injection": "enabled"}, {"istio-injection": "enabled"}, False),
])
def test_namespace_conflicts_leave_a_persons_choice(existing, wanted, blocked):
    assert (namespace.conflict(existing, wanted) is not None) == blocked


def test_builders_never_share_objects_between_calls():
    a = virtualservice.build(http_ports=[80], tcp_ports=[], **VS_DEFAULTS)
    b = virtualservice.build(http_ports=[80], tcp_ports=[], **VS_DEFAULTS)
    assert a["spec"]["http"][0]["retries"] is not b["spec"]["http"][0]["retries"]
