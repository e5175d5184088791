"""The policies' objects and messages, pinned where mutation testing showed no other
in-process test noticed a change: the exact text of what a user is told, where each
object is written, and the edges of each decision."""

from __future__ import annotations

from typing import Any

import pytest

from krm import by_kind, generate, generated, items_from_yaml
from test_mesh_mutation import deployment, docs, namespace, service

PATH = "internal.config.kubernetes.io/path"


def config(spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh", "spec": spec}


def run(text: str, spec: dict[str, Any] | None = None, path: str | None = None):
    items, results = generate(items_from_yaml(text, path), config(spec) if spec is not None else None)
    return generated(items), results


def messages(results, severity: str | None = None) -> list[str]:
    return [r.message for r in results if severity is None or r.severity == severity]


def with_annotations(text: str, notes: str) -> str:
    return text.replace("namespace: shop}", f"namespace: shop, annotations: {{{notes}}}}}", 1)


PA = "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {{name: default{ns}}}\nspec: {{mtls: {{mode: {mode}}}}}\n"
APP = docs(namespace(), service(), deployment())


# --- PeerAuthentication ---------------------------------------------------------------

def test_a_hand_written_mesh_wide_policy_that_agrees_is_kept_with_an_info():
    objs, results = run(docs(APP, PA.format(ns=", namespace: istio-system", mode="STRICT")))
    assert not by_kind(objs, "PeerAuthentication")
    [r] = [r for r in results if "written by hand" in r.message]
    assert (r.severity, r.message) == ("info", "kept the PeerAuthentication istio-system/default written by hand; generated none")
    assert r.resource_ref == {"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication", "name": "default",
                              "namespace": "istio-system"}


@pytest.mark.parametrize("ns,spec,where", [
    (", namespace: istio-system", {}, "istio-system/"),
    (", namespace: shop", {"mtls": {"scope": "namespace"}}, "shop/"),
])
def test_a_hand_written_policy_that_disagrees_is_kept_with_a_warning_naming_what_is_enforced(ns, spec, where):
    objs, results = run(docs(APP, PA.format(ns=ns, mode="PERMISSIVE")), spec)
    assert not by_kind(objs, "PeerAuthentication")
    [r] = [r for r in results if "written by hand" in r.message]
    assert (r.severity, r.message) == (
        "warning", f"kept the PeerAuthentication {where}default written by hand and generated none, so STRICT is not "
                   f"what is enforced there: PERMISSIVE (the PeerAuthentication {where}default in the input)")


def test_a_hand_written_policy_without_namespace_is_named_without_one():
    _, results = run(docs(service(ns=None), deployment(ns=None), PA.format(ns="", mode="STRICT")),
                     {"mtls": {"scope": "namespace"}})
    [r] = [r for r in results if "written by hand" in r.message]
    assert r.message == "kept the PeerAuthentication default written by hand; generated none"
    assert r.resource_ref == {"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication", "name": "default"}


def test_a_mesh_wide_policy_from_an_application_package_says_who_else_may_claim_it():
    objs, results = run(APP)
    [pa] = by_kind(objs, "PeerAuthentication").values()
    assert pa["metadata"]["namespace"] == "istio-system" and pa["spec"] == {"mtls": {"mode": "STRICT"}}
    [r] = [r for r in results if "application namespaces" in r.message]
    assert r.message == ("generated the mesh-wide PeerAuthentication istio-system/default from a package that holds only "
                         "application namespaces; if several packages do the same they all claim istio-system/default. "
                         "Consider mtls.scope: namespace in application packages.")
    assert r.resource_ref == {"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication", "name": "default",
                              "namespace": "istio-system"}


def test_a_platform_package_or_namespace_scope_is_not_told_about_claims():
    for text, spec in ((docs(APP, namespace(name="istio-system", labels="{}")), {}), (APP, {"mtls": {"scope": "namespace"}})):
        _, results = run(text, spec)
        assert not [m for m in messages(results) if "application namespaces" in m]


@pytest.mark.parametrize("mode", ["PERMISSIVE", "DISABLE"])
def test_a_mode_other_than_strict_is_a_warning(mode):
    objs, results = run(APP, {"mtls": {"mode": mode}})
    assert (f"mTLS mode {mode} was chosen explicitly: workloads accept plaintext. STRICT is the secure default."
            in messages(results, "warning"))
    assert [p["spec"]["mtls"]["mode"] for p in by_kind(objs, "PeerAuthentication").values()] == [mode]


def test_strict_is_not_warned_about_and_an_empty_mesh_gets_no_policy():
    objs, results = run(namespace(labels="{istio-injection: disabled}"))
    assert not by_kind(objs, "PeerAuthentication")
    assert not [m for m in messages(results) if "mTLS mode" in m]


def test_namespace_scope_writes_one_policy_per_mesh_namespace_where_the_template_says():
    text = docs(APP, service(name="web", ns="web"), deployment(name="web", ns="web", labels="{app: web}"))
    objs, _ = run(text, {"mtls": {"scope": "namespace", "mode": "PERMISSIVE"},
                         "paths": {"peerAuthentication": "mesh/{namespace}-{name}-{mode}.yaml"}}, path="app.yaml")
    pas = [o for o in objs if o["kind"] == "PeerAuthentication"]
    assert [(p["metadata"]["namespace"], p["metadata"]["annotations"][PATH]) for p in pas] == [
        ("shop", "mesh/shop-default-permissive.yaml"), ("web", "mesh/web-default-permissive.yaml")]


def test_the_default_peer_authentication_path_names_the_mode():
    objs, _ = run(APP, path="app.yaml")
    [pa] = by_kind(objs, "PeerAuthentication").values()
    assert pa["metadata"]["annotations"][PATH] == "istio/peer-authentication-strict.yaml"


# --- VirtualService ----------------------------------------------------------------------

def vs_of(objs, name: str = "cart") -> dict[str, Any] | None:
    return by_kind(objs, "VirtualService").get(name)


BUDGET = "perTryTimeout 1s x 3 attempts exceeds the route timeout 2s: the timeout cuts retries short"


@pytest.mark.parametrize("spec,where,field", [
    ({"virtualService": {"timeout": "2s", "retries": {"attempts": 3, "perTryTimeout": "1s"}}},
     "spec.virtualService", {"path": "spec.virtualService"}),
    ({"virtualService": {"retries": {"attempts": 3, "perTryTimeout": "1s"}},
      "services": [{"name": "other"}, {"name": "cart", "timeout": "2s"}]},
     "spec.services[1]", {"path": "spec.services[1]"}),
    ({"virtualService": {"timeout": "30s"},
      "services": [{"name": "cart", "timeout": "2s", "retries": {"perTryTimeout": "1s"}}]},
     "spec.services[0]", {"path": "spec.services[0]"}),
])
def test_retries_that_cannot_all_run_are_a_warning_naming_the_setting(spec, where, field):
    _, results = run(APP, spec)
    warnings = [(r.message, r.field) for r in results if "exceeds the route timeout" in r.message]
    assert warnings == [(f"{where}: {BUDGET}", field)]


@pytest.mark.parametrize("notes", [
    "istio-mesh-fn.dev/timeout: 2s",
    "istio-mesh-fn.dev/retries: '3'",
])
def test_retries_that_cannot_all_run_by_annotation_name_the_service(notes):
    spec = {"virtualService": {"timeout": "2s", "retries": {"attempts": 1, "perTryTimeout": "1s"}}}
    if "timeout" in notes:
        spec = {"virtualService": {"timeout": "30s", "retries": {"attempts": 3, "perTryTimeout": "1s"}}}
    _, results = run(docs(namespace(), with_annotations(service(), notes), deployment()), spec)
    warnings = [r for r in results if "exceeds the route timeout" in r.message]
    assert [(w.message, w.resource_ref["name"]) for w in warnings] == [(f"cart (annotations): {BUDGET}", "cart")]


@pytest.mark.parametrize("retries,timeout", [
    ({"attempts": 3, "perTryTimeout": "1s"}, "3s"),   # exactly the budget
    ({"attempts": 0, "perTryTimeout": "1s"}, "2s"),   # no retries
    ({"attempts": 3, "perTryTimeout": None}, "1ms"),   # no per-try timeout
    ({"attempts": 3, "perTryTimeout": "1s"}, None),    # no route timeout
])
def test_retries_within_the_budget_are_not_warned_about(retries, timeout):
    _, results = run(APP, {"virtualService": {"timeout": timeout, "retries": {**retries}}})
    assert not [m for m in messages(results) if "exceeds the route timeout" in m]


def test_a_skipped_service_with_annotations_over_budget_is_not_warned_about():
    text = docs(namespace(), with_annotations(service(), "istio-mesh-fn.dev/timeout: 2s, istio-mesh-fn.dev/skip: 'true'"),
                deployment())
    _, results = run(text, {"virtualService": {"retries": {"attempts": 3, "perTryTimeout": "1s"}}})
    assert not [m for m in messages(results) if "exceeds the route timeout" in m]


def test_per_port_retries_over_budget_name_the_port():
    _, results = run(APP, {"services": [{"name": "cart", "ports": [
        {"port": 80, "timeout": "2s", "retries": {"attempts": 3, "perTryTimeout": "1s"}}]}]})
    assert [m for m in messages(results, "warning") if "exceeds" in m] == [f"cart port 80 (services[].ports[]): {BUDGET}"]


@pytest.mark.parametrize("retries,expected", [
    ({"attempts": 0, "perTryTimeout": "1s", "retryOn": "5xx"}, {"attempts": 0}),
    ({"attempts": 2, "perTryTimeout": "1s", "retryOn": "5xx"}, {"attempts": 2, "perTryTimeout": "1s", "retryOn": "5xx"}),
    ({"attempts": 1, "perTryTimeout": None}, {"attempts": 1}),
    ({"attempts": 1, "retryOn": "reset"}, {"attempts": 1, "perTryTimeout": "10s", "retryOn": "reset"}),
])
def test_retries_on_the_route(retries, expected):
    objs, _ = run(APP, {"virtualService": {"retries": retries}})
    assert vs_of(objs)["spec"]["http"][0]["retries"] == expected


@pytest.mark.parametrize("ports,notes", [
    ("[{name: https, port: 443}, {name: udp-dns, port: 53, protocol: UDP}, {name: tls, port: 8443}]",
     ["cart: no route for port(s) 443/https, 8443/tls: TLS traffic is routed by SNI (a tls: route with sniHosts), "
      "which a Service port does not tell",
      "cart: no route for port(s) 53/udp-dns: Istio does not proxy UDP or SCTP"]),
    ("[{port: 53, protocol: UDP}]", ["cart: no route for port(s) 53/udp: Istio does not proxy UDP or SCTP"]),
])
def test_ports_without_a_route_are_named_with_why(ports, notes):
    objs, results = run(docs(namespace(), service(ports=ports), deployment()))
    assert vs_of(objs) is None
    assert [m for m in messages(results, "info") if "no route for" in m] == notes


@pytest.mark.parametrize("ports,why", [
    ("[{name: https, port: 443}]", "no port a VirtualService can route"),
    ("[]", "the Service has no ports"),
])
def test_no_virtual_service_says_why_when_nothing_else_is_generated(ports, why):
    objs, results = run(docs(namespace(), service(ports=ports), deployment()), {"destinationRule": {"enabled": False}})
    assert not objs or vs_of(objs) is None
    assert f"cart: no Istio config generated: {why}" in messages(results, "info")


def test_websocket_ports_get_no_timeout_and_the_user_hears_it():
    ports = "[{name: http-ws, port: 80, appProtocol: kubernetes.io/ws}, {port: 82}, {name: tcp-x, port: 90}]"
    objs, results = run(docs(namespace(), service(ports=ports), deployment()))
    http = vs_of(objs)["spec"]["http"]
    assert [("timeout" in r, r["match"]) for r in http] == [(False, [{"port": 80}]), (True, [{"port": 82}])]
    assert ("cart: no route timeout on port(s) 80: websocket connections live longer than any timeout, which would "
            "cut them off") in messages(results, "info")
    objs, results = run(docs(namespace(), service(ports=ports), deployment()), {"virtualService": {"timeout": None}})
    assert not [m for m in messages(results) if "websocket" in m]


def test_a_persons_route_attached_to_the_service_means_no_virtual_service():
    route = ("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: mine, namespace: shop}\n"
             "spec: {parentRefs: [{group: '', kind: Service, name: cart}]}\n")
    objs, results = run(docs(APP, route), {"destinationRule": {"enabled": False}})
    assert vs_of(objs) is None
    assert "cart: no VirtualService: the HTTPRoute shop/mine written for this Service routes it" in messages(results, "info")
    assert ("cart: no Istio config generated: kept the HTTPRoute shop/mine written for this Service"
            in messages(results, "info"))


def test_a_split_on_a_host_a_person_routes_is_warned_about():
    mine = ("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: mine, namespace: shop}\n"
            "spec: {hosts: [cart]}\n")
    text = docs(APP, mine, deployment(name="cart-v1", labels="{app: cart, version: v1}"))
    _, results = run(text, {"services": [{"name": "cart", "split": {"weights": {"v1": 100}}}]})
    assert ("cart: the split could not be applied: a VirtualService written for this host is kept as it is"
            in messages(results, "warning"))
    _, results = run(text)
    assert not [m for m in messages(results) if "split" in m]


def test_a_gateway_api_service_with_a_split_is_warned_that_it_is_not_applied():
    text = docs(APP, deployment(name="cart-v1", labels="{app: cart, version: v1}"))
    objs, results = run(text, {"routing": {"api": "gateway-api"},
                               "services": [{"name": "cart", "split": {"weights": {"v1": 100}}}]})
    assert vs_of(objs) is None
    assert ("cart: the split (spec.services[0]) is not applied: Gateway API routes have no subsets and split over "
            "per-version Services; set routing.versionServices: true to generate them") in messages(results, "warning")
    _, results = run(text, {"routing": {"api": "gateway-api"}})
    assert not [m for m in messages(results) if "split" in m]


def test_virtual_service_written_where_the_template_says():
    objs, _ = run(APP, {"paths": {"virtualService": "{dir}/istio/{namespace}-{name}.yaml"}}, path="apps/cart.yaml")
    assert vs_of(objs)["metadata"]["annotations"][PATH] == "apps/istio/shop-cart.yaml"
    objs, _ = run(APP, path="apps/cart.yaml")
    assert vs_of(objs)["metadata"]["annotations"][PATH] == "apps/istio-virtualservice.yaml"
    assert by_kind(objs, "DestinationRule")["cart-destination"]["metadata"]["annotations"][PATH] == \
        "apps/istio-destinationrule.yaml"


# --- DestinationRule ---------------------------------------------------------------------

@pytest.mark.parametrize("value,name", [
    ("v1", "v1"), ("a--b", "a--b"), ("1.4.2", "v1-4-2"), ("V1_4_2", "v1-4-2"), ("ABC", "abc"), ("x.y", "x-y"),
    ("-a-", "a"), ("--", "subset"), ("_", "subset"), ("a" * 70, "a" * 62), ("9" * 70, "v" + "9" * 62),
    ("a" * 61 + ".b", "a" * 61), ("1", "1"),
    # Leading separators go before the name is cut to length.
    ("--" + "a" * 70, "a" * 62),
])
def test_subset_names_are_dns_labels(value, name):
    from fn.policies.destinationrule import subset_name

    assert subset_name(value) == name


def test_subset_names_that_collide_count_up_past_every_taken_name():
    from fn.policies.destinationrule import subsets

    got = subsets("version", [{"version": "1.4.2"}, {"version": "v1-4-2"}, {"version": "V1.4.2"},
                              {"version": "v1-4-2-2"}, {"version": ""}, {"app": "x"}])
    assert [(s["name"], s["labels"]["version"]) for s in got] == [
        ("v1-4-2-3", "1.4.2"), ("v1-4-2-4", "V1.4.2"), ("v1-4-2", "v1-4-2"), ("v1-4-2-2", "v1-4-2-2")]
    long = subsets("version", [{"version": "a" * 70 + c} for c in ("", "b", "c")])
    assert [s["name"] for s in long] == ["a" * 62, "a" * 60 + "-2", "a" * 60 + "-3"]


def test_renamed_subsets_are_named_with_their_values():
    text = docs(namespace(), service(), deployment(labels="{app: cart, version: 1.4.2}"),
                deployment(name="b", labels="{app: cart, version: V1_4_2}"), deployment(name="c", labels="{app: cart, version: v2}"))
    objs, results = run(text)
    dr = by_kind(objs, "DestinationRule")["cart-destination"]
    assert [s["name"] for s in dr["spec"]["subsets"]] == ["v1-4-2", "v1-4-2-2", "v2"]
    assert ("cart: subset names must be DNS-1123 labels, so the subsets for version '1.4.2' as v1-4-2, 'V1_4_2' as "
            "v1-4-2-2 are named differently from their values") in messages(results, "info")
    objs, results = run(docs(namespace(), service(), deployment(labels="{app: cart, version: v2}")))
    assert not [m for m in messages(results) if "subset names" in m]


@pytest.mark.parametrize("waypoint,where", [
    (True, "its waypoint does not support subsets"),
    (False, "ztunnel routes at L4 and reads no subsets"),
])
def test_ambient_services_get_no_subsets_and_say_why(waypoint, where):
    # A TCP-only Service asks for nothing only a waypoint does, so it gets none.
    ports = "[{name: http, port: 80}]" if waypoint else "[{name: tcp-db, port: 5432}]"
    text = docs(namespace(labels="{istio.io/dataplane-mode: ambient}"), service(ports=ports),
                deployment(labels="{app: cart, version: v1}"))
    objs, results = run(text)
    assert "cart-destination" not in by_kind(objs, "DestinationRule")
    assert (f"cart: no subsets in ambient mode: {where}; split traffic by version with per-version Services and route "
            "weights (routing.versionServices)") in messages(results, "info")


def test_too_many_subsets_is_an_error_naming_the_count_and_the_limit():
    parts = [namespace(), service()] + [deployment(name=f"d{i}", labels=f"{{app: cart, version: v{i}}}") for i in range(129)]
    objs, results = run(docs(*parts))
    assert "cart-destination" not in by_kind(objs, "DestinationRule")
    [error] = [r for r in results if r.severity == "error"]
    assert error.message == ("cart: 129 distinct version values would become subsets (limit 128); generated no "
                             "DestinationRule for it")
    assert error.resource_ref["name"] == "cart"
    parts = [namespace(), service()] + [deployment(name=f"d{i}", labels=f"{{app: cart, version: v{i}}}") for i in range(128)]
    objs, results = run(docs(*parts))
    assert len(by_kind(objs, "DestinationRule")["cart-destination"]["spec"]["subsets"]) == 128
    assert not messages(results, "error")


def test_a_destination_rule_only_restating_defaults_is_not_generated_and_said():
    objs, results = run(docs(service(), deployment()), {"virtualService": {"enabled": False}})
    assert not by_kind(objs, "DestinationRule")
    assert ("cart: no DestinationRule: a DestinationRule would only restate Istio's defaults (no TLS, load balancer or "
            "subsets to set)") in messages(results, "info")
    assert ("cart: no Istio config generated: a DestinationRule would only restate Istio's defaults (no TLS, load "
            "balancer or subsets to set)") in messages(results, "info")


def test_export_scope_namespace_limits_both_objects_to_their_namespace():
    objs, _ = run(APP, {"exportScope": "namespace"})
    assert by_kind(objs, "DestinationRule")["cart-destination"]["spec"]["exportTo"] == ["."]
    assert vs_of(objs)["spec"]["exportTo"] == ["."]
    objs, _ = run(APP)
    assert "exportTo" not in by_kind(objs, "DestinationRule")["cart-destination"]["spec"]
    assert "exportTo" not in vs_of(objs)["spec"]


def test_tls_mode_auto_gives_no_istio_mutual_and_no_note():
    objs, results = run(APP, {"destinationRule": {"tlsMode": "auto", "loadBalancer": "RANDOM"}})
    assert by_kind(objs, "DestinationRule")["cart-destination"]["spec"]["trafficPolicy"] == \
        {"loadBalancer": {"simple": "RANDOM"}}
    assert not [m for m in messages(results) if "ISTIO_MUTUAL" in m]


# --- trafficPolicy (resilience) ------------------------------------------------------------

OUTLIER = {"resilience": {"outlierDetection": {"enabled": True}}}


def replicas(n: int, name: str = "cart") -> str:
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: shop}}\n"
            f"spec: {{replicas: {n}, template: {{metadata: {{labels: {{app: cart}}}}}}}}\n")


