"""Authorization in ambient mode with waypoints (Istio: "Use a waypoint proxy for L7
authorization policy", "Migrate policies"): callers are checked by the waypoint, on a
policy attached to the Service; the pods let in only the waypoint (and the ingress
gateways and scrapers that reach them directly)."""

import pytest

from fn import authzcheck
from fn.callgraph import infer
from fn.core import transform
from fn.items import Item
from fn.settings import Authorization, Injection, Settings
from krm import by_kind, generate, generated, items_from_yaml

from .test_authorization import app, typed

NS = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}"
WAYPOINT = "cluster.local/ns/shop/sa/waypoint"
WEB = "cluster.local/ns/shop/sa/web"
AMBIENT_ENFORCE = {"injection": {"mode": "ambient"}, "authorization": {"mode": "enforce"}}
# web calls cart (HTTP, gets a waypoint for its timeout) and db (TCP); nothing calls web.
SHOP = "\n---\n".join([
    NS,
    app("web", sa="web", env=["http://cart:80", "db:5432"]),
    app("cart", sa="cart", env=["db:5432"]),
    app("db", sa="db", port="{name: tcp-pg, port: 5432, targetPort: 5432}"),
])


def policies(objs):
    return by_kind(objs, "AuthorizationPolicy")


def rules(policy):
    return [(sorted(f["source"]["principals"]), r["to"][0]["operation"]["ports"])
            for r in policy["spec"].get("rules", []) for f in r["from"]]


def check(items, graph=None):
    return authzcheck.check(items, graph or infer(items, "cluster.local"), (), "cluster.local", "istio-system")


def test_callers_are_checked_at_the_waypoint_and_the_pods_let_in_only_the_waypoint():
    objs, results = (lambda r: (generated(r[0]), r[1]))(generate(items_from_yaml(SHOP), typed(AMBIENT_ENFORCE)))
    aps = policies(objs)
    assert aps["cart-waypoint"]["spec"]["targetRefs"] == [{"group": "", "kind": "Service", "name": "cart"}]
    assert "selector" not in aps["cart-waypoint"]["spec"]
    # The Service port (80), where the waypoint sees the call; the pods' port is 8080.
    assert rules(aps["cart-waypoint"]) == [([WEB], ["80"])]
    assert aps["cart"]["spec"]["selector"] == {"matchLabels": {"app": "cart"}}
    assert rules(aps["cart"]) == [([WAYPOINT], ["8080"])]
    # db needs no L7 feature, but the namespace label sends it through the waypoint too.
    assert rules(aps["db-waypoint"]) == [(["cluster.local/ns/shop/sa/cart", WEB], ["5432"])]
    assert rules(aps["db"]) == [([WAYPOINT], ["5432"])]
    # Nobody calls web: its waypoint policy allows nothing.
    assert aps["web-waypoint"]["spec"] == {"targetRefs": [{"group": "", "kind": "Service", "name": "web"}]}
    assert not [r.message for r in results if r.severity == "error"]


def test_the_self_check_understands_the_shape_and_would_catch_the_sidecar_one():
    items, _ = transform(items_from_yaml(SHOP), Settings(authorization=Authorization(mode="enforce"),
                                                         injection=Injection(mode="ambient")))
    report = check(items)
    assert report.needed and not report.denied and not report.beyond
    # The sidecar-era shape (callers on the pods' selector policy, nothing attached):
    # the pods see the waypoint, so every call through it is denied.
    cart = Item.from_obj({"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
                          "metadata": {"name": "cart", "namespace": "shop"},
                          "spec": {"selector": {"matchLabels": {"app": "cart"}}, "action": "ALLOW", "rules": [
                              {"from": [{"source": {"principals": [WEB]}}],
                               "to": [{"operation": {"ports": ["8080"]}}]}]}})
    sidecar_shape = [i for i in items if not (i.kind == "AuthorizationPolicy" and i.name in ("cart", "cart-waypoint"))]
    sidecar_shape.append(cart)
    assert ("cluster.local/ns/shop/sa/web", next(w.ref for w in infer(items, "cluster.local").workloads
                                                   if w.ref.name == "cart"), 8080) in check(sidecar_shape).denied


def test_without_the_attached_policy_anyone_reaches_the_pods_through_the_waypoint():
    items, _ = transform(items_from_yaml(SHOP), Settings(authorization=Authorization(mode="enforce"),
                                                         injection=Injection(mode="ambient")))
    open_waypoint = [i for i in items if not (i.kind == "AuthorizationPolicy" and i.name == "cart-waypoint")]
    assert {t[1].name for t in check(open_waypoint).beyond if t[0] == authzcheck.STRANGER} == {"cart"}


def test_a_service_that_opts_out_of_the_waypoint_keeps_its_callers_at_ztunnel():
    text = SHOP.replace("metadata: {name: db, namespace: shop}\nspec:\n  selector",
                        "metadata: {name: db, namespace: shop, labels: {istio.io/use-waypoint: none}}\nspec:\n  selector")
    assert "use-waypoint: none" in text
    objs = generated(generate(items_from_yaml(text), typed(AMBIENT_ENFORCE))[0])
    aps = policies(objs)
    assert "db-waypoint" not in aps
    assert rules(aps["db"]) == [(["cluster.local/ns/shop/sa/cart", WEB], ["5432"])]


