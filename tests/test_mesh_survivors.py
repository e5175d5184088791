"""The model's decisions where the mutation run of issue 17 (mutmut, at 80d73b7) showed
that no in-process test noticed a change: the exact reason a split over per-version
Services is or is not applied, which L7 features and JWT providers send an ambient Service
to a waypoint, which AuthorizationPolicy rules only a waypoint evaluates, how
ServiceAccounts per workload are named and what their messages say, and who the access
model lets in on which port."""

from __future__ import annotations

from typing import Any

import pytest

from fn import mesh
from fn.callgraph import CallGraph, Edge, Service as GraphService, ServicePort, ServiceRef, Workload, WorkloadRef
from fn.mesh.access import compute, service_callers
from fn.mesh.ingress import IngressRoute
from fn.mesh.serviceaccounts import _bindings
from fn.mesh.waypoints import jwt_providers, l7_features, l7_rules
from fn.results import Results
from fn.settings import load_settings
from krm import by_kind, generate, generated, items_from_yaml
from test_mesh_mutation import deployment, docs, namespace, service


def config(spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh", "spec": spec}


def run(text: str, spec: dict[str, Any] | None = None):
    items, results = generate(items_from_yaml(text), config(spec) if spec is not None else None)
    return generated(items), results, items


def settings(spec: dict[str, Any]):
    results = Results()
    s = load_settings(config(spec), results)
    assert s is not None, [r.message for r in results]
    return s


def with_annotations(text: str, notes: str) -> str:
    return text.replace("namespace: shop}", f"namespace: shop, annotations: {{{notes}}}}}", 1)


def said(results, prefix: str) -> list[tuple[str, str]]:
    return [(r.severity, r.message) for r in results if r.message.startswith(prefix)]


# --- versions: how a split is applied under the Gateway API --------------------------

SPLIT = 'istio-mesh-fn.dev/split: "v1=90,v2=10"'
GW_SPLIT = {"routing": {"api": "gateway-api", "versionServices": True}}
BY_ANNOTATION = "cart: the split (annotation istio-mesh-fn.dev/split)"


def versions(*labels: str) -> str:
    return docs(*(deployment(f"cart-{i}", labels=f"{{app: cart{', version: ' + v if v else ''}}}")
                  for i, v in enumerate(labels)))


@pytest.mark.parametrize("text,spec,expected", [
    (docs(namespace(), with_annotations(service(), SPLIT), versions("v1", "v2")),
     {**GW_SPLIT, "virtualService": {"enabled": False}},
     ("warning", f"{BY_ANNOTATION} is not applied: routes are off (virtualService.enabled: false)")),
    (docs(namespace(), with_annotations(service(selector=""), SPLIT), versions("v1", "v2")), GW_SPLIT,
     ("warning", f"{BY_ANNOTATION} is not applied: the Service has no selector to extend with the version label")),
    (docs(namespace(), with_annotations(service(), 'istio-mesh-fn.dev/split: "v1=40,v2=30,v3=30"'),
          versions("v1", "v4")), GW_SPLIT,
     ("error", f"{BY_ANNOTATION} sends traffic to version=v2, v3, but no workload the Service selects has that "
               "label (it has: v1, v4); not applied, since that share of its traffic would fail with 503 no healthy "
               "upstream")),
    (docs(namespace(), with_annotations(service(), SPLIT), versions("", "")), GW_SPLIT,
     ("error", f"{BY_ANNOTATION} sends traffic to version=v1, v2, but no workload the Service selects has that "
               "label (it has: none); not applied, since that share of its traffic would fail with 503 no healthy "
               "upstream")),
    (docs(namespace(), with_annotations(service(), 'istio-mesh-fn.dev/split: "v1.0=50,v2=50"'),
          service(name="cart-v2", selector="{app: other}"), versions("v1.0", "v2")), GW_SPLIT,
     ("warning", f"{BY_ANNOTATION} is not applied: 'cart-v1.0' is not a valid Service name (DNS-1035: lower case "
                 "letters, digits and '-', starting with a letter, at most 63); a Service cart-v2 already exists in "
                 "the input and is not ours to replace")),
])
def test_a_split_that_is_not_applied_says_exactly_why_and_generates_no_version_service(text, spec, expected):
    objs, results, _ = run(text, spec)
    assert said(results, "cart: the split") == [expected]
    assert not [name for name in by_kind(objs, "Service") if name.startswith("cart-")]


@pytest.mark.parametrize("split,source,expected", [
    ({"weights": {"v1": 90, "v2": 10}}, "spec.services[0]",
     ("info", "cart: the split (spec.services[0]) is applied over per-version Services cart-v1 (90%), "
              "cart-v2 (10%) (routing.versionServices)")),
    ({"weights": {"v1": 90, "v2": 10}, "mirror": "v2"}, "spec.services[0]",
     ("warning", "cart: the split (spec.services[0]) is applied over per-version Services cart-v1 (90%), "
                 "cart-v2 (10%) (routing.versionServices); its mirror is not applied (only the weights are, under "
                 "the Gateway API)")),
    ({"weights": {"v1": 90, "v2": 10}, "mirror": "v2",
      "match": {"headers": {"x-canary": {"exact": "true"}}, "subset": "v2"}}, "spec.services[0]",
     ("warning", "cart: the split (spec.services[0]) is applied over per-version Services cart-v1 (90%), "
                 "cart-v2 (10%) (routing.versionServices); its match and mirror is not applied (only the weights "
                 "are, under the Gateway API)")),
])
def test_an_applied_split_names_its_services_and_warns_about_what_the_gateway_api_drops(split, source, expected):
    spec = {**GW_SPLIT, "services": [{"name": "cart", "split": split}]}
    objs, results, _ = run(docs(namespace(), service(), versions("v1", "v2")), spec)
    assert said(results, "cart: the split") == [expected]
    assert sorted(name for name in by_kind(objs, "Service")) == ["cart-v1", "cart-v2"]


def test_an_unapplied_split_adds_no_version_service_to_the_waypoint_policy_targets():
    # The option off: the split is not applied, and the Service's waypoint policy
    # (ambient, authorization enforced) attaches to the Service alone.
    text = docs(namespace(labels="{}"), with_annotations(service(), SPLIT + ", istio-mesh-fn.dev/timeout: 5s"),
                versions("v1", "v2"))
    objs, results, _ = run(text, {"injection": {"mode": "ambient"}, "authorization": {"mode": "enforce"}})
    assert not [r.message for r in results if r.severity == "error"]
    assert by_kind(objs, "AuthorizationPolicy")["cart-waypoint"]["spec"]["targetRefs"] == [
        {"group": "", "kind": "Service", "name": "cart"}]
    assert said(results, "cart: the split") == [
        ("warning", f"{BY_ANNOTATION} is not applied: Gateway API routes have no subsets and split over per-version "
                    "Services; set routing.versionServices: true to generate them")]


# --- waypoints: the rules only a waypoint evaluates ------------------------------------

@pytest.mark.parametrize("rules,l7", [
    (["not a rule", {"to": [{"operation": {"paths": ["/a"]}}]}], True),
    ([{"to": ["not a dict"]}], False),
    ([{"to": ["not a dict", {"operation": {"methods": ["GET"]}}]}], True),
    ([{"to": [{"operation": {"ports": ["80"]}}]}], False),
    ([{"from": [{"source": {"requestPrincipals": ["*"]}}]}], True),
    ([{"from": [{"source": {"notRequestPrincipals": ["*"]}}]}], True),
    ([{"from": ["not a dict", {"source": {"principals": ["cluster.local/ns/shop/sa/web"]}}]}], False),
    ([{"from": [{"source": "not a dict"}]}], False),
    ([{"when": ["not a dict"]}], False),
    ([{"when": [{"values": ["no key"]}]}], False),
    ([{"when": [{"key": "source.ip", "values": ["10.0.0.1"]}]}], False),
    ([{"when": [{"key": "request.headers[x-user]", "values": ["a"]}]}], True),
    ([{"when": [{"key": "experimental.envoy.filters.network.mysql_proxy[db.table]", "values": ["a"]}]}], True),
    ("not a list", False),
])
def test_l7_rules_are_those_with_http_operations_request_principals_or_request_conditions(rules, l7):
    assert l7_rules(rules) is l7


# --- waypoints: the L7 features and JWT providers that need one ------------------------

HTTP, GRPC, TCP = "[{name: http, port: 80}]", "[{name: grpc, port: 9090}]", "[{name: tcp, port: 9000}]"
QUIET = {"timeout": None, "retries": None}


def model_service(text: str, spec: dict[str, Any]):
    s = settings(spec)
    model, _ = mesh.build(items_from_yaml(text), s)
    return next(svc for svc in model.services if svc.name == "cart"), s


def provider(name: str, **where: Any) -> dict[str, Any]:
    return {"name": name, "issuer": f"https://{name}.example/", "jwksUri": f"https://{name}.example/jwks", **where}


@pytest.mark.parametrize("ports,spec,expected", [
    # gRPC ports take timeouts and retries through VirtualServices, and through the
    # Gateway API only with routing.grpc: HTTPRoute (a GRPCRoute has neither).
    (GRPC, {"routing": {"api": "istio"}, "virtualService": {**QUIET, "timeout": "5s"}}, ["timeout 5s"]),
    (GRPC, {"routing": {"api": "gateway-api"}, "virtualService": {**QUIET, "timeout": "5s"}}, []),
    (GRPC, {"routing": {"api": "gateway-api", "grpc": "HTTPRoute"}, "virtualService": {**QUIET, "timeout": "5s"}},
     ["timeout 5s"]),
    (HTTP, {"routing": {"api": "istio"}, "virtualService": {**QUIET, "retries": {"attempts": 2}}}, ["2 retries"]),
    (HTTP, {"routing": {"api": "istio"}, "virtualService": {**QUIET, "retries": {"attempts": 1}}}, ["1 retries"]),
    (HTTP, {"routing": {"api": "istio"}, "virtualService": {**QUIET, "retries": {"attempts": 0}}}, []),
    # Retries reach a Gateway API route only on the experimental channel.
    (HTTP, {"routing": {"api": "gateway-api"}, "virtualService": {**QUIET, "retries": {"attempts": 2}}}, []),
    (HTTP, {"routing": {"api": "gateway-api", "gatewayApiChannel": "experimental"},
            "virtualService": {**QUIET, "retries": {"attempts": 2}}}, ["2 retries"]),
    (HTTP, {"virtualService": QUIET, "requestAuthentication": {"providers": [provider("a"), provider("b")]}},
     ["JWT validation (a, b)"]),
    # JWT rules apply to HTTP ports only.
    (TCP, {"virtualService": QUIET, "requestAuthentication": {"providers": [provider("a")]}}, []),
])
def test_l7_features_name_what_only_a_waypoint_enforces(ports, spec, expected):
    svc, s = model_service(docs(namespace(), service(ports=ports), deployment()), spec)
    assert l7_features(svc, s) == expected


def test_an_applied_split_is_an_l7_feature():
    text = docs(namespace(), with_annotations(service(), SPLIT), versions("v1", "v2"))
    svc, s = model_service(text, {**GW_SPLIT, "virtualService": QUIET})
    assert l7_features(svc, s) == ["a traffic split"]


@pytest.mark.parametrize("where,covered", [
    ({}, True),
    ({"namespaces": ["shop"]}, True),
    ({"namespaces": ["other"]}, False),
    ({"workloads": ["cart"]}, True),
    ({"workloads": ["shop/cart"]}, True),
    ({"workloads": ["other"]}, False),
    ({"workloads": ["shop/other"]}, False),
    ({"workloads": ["other/cart"]}, False),
])
def test_a_jwt_provider_covers_the_service_by_namespace_or_by_one_of_its_workloads(where, covered):
    spec = {"requestAuthentication": {"providers": [provider("a", **where)]}}
    svc, s = model_service(docs(namespace(), service(), deployment()), spec)
    assert jwt_providers(svc, s) == (["a"] if covered else [])


# --- serviceaccounts: per-workload ServiceAccounts -------------------------------------

PER_WORKLOAD = {"authorization": {"mode": "enforce", "serviceAccounts": "per-workload"}}
NS = namespace()


def workload(name: str = "cart", spec: str = "{containers: [{name: c, image: example/cart:1}]}") -> str:
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: shop}}\n"
            f"spec:\n  template:\n    metadata: {{labels: {{app: cart}}}}\n    spec: {spec}\n")