def outlier_warning(n: int, share: int) -> str:
    return (f"cart: outlier detection with {n} endpoint(s): Envoy ejects at least one endpoint whatever "
            f"maxEjectionPercent (10%) says, so one failing pod takes {share}% of the capacity away for 30s or more; "
            "run 3 or more replicas")


@pytest.mark.parametrize("pods,warning", [
    ([replicas(1)], outlier_warning(1, 100)),
    ([replicas(2)], outlier_warning(2, 50)),
    ([replicas(1), replicas(1, "b")], outlier_warning(2, 50)),
    ([replicas(3)], None),
    ([replicas(0)], None),
    ([replicas(2), "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: d, namespace: shop}\n"
                   "spec: {template: {metadata: {labels: {app: cart}}}}\n"], None),
])
def test_outlier_detection_on_few_endpoints_is_warned_about(pods, warning):
    _, results = run(docs(namespace(), service(), *pods), OUTLIER)
    got = [r for r in results if "outlier detection with" in r.message]
    assert [r.message for r in got] == ([warning] if warning else [])
    assert all(r.severity == "warning" and r.resource_ref["name"] == "cart" for r in got)


def test_outlier_detection_is_written_with_every_count_and_says_which_locality_is_meant():
    objs, _ = run(APP, {"resilience": {"outlierDetection": {"enabled": True}, "localityFailover": True}})
    policy = by_kind(objs, "DestinationRule")["cart-destination"]["spec"]["trafficPolicy"]
    assert policy == {"loadBalancer": {"localityLbSetting": {"enabled": True}},
                      "outlierDetection": {"consecutive5xxErrors": 0, "consecutiveGatewayErrors": 5, "interval": "10s",
                                           "baseEjectionTime": "30s", "maxEjectionPercent": 10},
                      "tls": {"mode": "ISTIO_MUTUAL"}}
    assert list(policy) == ["loadBalancer", "outlierDetection", "tls"]


