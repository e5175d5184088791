"""Gateway API routing (GAMMA) and ambient mode: what is generated, what is left alone,
and how a package generated for sidecars moves to ambient."""

from pathlib import Path

import pytest

from fn.policies.gamma import gateway_duration
from krm import by_kind, generate, generated, items_from_yaml, read_package

ROOT = Path(__file__).resolve().parents[1]
AMBIENT = {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh", "metadata": {"name": "m"},
           "spec": {"injection": {"mode": "ambient"}}}
GATEWAY_API = {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh", "metadata": {"name": "m"},
               "spec": {"routing": {"api": "gateway-api"}}}

SHOP = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart, namespace: shop}
spec:
  template: {metadata: {labels: {app: cart, version: v1}}}
---
apiVersion: v1
kind: Service
metadata: {name: cart, namespace: shop}
spec:
  selector: {app: cart}
  ports: [{name: http, port: 80}, {name: tcp-admin, port: 9000}]
"""


def kinds(objs):
    return sorted(o["kind"] for o in objs)


@pytest.mark.parametrize("text,expected", [
    ("30s", "30s"), ("1.5s", "1s500ms"), ("500ms", "500ms"), ("1m30s", "1m30s"), ("60s", "60s"), ("100000s", "27h46m40s"),
    ("2h", "2h"), ("0.001s", "1ms"),
])
def test_durations_become_gateway_api_durations(text, expected):
    assert gateway_duration(text) == expected


def test_kubestock_switched_to_ambient_replaces_every_sidecar_era_object():
    """prune + regenerate: the objects the sidecar-mode run generated disappear."""
    sidecar_items, sidecar_results = generate(read_package(ROOT / "kustomization-example" / "base"))
    assert not sidecar_results.has_errors()
    before = generated(sidecar_items)
    assert {"VirtualService", "DestinationRule"} <= set(kinds(before))
    ambient_items, results = generate(sidecar_items, AMBIENT)
    assert not results.has_errors(), [r.message for r in results]
    after = generated(ambient_items)
    assert "VirtualService" not in kinds(after)
    assert all("tls" not in (o["spec"].get("trafficPolicy") or {}) for o in by_kind(after, "DestinationRule").values())
    routes = by_kind(after, "HTTPRoute")
    assert len(routes) == 6
    assert all(r["spec"]["parentRefs"][0]["kind"] == "Service" for r in routes.values())
    assert list(by_kind(after, "Gateway")) == ["waypoint"]
    # The result equals running ambient mode on the original package, apart from the
    # injection label the first run added, which is reported, not removed.
    fresh_items, _ = generate(read_package(ROOT / "kustomization-example" / "base"), AMBIENT)
    assert sorted(map(repr, generated(fresh_items))) == sorted(map(repr, after))
    warnings = [r.message for r in results if r.severity == "warning"]
    assert any("still labelled istio-injection=enabled" in w for w in warnings)
    ns = next(i for i in ambient_items if i.kind == "Namespace")
    assert ns.labels["istio.io/dataplane-mode"] == "ambient" and ns.labels["istio.io/use-waypoint"] == "waypoint"


def test_never_a_virtualservice_and_an_httproute_for_one_service():
    items, _ = generate(items_from_yaml(SHOP), GATEWAY_API)
    objs = generated(items)
    assert "VirtualService" not in kinds(objs)
    assert set(by_kind(objs, "HTTPRoute")) == {"cart"} and set(by_kind(objs, "TCPRoute")) == {"cart"}
    person = SHOP + """
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: cart-by-hand, namespace: shop}
spec: {hosts: [cart.shop.svc.cluster.local], http: [{route: [{destination: {host: cart}}]}]}
"""
    items, results = generate(items_from_yaml(person), GATEWAY_API)
    objs = generated(items)
    assert "HTTPRoute" not in kinds(objs)
    assert any("would mix the two APIs" in r.message for r in results)


def test_a_person_s_httproute_means_no_generated_virtualservice():
    person = SHOP + """
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: cart-canary, namespace: shop}
spec:
  parentRefs: [{group: "", kind: Service, name: cart, port: 80}]
  rules: [{backendRefs: [{name: cart, port: 80}]}]