def account(name: str, ns: str = "shop") -> str:
    return f"apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: {name}, namespace: {ns}}}\n"


def runs_as(items, name: str):
    return next(i for i in items if i.kind == "Deployment" and i.name == name).get(
        "spec", "template", "spec", "serviceAccountName")


def test_a_rollout_borrowing_a_template_is_told_exactly_where_to_set_its_account():
    rollout = ("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web, namespace: shop}\n"
               "spec: {workloadRef: {apiVersion: apps/v1, kind: Deployment, name: cart}}\n")
    _, results, _ = run(docs(NS, workload(), rollout), PER_WORKLOAD)
    assert [m for m in said(results, "Rollout shop/web: it ran as")] == [
        ("warning", "Rollout shop/web: it ran as the default ServiceAccount, but it keeps it: its pods come from the "
                    "template of the item its spec.workloadRef names; give that item its serviceAccountName")]


@pytest.mark.parametrize("spec", ["oops", "[]", "7"])
def test_a_pod_spec_that_is_not_a_mapping_keeps_its_account_with_a_warning(spec):
    _, results, items = run(docs(NS, workload(spec=spec)), PER_WORKLOAD)
    assert said(results, "Deployment shop/cart") == [
        ("warning", "Deployment shop/cart: it ran as the default ServiceAccount, but it keeps it: spec.template.spec "
                    "is not a mapping")]
    assert not [i for i in items if i.kind == "ServiceAccount"]