def test_a_full_traffic_policy_keeps_istios_field_order():
    spec = {"destinationRule": {"loadBalancer": "LEAST_REQUEST"},
            "resilience": {"outlierDetection": {"enabled": True},
                           "connectionPool": {"tcp": {"maxConnections": 5, "connectTimeout": "1s"},
                                              "http": {"http1MaxPendingRequests": 1, "http2MaxRequests": 2,
                                                       "maxRequestsPerConnection": 3, "maxRetries": 4,
                                                       "idleTimeout": "5s"}}}}
    objs, _ = run(APP, spec)
    policy = by_kind(objs, "DestinationRule")["cart-destination"]["spec"]["trafficPolicy"]
    assert list(policy) == ["loadBalancer", "connectionPool", "outlierDetection", "tls"]
    assert policy["loadBalancer"] == {"simple": "LEAST_REQUEST", "localityLbSetting": {"enabled": False}}
    assert policy["connectionPool"] == {"tcp": {"maxConnections": 5, "connectTimeout": "1s"},
                                        "http": {"http1MaxPendingRequests": 1, "http2MaxRequests": 2,
                                                 "maxRequestsPerConnection": 3, "maxRetries": 4, "idleTimeout": "5s"}}
    assert list(policy["connectionPool"]["http"]) == ["http1MaxPendingRequests", "http2MaxRequests",
                                                      "maxRequestsPerConnection", "maxRetries", "idleTimeout"]