"""
    items, results = generate(items_from_yaml(person))
    assert "VirtualService" not in kinds(generated(items))
    assert any("HTTPRoute shop/cart-canary" in r.message for r in results)


def test_routing_api_per_service_annotation_and_override():
    text = SHOP.replace("metadata: {name: cart, namespace: shop}",
                        "metadata: {name: cart, namespace: shop, annotations: {istio-mesh-fn.dev/routing-api: gateway-api}}")
    objs = generated(generate(items_from_yaml(text))[0])
    assert "HTTPRoute" in kinds(objs) and "VirtualService" not in kinds(objs)
    override = {**GATEWAY_API, "spec": {"routing": {"api": "gateway-api"}, "services": [{"name": "cart", "routingApi": "istio"}]}}
    objs = generated(generate(items_from_yaml(SHOP), override)[0])
    assert "VirtualService" in kinds(objs) and "HTTPRoute" not in kinds(objs)


def test_bad_routing_api_annotation_is_an_error_naming_the_allowed_values():
    text = SHOP.replace("metadata: {name: cart, namespace: shop}",
                        "metadata: {name: cart, namespace: shop, annotations: {istio-mesh-fn.dev/routing-api: gamma}}")
    _, results = generate(items_from_yaml(text))
    errors = [r.message for r in results if r.severity == "error"]
    assert errors and "istio, gateway-api" in errors[0]


def test_retries_only_on_the_experimental_channel():
    items, results = generate(items_from_yaml(SHOP), GATEWAY_API)
    rule = by_kind(generated(items), "HTTPRoute")["cart"]["spec"]["rules"][0]
    assert "retry" not in rule and rule["timeouts"] == {"request": "30s", "backendRequest": "10s"}
    assert any("dropped retries" in r.message for r in results)
    exp = {**GATEWAY_API, "spec": {"routing": {"api": "gateway-api", "gatewayApiChannel": "experimental"}}}
    items, results = generate(items_from_yaml(SHOP), exp)
    rule = by_kind(generated(items), "HTTPRoute")["cart"]["spec"]["rules"][0]
    assert rule["retry"] == {"attempts": 3}
    assert not any("dropped retries" in r.message for r in results)


def test_ambient_without_l7_features_needs_no_waypoint():
    spec = {"injection": {"mode": "ambient"}, "virtualService": {"timeout": None, "retries": {"attempts": 0}}}
    items, results = generate(items_from_yaml(SHOP), {**AMBIENT, "spec": spec})
    objs = generated(items)
    assert "Gateway" not in kinds(objs) and "HTTPRoute" in kinds(objs)
    assert not [r.message for r in results if r.severity in ("warning", "error")]
    ns = next(i for i in items if i.kind == "Namespace")
    assert "istio.io/use-waypoint" not in ns.labels


def test_a_service_label_pointing_at_another_waypoint_is_respected():
    text = SHOP.replace("metadata: {name: cart, namespace: shop}",
                        "metadata: {name: cart, namespace: shop, labels: {istio.io/use-waypoint: shared}}")
    items, _ = generate(items_from_yaml(text), AMBIENT)
    assert "Gateway" not in kinds(generated(items))


def test_ambient_without_a_namespace_item_labels_the_services():
    text = SHOP.split("---", 1)[1]
    config = {**AMBIENT, "spec": {"injection": {"mode": "ambient", "namespaces": ["shop"]}}}
    items, _ = generate(items_from_yaml(text), config)
    # The Namespace lives elsewhere: the Services themselves are sent to the waypoint.
    svc = next(i for i in items if i.kind == "Service")
    assert svc.labels["istio.io/use-waypoint"] == "waypoint"
    assert list(by_kind(generated(items), "Gateway")) == ["waypoint"]
    again, _ = generate(items, config)
    assert sorted(map(repr, generated(again))) == sorted(map(repr, generated(items)))


GOLDEN = ROOT / "tests" / "golden"


@pytest.mark.parametrize("case,channels", [
    ("gateway-api", ("standard", "experimental")),
    ("gateway-api-experimental", ("experimental",)),
    ("ambient", ("standard", "experimental")),
    ("gateway-api-split", ("standard", "experimental")),
    ("ambient-authz", ("standard", "experimental")),
])
def test_generated_gateway_api_objects_pass_the_crds_of_their_channel(case, channels):
    import yaml

    from fn.analyze import schema

    items = yaml.safe_load((GOLDEN / case / "expected.yaml").read_text())["items"]
    ours = [o for o in items if o["apiVersion"].startswith("gateway.networking.k8s.io/")
            and "istio-mesh-fn.dev/generated-by" in (o["metadata"].get("annotations") or {})]
    assert ours
    for channel in channels:
        assert {o["metadata"]["name"]: [i.text for i in schema.validate(o, channel)] for o in ours} == \
            {o["metadata"]["name"]: [] for o in ours}


def test_retry_is_an_unknown_field_on_the_standard_channel():
    import yaml

    from fn.analyze import schema

    items = yaml.safe_load((GOLDEN / "gateway-api-experimental" / "expected.yaml").read_text())["items"]
    route = next(o for o in items if o["kind"] == "HTTPRoute" and o["metadata"]["name"] == "cart-http")
    assert [i.text for i in schema.validate(route, "standard")] == ['unknown field "spec.rules[0].retry"']


def test_analyze_checks_gateway_api_objects_against_the_chosen_channel(tmp_path):
    from fn.analyze.cli import main

    route = tmp_path / "route.yaml"
    route.write_text("""
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: db, namespace: shop}
spec:
  parentRefs: [{group: "", kind: Service, name: db, port: 5432}]
  rules: [{backendRefs: [{group: "", kind: Service, name: db, port: 5432, weight: 1}]}]