def test_a_null_pod_spec_is_edited_like_an_empty_one():
    objs, results, items = run(docs(NS, workload(spec="~")), PER_WORKLOAD)
    assert not [m for _, m in said(results, "Deployment shop/cart") if "keeps it" in m]
    assert list(by_kind(objs, "ServiceAccount")) == ["cart"]
    assert runs_as(items, "cart") == "cart"


def long_name(length: int) -> str:
    """A valid DNS subdomain of ``length`` characters (labels of at most 63)."""
    labels, left = [], length
    while left > 64:
        labels.append("a" * 63)
        left -= 64
    return ".".join(labels + ["b" * left])


@pytest.mark.parametrize("length,moved", [(227, True), (228, False)])
def test_a_workload_name_has_room_for_the_longest_suffix_or_it_keeps_its_account(length, moved):
    # 253 is a name's limit, and "-replicationcontroller-99" (26) the longest suffix.
    name = long_name(length)
    assert len(name) == length
    objs, results, items = run(docs(NS, workload(name)), PER_WORKLOAD)
    warned = said(results, f"Deployment shop/{name}: it ran as")
    if moved:
        assert not warned and runs_as(items, name) == name and list(by_kind(objs, "ServiceAccount")) == [name]
    else:
        assert warned == [("warning", f"Deployment shop/{name}: it ran as the default ServiceAccount, but it keeps "
                                      "it: its name is too long to name a ServiceAccount after")]
        assert runs_as(items, name) is None and not by_kind(objs, "ServiceAccount")