def storm(attempts: int, retries: int, limit: int, cap: str) -> str:
    return (f"cart: retry storm: {attempts} retry attempts per request can add {retries} retries on top of the pool's "
            f"{limit} requests with {cap}; set connectionPool.http.maxRetries at or below {limit}, or fewer attempts")


UNLIMITED = "no maxRetries, which Istio leaves unlimited"


@pytest.mark.parametrize("spec,warning", [
    ({"resilience": {"connectionPool": {"http": {"http2MaxRequests": 100}}}}, storm(3, 300, 100, UNLIMITED)),
    ({"resilience": {"connectionPool": {"http": {"http2MaxRequests": 100, "maxRetries": 101}}}},
     storm(3, 101, 100, "maxRetries 101")),
    ({"resilience": {"connectionPool": {"http": {"http2MaxRequests": 100, "maxRetries": 100}}}}, None),
    # http2MaxRequests is the limit when both are set.
    ({"resilience": {"connectionPool": {"http": {"http2MaxRequests": 100, "http1MaxPendingRequests": 10,
                                                 "maxRetries": 50}}}}, None),
    ({"resilience": {"connectionPool": {"http": {"http1MaxPendingRequests": 10}}}}, storm(3, 30, 10, UNLIMITED)),
    ({"resilience": {"connectionPool": {"tcp": {"maxConnections": 10}}}}, None),
    # One attempt adds at most the pool's own limit.
    ({"resilience": {"connectionPool": {"http": {"http2MaxRequests": 100}}}, "virtualService": {"retries": {"attempts": 1}}},
     None),
    ({"resilience": {"connectionPool": {"http": {"http2MaxRequests": 100}}}, "virtualService": {"retries": {"attempts": 0}}},
     None),
    ({"resilience": {"connectionPool": {"http": {"http2MaxRequests": 10}}}, "virtualService": {"retries": None},
      "services": [{"name": "cart", "ports": [{"port": 80, "retries": {"attempts": 2}}]}]}, storm(2, 20, 10, UNLIMITED)),
    ({"resilience": {"connectionPool": {"http": {"http2MaxRequests": 10}}}, "virtualService": {"retries": {"attempts": 1}},
      "services": [{"name": "cart", "ports": [{"port": 80, "timeout": "1s"}]}]}, None),
])
def test_retry_storms_are_warned_about(spec, warning):
    _, results = run(APP, spec)
    assert [m for m in messages(results, "warning") if "retry storm" in m] == ([warning] if warning else [])