def test_a_headless_service_s_callers_reach_the_pods_directly():
    text = SHOP.replace("  ports: [{name: tcp-pg, port: 5432, targetPort: 5432}]",
                        "  clusterIP: None\n  ports: [{name: tcp-pg, port: 5432, targetPort: 5432}]")
    items, results = generate(items_from_yaml(text), typed(AMBIENT_ENFORCE))
    aps = policies(generated(items))
    assert "db-waypoint" not in aps
    assert rules(aps["db"]) == [(["cluster.local/ns/shop/sa/cart", WEB], ["5432"])]
    assert not [r.message for r in results if r.severity == "error"]


def test_ambient_without_a_waypoint_keeps_the_l4_policy():
    spec = {**AMBIENT_ENFORCE, "virtualService": {"timeout": None, "retries": {"attempts": 0}}}
    aps = policies(generated(generate(items_from_yaml(SHOP), typed(spec))[0]))
    assert not [n for n in aps if n.endswith("-waypoint")]
    assert rules(aps["cart"]) == [([WEB], ["8080"])]


def test_an_ingress_gateway_reaches_the_pods_directly_and_stays_in_their_policy():
    gateway = """apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shop-gateway, namespace: shop}
spec:
  gatewayClassName: istio
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: front, namespace: shop}
spec:
  parentRefs: [{name: shop-gateway}]
  rules: [{backendRefs: [{name: cart, port: 80}]}]"""
    items, results = generate(items_from_yaml(SHOP + "\n---\n" + gateway), typed(AMBIENT_ENFORCE))
    aps = policies(generated(items))
    assert rules(aps["cart"]) == [(["cluster.local/ns/shop/sa/shop-gateway-istio", WAYPOINT], ["8080"])]
    assert rules(aps["cart-waypoint"]) == [([WEB], ["80"])]
    assert not [r.message for r in results if r.severity == "error"]


JWT = {"name": "auth0", "issuer": "https://shop.example/", "jwksUri": "https://shop.example/jwks.json",
       "requireJwt": True}


@pytest.mark.parametrize("where", [{"workloads": ["shop/cart"]}, {"namespaces": ["shop"]}])
def test_request_authentication_and_require_jwt_attach_to_the_waypoint(where):
    # No route timeout or retries: the JWT provider alone asks for the waypoint.
    spec = {**AMBIENT_ENFORCE, "virtualService": {"timeout": None, "retries": {"attempts": 0}},
            "requestAuthentication": {"providers": [{**JWT, **where}]}}
    items, results = generate(items_from_yaml(SHOP), typed(spec))
    objs = generated(items)
    assert "waypoint" in by_kind(objs, "Gateway")
    ras = by_kind(objs, "RequestAuthentication")
    assert ras and all("selector" not in ra["spec"] and ra["spec"]["targetRefs"] for ra in ras.values())
    if "namespaces" in where:
        assert ras["jwt-auth0"]["spec"]["targetRefs"] == [
            {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "waypoint"}]
    else:
        assert ras["jwt-auth0-cart"]["spec"]["targetRefs"] == [{"group": "", "kind": "Service", "name": "cart"}]
    deny = policies(objs)["require-jwt-auth0-cart"]["spec"]
    assert deny["targetRefs"] == [{"group": "", "kind": "Service", "name": "cart"}]
    assert deny["rules"][0]["to"][0]["operation"]["ports"] == ["80"]
    assert not [r.message for r in results if r.severity == "error" or "needs a waypoint" in r.message]


def test_graph_edges_are_allowed_through_the_waypoint_only_with_the_attached_policy():
    items, _ = transform(items_from_yaml(SHOP), Settings(authorization=Authorization(mode="enforce"),
                                                         injection=Injection(mode="ambient")))
    graph = infer(items, "cluster.local")
    allowed = authzcheck.edges_allowed(items, graph, "cluster.local", "istio-system")
    assert allowed and all(allowed.values())
    # Callers named on the pods instead: the pods see the waypoint, so the calls fail.
    sidecar_shape = [i for i in items if not (i.kind == "AuthorizationPolicy" and i.name in ("cart", "cart-waypoint"))]
    sidecar_shape.append(Item.from_obj({
        "apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy", "metadata": {"name": "cart", "namespace": "shop"},
        "spec": {"selector": {"matchLabels": {"app": "cart"}}, "rules": [{"from": [{"source": {"principals": [WEB]}}]}]}}))
    edges = {(c.name, s.name): ok for (c, s), ok in
             authzcheck.edges_allowed(sidecar_shape, graph, "cluster.local", "istio-system").items()}
    assert edges[("web", "cart")] is False and edges[("web", "db")] is True


def test_require_jwt_on_a_headless_service_is_not_attached_to_the_waypoint():
    # Its clients address the pods, so a policy at the waypoint would never see them.
    text = SHOP.replace("metadata: {name: cart, namespace: shop}\nspec:\n  selector",
                        "metadata: {name: cart, namespace: shop}\nspec:\n  clusterIP: None\n  selector")
    assert "clusterIP: None" in text
    spec = {**AMBIENT_ENFORCE, "requestAuthentication": {"providers": [{**JWT, "workloads": ["shop/cart"]}]}}
    items, results = generate(items_from_yaml(text), typed(spec))
    objs = generated(items)
    ra = by_kind(objs, "RequestAuthentication")["jwt-auth0-cart"]["spec"]
    assert ra["selector"] == {"matchLabels": {"app": "cart"}} and "targetRefs" not in ra
    assert any("requireJwt in an ambient namespace needs a waypoint" in r.message for r in results)