@pytest.mark.parametrize("taken,expected", [
    ((), "cart"),
    (("cart",), "cart-deployment"),
    (("cart", "cart-deployment"), "cart-deployment-2"),
    (("cart", "cart-deployment", "cart-deployment-2"), "cart-deployment-3"),
    (("cart", "cart-deployment", "cart-deployment-2", "cart-deployment-3"), "cart-deployment-4"),
])
def test_a_taken_name_gets_the_kind_then_a_number_from_two(taken, expected):
    objs, _, items = run(docs(NS, workload(), *(account(n) for n in taken)), PER_WORKLOAD)
    assert runs_as(items, "cart") == expected
    assert list(by_kind(objs, "ServiceAccount")) == [expected]


@pytest.mark.parametrize("extra,spec,inherited", [
    ((account("default"),), "{containers: [{name: c, image: example/cart:1}]}",
     "ServiceAccount default has no imagePullSecrets or automountServiceAccountToken to copy"),
    ((), "{imagePullSecrets: [{name: registry}], containers: [{name: c, image: example/cart:1}]}",
     "its pod spec has imagePullSecrets of its own"),
    ((), "{containers: [{name: c, image: example/cart:1}]}",
     "ServiceAccount shop/default is not in the input: if it carries imagePullSecrets (a private registry), add them "
     "to cart or to the pod spec"),
])
def test_the_move_says_what_the_new_account_inherits(extra, spec, inherited):
    _, results, _ = run(docs(NS, workload(spec=spec), *extra), PER_WORKLOAD)
    assert said(results, "Deployment shop/cart: runs as") == [
        ("info", "Deployment shop/cart: runs as its own ServiceAccount cart now, generated (it ran as the default "
                 f"ServiceAccount); {inherited}")]