MINE = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: mine, namespace: shop}\nspec: {host: cart}\n"


@pytest.mark.parametrize("resilience,names", [
    ({"outlierDetection": {"enabled": True}, "connectionPool": {"tcp": {"maxConnections": 10}}},
     "outlierDetection and connectionPool"),
    ({"connectionPool": {"tcp": {"maxConnections": 10}}}, "connectionPool"),
    ({"outlierDetection": {"enabled": True}}, "outlierDetection"),
    ({}, None),
])
def test_resilience_settings_a_persons_rule_blocks_are_named(resilience, names):
    objs, results = run(docs(APP, replicas(3, "cart-more"), MINE), {"resilience": resilience})
    assert "cart-destination" not in by_kind(objs, "DestinationRule")
    got = [r for r in results if "could not be applied" in r.message]
    assert [r.message for r in got] == ([
        f"cart: {names} could not be applied: DestinationRule shop/mine already covers this host, and Istio uses only "
        "one DestinationRule's trafficPolicy per host; add the settings to that rule"] if names else [])
    assert all(r.severity == "warning" and r.resource_ref["name"] == "cart" for r in got)


# --- routes: splits and per-port settings ------------------------------------------------

def versioned(ports: str = "[{name: http, port: 80}, {name: tcp-db, port: 5432}]", second: str = "2.0") -> str:
    return docs(namespace(), service(ports=ports), deployment(name="v1", labels="{app: cart, version: v1}"),
                deployment(name="v2", labels=f"{{app: cart, version: {second}}}"))


def split(**kwargs: Any) -> dict[str, Any]:
    return {"services": [{"name": "cart", "split": kwargs}]}