""")
    assert main(["--analyzers", "schema.ValidationAnalyzer", str(route)]) == 1
    assert main(["--analyzers", "schema.ValidationAnalyzer", "--gateway-api-channel", "experimental", str(route)]) == 0


def test_virtualservice_enabled_false_turns_gateway_api_routes_off_too():
    config = {**GATEWAY_API, "spec": {"routing": {"api": "gateway-api"}, "virtualService": {"enabled": False}}}
    items, _ = generate(items_from_yaml(SHOP), config)
    assert not {"HTTPRoute", "TCPRoute", "GRPCRoute", "VirtualService"} & set(kinds(generated(items)))


@pytest.mark.parametrize("doc,fragment", [
    ("kind: Sidecar\napiVersion: networking.istio.io/v1\nmetadata: {name: s}\nspec: {}", "no effect in ambient"),
    ("kind: EnvoyFilter\napiVersion: networking.istio.io/v1alpha3\nmetadata: {name: e}\nspec: {}", "not supported"),
    ("kind: RequestAuthentication\napiVersion: security.istio.io/v1\nmetadata: {name: j}\n"
     "spec: {selector: {matchLabels: {app: cart}}, jwtRules: [{issuer: x}]}", "targetRefs"),
    ("kind: AuthorizationPolicy\napiVersion: security.istio.io/v1\nmetadata: {name: a}\n"
     "spec: {selector: {matchLabels: {app: cart}}, rules: [{when: [{key: 'request.headers[x]', values: [y]}]}]}",
     "deny-all"),
])
def test_persons_sidecar_era_objects_in_ambient_namespaces_are_named_for_migration(doc, fragment):
    doc = doc.replace("metadata: {name: ", "metadata: {namespace: shop, name: ")
    items, results = generate(items_from_yaml(SHOP + "\n---\n" + doc), AMBIENT)
    warnings = [r.message for r in results if r.severity == "warning"]
    assert any(fragment in w and "ambient namespace shop" in w for w in warnings), warnings
    # The same object in a sidecar namespace is fine.
    _, results = generate(items_from_yaml(SHOP + "\n---\n" + doc))
    assert not any("ambient namespace" in r.message for r in results)


def test_l4_authorization_policy_on_a_selector_needs_no_migration():
    doc = ("kind: AuthorizationPolicy\napiVersion: security.istio.io/v1\nmetadata: {namespace: shop, name: a}\n"
           "spec: {selector: {matchLabels: {app: cart}}, rules: [{from: [{source: {principals: [x]}}]}]}")
    _, results = generate(items_from_yaml(SHOP + "\n---\n" + doc), AMBIENT)
    assert not any("AuthorizationPolicy" in r.message for r in results)


# Splits under the Gateway API: per-version Services (routing.versionServices).
TWO_VERSIONS = SHOP + """---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart-v2, namespace: shop}
spec:
  template: {metadata: {labels: {app: cart, version: v2}}}