def binding(kind: str = "RoleBinding", ns: str | None = "shop", subjects: str = "[{kind: ServiceAccount, name: default}]",
            api: str = "rbac.authorization.k8s.io/v1") -> str:
    meta = "{name: reader" + (f", namespace: {ns}" if ns else "") + "}"
    return (f"apiVersion: {api}\nkind: {kind}\nmetadata: {meta}\n"
            f"roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}}\nsubjects: {subjects}\n")


def granted(text: str, spec: dict[str, Any] = PER_WORKLOAD) -> list[str]:
    _, results, _ = run(text, spec)
    assert not [r.message for r in results if r.severity == "error"]
    return [m for _, m in said(results, "Deployment shop/cart: ") if "grants" in m]


def grant(describe: str) -> str:
    return (f"Deployment shop/cart: {describe} grants ServiceAccount default rights that its own ServiceAccount cart "
            "does not get; add shop/cart to its subjects if the workload needs them")


@pytest.mark.parametrize("item,expected", [
    (binding(), [grant("RoleBinding shop/reader")]),
    (binding(subjects="[{kind: ServiceAccount, name: default, namespace: other}]"), []),
    (binding("ClusterRoleBinding", None, "[{kind: ServiceAccount, name: default, namespace: shop}]"),
     [grant("ClusterRoleBinding reader")]),
    # A ClusterRoleBinding's subject without a namespace names none.
    (binding("ClusterRoleBinding", None), []),
    # Only RBAC's own bindings grant rights, and only to their ServiceAccount subjects.
    (binding(api="example.com/v1"), []),
    (binding("ClusterRole", None, "[{kind: ServiceAccount, name: default, namespace: shop}]"), []),
    (binding(subjects="[not a subject, {kind: User, name: default, namespace: shop}]"), []),
    (binding(subjects="~"), []),
    (binding(subjects="{kind: ServiceAccount, name: default}"), []),
])
def test_bindings_that_grant_the_replaced_account_are_named(item, expected):
    assert granted(docs(NS, workload(), item)) == expected


def test_binding_subjects_without_a_namespace_take_the_default_namespace_in_a_rolebinding_only():
    spec = {**PER_WORKLOAD, "defaultNamespace": "shop"}
    assert granted(docs(NS, workload(), binding(ns=None)), spec) == [grant("RoleBinding reader")]
    assert granted(docs(NS, workload(), binding("ClusterRoleBinding", None)), spec) == []


def test_a_cluster_binding_subject_without_a_namespace_names_the_empty_namespace():
    # The model's namespace-less workloads (no defaultNamespace) are in namespace "".
    items = items_from_yaml(binding("ClusterRoleBinding", None))
    assert _bindings(items, "", "", "default", "cart") == ("ClusterRoleBinding reader",)
    assert _bindings(items, "", "shop", "default", "cart") == ()


# --- access: who is let in on which container port --------------------------------------

WEB = WorkloadRef("Deployment", "shop", "web")
CART = WorkloadRef("Deployment", "shop", "cart")
CART_SVC = ServiceRef("shop", "cart")
WEB_P = "cluster.local/ns/shop/sa/web"
GW_P = "cluster.local/ns/shop/sa/gw"
TWO_PORTS = (ServicePort(80, "http", "TCP", 8080), ServicePort(81, "admin", "TCP", 9000))