def dest(subset: str | None, port: int, weight: int | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {"host": "cart"}
    if subset:
        d["subset"] = subset
    d["port"] = {"number": port}
    return d if weight is None else {"destination": d, "weight": weight}


def test_a_split_with_a_header_match_and_a_mirror_on_every_port():
    spec = split(weights={"v1": 90, "2.0": 10}, mirror="v1", mirrorPercentage=5,
                 match={"headers": {"x-canary": {"exact": "1"}, "x-b": {"prefix": "p"}, "x-c": {"regex": "r"}},
                        "subset": "2.0"})
    objs, results = run(versioned(), spec)
    assert not messages(results, "error")
    vs = vs_of(objs)["spec"]
    timed = {"timeout": "30s", "retries": {"attempts": 3, "perTryTimeout": "10s"}}
    assert vs["http"] == [
        {"match": [{"port": 80, "headers": {"x-canary": {"exact": "1"}, "x-b": {"prefix": "p"}, "x-c": {"regex": "r"}}}],
         "route": [dest("v2-0", 80, 100)], **timed},
        {"match": [{"port": 80}], "route": [dest("v1", 80, 90), dest("v2-0", 80, 10)], "mirror": dest("v1", 80),
         "mirrorPercentage": {"value": 5.0}, **timed},
    ]
    assert vs["tcp"] == [{"match": [{"port": 5432}], "route": [dest("v1", 5432, 90), dest("v2-0", 5432, 10)]}]


def test_a_split_on_one_port_matches_headers_only_and_mirrors_all_traffic_without_a_percentage():
    spec = split(weights={"v1": 90, "v2": 10}, mirror="v2", match={"headers": {"x": {"exact": "1"}}, "subset": "v2"})
    objs, _ = run(versioned(ports="[{name: http, port: 80}]", second="v2"), spec)
    http = vs_of(objs)["spec"]["http"]
    assert http[0]["match"] == [{"headers": {"x": {"exact": "1"}}}]
    assert http[1]["mirror"] == dest("v2", 80) and "mirrorPercentage" not in http[1] and "match" not in http[1]


@pytest.mark.parametrize("weights,extra,missing,has", [
    ({"v1": 90, "v3": 10}, {}, "v3", "2.0, v1"),
    ({"v1": 100}, {"mirror": "v4"}, "v4", "2.0, v1"),
    ({"v1": 100}, {"match": {"headers": {"a": {"exact": "b"}}, "subset": "v9"}}, "v9", "2.0, v1"),
    ({"v8": 50, "v7": 50}, {}, "v7, v8", "2.0, v1"),
])
def test_a_split_to_a_version_no_workload_has_is_an_error_naming_it(weights, extra, missing, has):
    objs, results = run(versioned(), split(weights=weights, **extra))
    assert vs_of(objs) is None
    [error] = [r for r in results if r.severity == "error"]
    assert error.message == (
        f"cart: the split (spec.services[0]) sends traffic to version={missing}, but no workload the Service selects has "
        f"that label (it has: {has}); generated no VirtualService for it, since its traffic would fail with 503 no "
        "healthy upstream")
    assert error.resource_ref["name"] == "cart"


def test_a_split_by_annotation_with_no_versions_at_all_says_none():
    text = docs(namespace(), with_annotations(service(), "istio-mesh-fn.dev/split: 'v1=100'"), deployment())
    _, results = run(text)
    assert [m for m in messages(results, "error")] == [
        "cart: the split (annotation istio-mesh-fn.dev/split) sends traffic to version=v1, but no workload the Service "
        "selects has that label (it has: none); generated no VirtualService for it, since its traffic would fail with "
        "503 no healthy upstream"]


def test_a_split_needs_the_destination_rule():
    objs, results = run(versioned(), {**split(weights={"v1": 90, "2.0": 10}), "destinationRule": {"enabled": False}})
    assert not objs or vs_of(objs) is None
    assert messages(results, "error") == [
        "cart: a split needs the version subsets of a DestinationRule, and destinationRule.enabled is false; generated "
        "no VirtualService for it"]
    assert "cart: no Istio config generated: its split cannot be applied (see the error)" in messages(results, "info")


def test_a_split_over_a_persons_rule_needs_its_subsets():
    mine = ("apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: mine, namespace: shop}\n"
            "spec: {host: cart, subsets: [{name: v1}, 7]}\n")
    objs, results = run(docs(versioned(), mine), split(weights={"v1": 90, "2.0": 10}))
    assert vs_of(objs) is None
    assert messages(results, "error") == [
        "cart: the split could not be applied: DestinationRule shop/mine covers this host but defines no subset v2-0; "
        "add them there (or let the function generate the rule)"]
    complete = mine.replace("7]", "{name: v2-0}]")
    objs, results = run(docs(versioned(), complete), split(weights={"v1": 90, "2.0": 10}))
    assert not messages(results, "error")
    assert [r["destination"]["subset"] for r in vs_of(objs)["spec"]["http"][0]["route"]] == ["v1", "v2-0"]


def test_per_port_entries_that_do_not_apply_are_warnings_naming_them():
    spec = {"services": [{"name": "cart", "ports": [{"port": 81, "timeout": "1s"}, {"port": "tcp-db", "timeout": "1s"},
                                                    {"port": "http", "timeout": "2s", "retries": None}]}]}
    objs, results = run(versioned(), spec, path="apps/cart.yaml")
    warnings = [r for r in results if r.severity == "warning"]
    assert [w.message for w in warnings] == [
        "cart: ports[0] names port 81, which the Service does not have (it has: 80/http, 5432/tcp-db); ignored",
        "cart: ports[1] ('tcp-db') is not an HTTP-family port, and Envoy applies no route timeout or retries to TCP; ignored"]
    # Each warning points at the Service and its file.
    assert [(w.resource_ref["name"], w.file["path"]) for w in warnings] == [("cart", "apps/cart.yaml")] * 2
    assert vs_of(objs)["spec"]["http"] == [{"match": [{"port": 80}], "route": [dest(None, 80, 100)], "timeout": "2s"}]


def test_a_per_port_entry_names_the_ports_the_service_has_or_none():
    spec = {"services": [{"name": "cart", "ports": [{"port": 81, "timeout": "1s"}]}]}
    _, results = run(docs(namespace(), service(ports="[{port: 80}]"), deployment()), spec)
    warnings = [r for r in results if r.severity == "warning"]
    assert [(w.message, w.resource_ref["name"]) for w in warnings] == [
        ("cart: ports[0] names port 81, which the Service does not have (it has: 80); ignored", "cart")]
    _, results = run(docs(namespace(), service(ports="[]"), deployment()), spec)
    assert messages(results, "warning") == [
        "cart: ports[0] names port 81, which the Service does not have (it has: none); ignored"]


def test_per_port_entries_keep_what_they_do_not_set():
    spec = {"virtualService": {"timeout": "9s", "retries": {"attempts": 2, "perTryTimeout": "1s"}},
            "services": [{"name": "cart", "ports": [{"port": 80, "retries": {"attempts": 5}}, {"port": 81, "timeout": "3s"}]}]}
    objs, _ = run(docs(namespace(), service(ports="[{name: http, port: 80}, {name: http-b, port: 81}, {name: http-c, port: 82}]"),
                       deployment()), spec)
    assert [(r.get("timeout"), r["retries"]) for r in vs_of(objs)["spec"]["http"]] == [
        ("9s", {"attempts": 5, "perTryTimeout": "1s"}), ("3s", {"attempts": 2, "perTryTimeout": "1s"}),
        ("9s", {"attempts": 2, "perTryTimeout": "1s"})]


# --- HTTPRoute (Gateway API) ------------------------------------------------------------------

GW = {"routing": {"api": "gateway-api"}}
MIXED = docs(namespace(), service(ports="[{name: http, port: 80}, {name: grpc, port: 90}, {name: tcp-db, port: 5432}, "
                                        "{name: https, port: 443}]"), deployment())


def routes_of(objs, kind: str = "HTTPRoute") -> dict[str, dict[str, Any]]:
    return by_kind(objs, kind)


def test_http_route_on_the_standard_channel_drops_retries_and_says_how_to_keep_them():
    objs, results = run(MIXED, GW)
    assert list(routes_of(objs)) == ["cart"]
    [rule] = routes_of(objs)["cart"]["spec"]["rules"]
    assert rule == {"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                    "backendRefs": [{"group": "", "kind": "Service", "name": "cart", "port": 80, "weight": 1}],
                    "timeouts": {"request": "30s", "backendRequest": "10s"}}
    assert ("HTTPRoute: dropped retries (HTTPRoute retry is experimental-channel only) for 1 Service(s): cart (set "
            "routing.gatewayApiChannel: experimental when the cluster has those CRDs)") in messages(results, "info")
    assert "cart: no route for port(s) 443/https: TLS is routed by SNI and UDP is not proxied" in messages(results, "info")


def test_http_route_on_the_experimental_channel_keeps_retries_and_drops_what_it_cannot_say():
    spec = {"routing": {"api": "gateway-api", "gatewayApiChannel": "experimental", "grpc": "HTTPRoute"},
            "virtualService": {"timeout": "1s", "retries": {"attempts": 2, "perTryTimeout": "2s", "retryOn": "5xx"}}}
    objs, results = run(MIXED, spec)
    routes = routes_of(objs)
    assert sorted(routes) == ["cart-grpc", "cart-http"]
    for route in routes.values():
        [rule] = route["spec"]["rules"]
        assert (rule["retry"], rule["timeouts"]) == ({"attempts": 2}, {"request": "1s"})
    infos = messages(results, "info")
    assert "HTTPRoute: dropped backendRequest longer than the request timeout for 1 Service(s): cart" in infos
    assert ("HTTPRoute: dropped retryOn 5xx (the Gateway API retries on HTTP codes, not Envoy conditions) for 1 "
            "Service(s): cart") in infos
    assert not [m for m in infos if "experimental-channel only" in m]


def test_http_route_durations_in_the_gateway_api_format_and_no_retries_when_attempts_are_zero():
    spec = {"routing": {"api": "gateway-api", "gatewayApiChannel": "experimental"},
            "virtualService": {"timeout": "1.5s", "retries": {"attempts": 0, "perTryTimeout": "1s"}}}
    objs, results = run(MIXED, spec)
    [rule] = routes_of(objs)["cart"]["spec"]["rules"]
    assert rule["timeouts"] == {"request": "1s500ms"} and "retry" not in rule
    assert not [m for m in messages(results) if "dropped" in m]


def test_http_route_backend_request_equal_to_the_request_timeout_is_kept():
    spec = {**GW, "virtualService": {"timeout": "2s", "retries": {"attempts": 1, "perTryTimeout": "2s"}}}
    objs, results = run(MIXED, spec)
    [rule] = routes_of(objs)["cart"]["spec"]["rules"]
    assert rule["timeouts"] == {"request": "2s", "backendRequest": "2s"}
    spec = {**GW, "virtualService": {"timeout": None, "retries": {"attempts": 1, "perTryTimeout": "2s"}}}
    objs, _ = run(MIXED, spec)
    [rule] = routes_of(objs)["cart"]["spec"]["rules"]
    assert rule["timeouts"] == {"backendRequest": "2s"}
    spec = {**GW, "virtualService": {"timeout": "2s", "retries": {"attempts": 1, "perTryTimeout": None}}}
    objs, _ = run(MIXED, spec)
    [rule] = routes_of(objs)["cart"]["spec"]["rules"]
    assert rule["timeouts"] == {"request": "2s"}
    spec = {**GW, "virtualService": {"timeout": None, "retries": None}}
    objs, _ = run(MIXED, spec)
    [rule] = routes_of(objs)["cart"]["spec"]["rules"]
    assert "timeouts" not in rule and "retry" not in rule


def test_dropped_settings_name_each_service_once_sorted():
    text = docs(MIXED, service(name="a"), deployment(name="a", labels="{app: a}"))
    _, results = run(text, GW)
    assert [m for m in messages(results) if m.startswith("HTTPRoute: dropped retries")] == [
        "HTTPRoute: dropped retries (HTTPRoute retry is experimental-channel only) for 2 Service(s): a, cart (set "
        "routing.gatewayApiChannel: experimental when the cluster has those CRDs)"]


@pytest.mark.parametrize("ports,why", [
    ("[{name: https, port: 443}]", "no port a Gateway API route can carry"),
    ("[]", "the Service has no ports"),
])
def test_a_gateway_api_service_without_routable_ports_says_why(ports, why):
    objs, results = run(docs(namespace(), service(ports=ports), deployment()), {**GW, "destinationRule": {"enabled": False}})
    assert [o["kind"] for o in objs] == ["PeerAuthentication"]
    assert (f"cart: no Istio config generated: routed by Gateway API routes (routing.api gateway-api); {why}"
            in messages(results, "info"))


def test_a_tcp_only_gateway_api_service_is_routed_by_a_tcp_route_and_no_http_route():
    objs, results = run(docs(namespace(), service(ports="[{name: tcp-db, port: 5432}]"), deployment()),
                        {**GW, "destinationRule": {"enabled": False}})
    assert not routes_of(objs) and list(routes_of(objs, "TCPRoute")) == ["cart"]
    assert not [m for m in messages(results) if "no Istio config" in m or "HTTPRoute" in m]


def test_http_route_written_where_the_template_says():
    objs, _ = run(MIXED, {**GW, "paths": {"httpRoute": "routes/{namespace}/{name}.yaml"}}, path="apps/cart.yaml")
    assert routes_of(objs)["cart"]["metadata"]["annotations"][PATH] == "routes/shop/cart.yaml"


# --- base: names, labels and paths of per-Service objects ----------------------------------

def test_a_name_template_invalid_for_a_service_without_namespace_declines_with_why():
    spec = {"destinationRule": {"nameTemplate": "{namespace}-{name}"}, "virtualService": {"nameTemplate": "{namespace}-{name}"}}
    objs, results = run(docs(service(ns=None), deployment(ns=None)), spec, path="apps/cart.yaml")
    assert [o["kind"] for o in objs] == ["PeerAuthentication"]
    assert {(r.resource_ref["name"], r.file["path"]) for r in results if r.severity == "warning"} == \
        {("cart", "apps/cart.yaml")}
    assert messages(results, "warning") == [
        "cart: no DestinationRule: nameTemplate gives '-cart' (the Service sets no namespace)",
        "cart: no VirtualService: nameTemplate gives '-cart' (the Service sets no namespace)"]
    assert ("cart: no Istio config generated: no DestinationRule: nameTemplate gives '-cart' (the Service sets no "
            "namespace); no VirtualService: nameTemplate gives '-cart' (the Service sets no namespace)") \
        in messages(results, "info")


def test_label_templates_invalid_for_one_service_decline_it_naming_the_label():
    name = "a" * 40
    spec = {"destinationRule": {"nameTemplate": "{namespace}-{name}",
                                "labels": {"k": "{name}" + "x" * 30, "ok": "{namespace}"}}}
    objs, results = run(docs(namespace(), service(name=name), deployment(), service(name="b", selector="{app: cart}")), spec)
    assert list(by_kind(objs, "DestinationRule")) == ["shop-b"]
    assert by_kind(objs, "DestinationRule")["shop-b"]["metadata"]["labels"] == {"k": "b" + "x" * 30, "ok": "shop"}
    assert messages(results, "warning") == [f"{name}: no DestinationRule: labels.k gives '{name + 'x' * 30}'"]


def test_both_a_bad_name_and_a_bad_label_are_named():
    spec = {"virtualService": {"nameTemplate": "{namespace}-{name}", "labels": {"k": "{name}" + "x" * 30}}}
    name = "a" * 40
    _, results = run(docs(service(name=name, ns=None), deployment(ns=None)), spec)
    assert messages(results, "warning") == [
        f"{name}: no VirtualService: nameTemplate gives '-{name}', labels.k gives '{name + 'x' * 30}' (the Service sets "
        "no namespace)"]


def test_a_persons_object_with_the_generated_name_is_kept_and_said():
    mine = ("apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: cart-destination, namespace: shop}\n"
            "spec: {host: other}\n")
    objs, results = run(docs(APP, mine))
    assert "cart-destination" not in by_kind(objs, "DestinationRule")
    assert "cart: a DestinationRule named cart-destination already exists and is not ours to replace" in \
        messages(results, "info")
    elsewhere = mine.replace("namespace: shop", "namespace: web")
    objs, results = run(docs(APP, elsewhere))
    assert "cart-destination" in by_kind(objs, "DestinationRule")


@pytest.mark.parametrize("template,source,path", [
    ("{dir}/istio/{namespace}/{name}-dr.yaml", "apps/cart.yaml", "apps/istio/shop/cart-dr.yaml"),
    # A Service at the package root: {dir} is empty, and the path stays relative.
    ("{dir}/dr.yaml", "cart.yaml", "dr.yaml"),
    ("{dir}/./dr.yaml", "apps/cart.yaml", "apps/dr.yaml"),
    ("dr-{mode}.yaml", "apps/cart.yaml", "dr-strict.yaml"),
])
def test_paths_are_rendered_and_normalised(template, source, path):
    objs, _ = run(APP, {"paths": {"destinationRule": template}}, path=source)
    assert by_kind(objs, "DestinationRule")["cart-destination"]["metadata"]["annotations"][PATH] == path