"""


def split_config(spec=None, weights=None):
    base = {"routing": {"api": "gateway-api", "versionServices": True},
            "services": [{"name": "cart", "split": {"weights": weights or {"v1": 75, "v2": 25}}}]}
    return {**GATEWAY_API, "spec": {**base, **(spec or {})}}


def test_split_weights_every_route_over_the_version_services_and_a_rerun_changes_nothing():
    items, results = generate(items_from_yaml(TWO_VERSIONS), split_config())
    objs = generated(items)
    for kind in ("HTTPRoute", "TCPRoute"):
        for route in by_kind(objs, kind).values():
            port = route["spec"]["parentRefs"][0]["port"]
            assert route["spec"]["rules"][0]["backendRefs"] == [
                {"group": "", "kind": "Service", "name": "cart-v1", "port": port, "weight": 75},
                {"group": "", "kind": "Service", "name": "cart-v2", "port": port, "weight": 25}]
    svcs = by_kind(objs, "Service")
    assert sorted(svcs) == ["cart-v1", "cart-v2"]
    assert svcs["cart-v1"]["spec"] == {"selector": {"app": "cart", "version": "v1"},
                                       "ports": [{"name": "http", "port": 80}, {"name": "tcp-admin", "port": 9000}]}
    assert any("applied over per-version Services cart-v1 (75%), cart-v2 (25%)" in r.message for r in results)
    again, _ = generate(items, split_config())
    assert sorted(map(repr, generated(again))) == sorted(map(repr, generated(items)))


def test_without_the_option_the_split_is_not_applied_and_the_warning_names_the_option():
    config = split_config({"routing": {"api": "gateway-api"}})
    items, results = generate(items_from_yaml(TWO_VERSIONS), config)
    objs = generated(items)
    assert "Service" not in kinds(objs)
    assert by_kind(objs, "HTTPRoute")["cart"]["spec"]["rules"][0]["backendRefs"][0]["name"] == "cart"
    assert [r.message for r in results if r.severity == "warning"] == [
        "cart: the split (spec.services[0]) is not applied: Gateway API routes have no subsets and split over "
        "per-version Services; set routing.versionServices: true to generate them"]


def test_a_split_to_a_version_no_workload_has_is_an_error_and_not_applied():
    items, results = generate(items_from_yaml(TWO_VERSIONS), split_config(weights={"v1": 50, "v3": 50}))
    assert any(r.severity == "error" and "version=v3" in r.message for r in results)
    assert "Service" not in kinds(generated(items))


def test_a_split_alone_sends_an_ambient_service_through_a_waypoint():
    # No timeout and no retries: only the weighted backendRefs need L7 routing.
    spec = {"injection": {"mode": "ambient"}, "virtualService": {"timeout": None, "retries": {"attempts": 0}}}
    items, _ = generate(items_from_yaml(TWO_VERSIONS), split_config(spec))
    assert "Gateway" in kinds(generated(items))
    ns = next(i for i in items if i.kind == "Namespace")
    assert ns.labels["istio.io/use-waypoint"] == "waypoint"