def graph(ports=TWO_PORTS, edge_ports: tuple[int, ...] = (), headless: bool = False,
          edges: tuple[Edge, ...] | None = None) -> CallGraph:
    workloads = (Workload(WEB, (), "web", ()), Workload(CART, (("app", "cart"),), "cart", (("http", 8080),)))
    svc = GraphService(CART_SVC, "ClusterIP", headless, (("app", "cart"),), ports, (CART,))
    edges = (Edge(WEB, CART_SVC, edge_ports, ()),) if edges is None else edges
    return CallGraph("cluster.local", workloads, (svc,), edges, (), ())


def test_a_port_whose_name_is_not_found_is_reported_and_the_others_still_granted():
    ports = (ServicePort(80, "metrics", "TCP", "metrics"), ServicePort(81, "admin", "TCP", 9000))
    acc = compute(graph(ports), (), "cluster.local")[CART]
    assert dict(acc.ports) == {9000: {WEB_P}}
    assert acc.unresolved == [f"{CART_SVC} port 80 targets 'metrics'"]


def test_calls_to_services_not_in_the_graph_are_skipped_and_the_rest_granted():
    edges = (Edge(WEB, ServiceRef("shop", "gone"), (), ()), Edge(WEB, CART_SVC, (80,), ()))
    acc = compute(graph(edges=edges), (), "cluster.local")[CART]
    assert dict(acc.ports) == {8080: {WEB_P}}


def test_a_call_to_some_ports_is_granted_on_those_only():
    acc = compute(graph(edge_ports=(81,)), (), "cluster.local")[CART]
    assert dict(acc.ports) == {9000: {WEB_P}}


def test_ingress_routes_to_unknown_services_are_skipped_and_the_rest_granted_on_their_ports():
    routes = (IngressRoute(("shop", "gone"), GW_P, "shop/gw", (), "x"),
              IngressRoute(("shop", "cart"), GW_P, "shop/gw", (81,), "y", True))
    acc = compute(graph(edges=()), routes, "cluster.local")[CART]
    assert dict(acc.ports) == {9000: {GW_P}}
    assert (acc.gateways, acc.assumed_gateways) == ({GW_P}, {GW_P})


@pytest.mark.parametrize("waypoints,headless,expected", [
    ({}, False, {}),
    ({("shop", "cart"): "waypoint"}, True, {}),
    ({("shop", "cart"): "waypoint"}, False, {CART_SVC: {80: {WEB_P}, 81: {WEB_P}}}),
])
def test_service_callers_are_only_those_of_services_behind_a_waypoint(waypoints, headless, expected):
    edges = (Edge(WEB, ServiceRef("shop", "gone"), (), ()), Edge(WEB, CART_SVC, (), ()))
    assert service_callers(graph(headless=headless, edges=edges), "cluster.local", waypoints) == expected


# --- ingress: a Gateway API parentRef names its Gateway --------------------------------

def test_a_parent_ref_without_a_name_is_no_ingress_gateway():
    # parentRefs[].name is required; a ref without one must not match an item that has
    # no name either (a local-config Gateway, which the input may hold unnamed).
    gateway = ("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {namespace: shop, annotations: "
               "{config.kubernetes.io/local-config: 'true'}}\nspec: {gatewayClassName: istio}\n")
    route = ("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: in, namespace: shop}\n"
             "spec: {parentRefs: [%s], rules: [{backendRefs: [{name: cart, port: 80}]}]}\n")
    text = docs(namespace(), service(), deployment(), deployment("web", labels="{app: web}"))
    named = docs(text, gateway.replace("{namespace: shop", "{name: gw, namespace: shop"), route % "{name: gw}")
    objs, _, _ = run(named, {"authorization": {"mode": "enforce"}})
    assert "cluster.local/ns/shop/sa/gw-istio" in str(by_kind(objs, "AuthorizationPolicy")["cart"])
    objs, _, _ = run(docs(text, gateway, route % "{kind: Gateway}"), {"authorization": {"mode": "enforce"}})
    assert "sa/-istio" not in str(by_kind(objs, "AuthorizationPolicy"))
