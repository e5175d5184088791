"""The offline evaluator follows Istio's AuthorizationPolicy semantics
(https://istio.io/latest/docs/concepts/security/#authorization-policy-precedence)."""

from fn.authzcheck import Evaluator, Policy
from fn.callgraph import Workload, WorkloadRef

W = Workload(WorkloadRef("Deployment", "shop", "api"), (("app", "api"),), "api", ())
A = "cluster.local/ns/shop/sa/web"
B = "cluster.local/ns/other/sa/x"


def ev(*policies, root="istio-system"):
    return Evaluator(list(policies), root)


def allow(rules, ns="shop", selector=(("app", "api"),), name="p"):
    return Policy(ns, name, selector, "ALLOW", tuple(rules))


def deny(rules, ns="shop", selector=(("app", "api"),), name="d"):
    return Policy(ns, name, selector, "DENY", tuple(rules))


def src(**s):
    return {"from": [{"source": s}]}


def test_no_policy_allows_everything():
    assert ev().allowed(A, W, 8080)


def test_allow_nothing_denies_everything():
    assert not ev(Policy("shop", "allow-nothing", None, "ALLOW", ())).allowed(A, W, 8080)


def test_an_empty_rule_allows_everything():
    assert ev(allow([{}])).allowed(B, W, 1)


def test_principals_and_ports():
    e = ev(allow([{**src(principals=[A]), "to": [{"operation": {"ports": ["8080"]}}]}]))
    assert e.allowed(A, W, 8080)
    assert not e.allowed(A, W, 9090)
    assert not e.allowed(B, W, 8080)


def test_prefix_suffix_and_namespaces():
    assert ev(allow([src(principals=["cluster.local/ns/shop/*"])])).allowed(A, W, 1)
    assert ev(allow([src(principals=["*/sa/web"])])).allowed(A, W, 1)
    assert ev(allow([src(namespaces=["shop"])])).allowed(A, W, 1)
    assert not ev(allow([src(namespaces=["shop"])])).allowed(B, W, 1)
    assert not ev(allow([src(notPrincipals=[A])])).allowed(A, W, 1)


def test_deny_wins_over_allow():
    assert not ev(allow([{}]), deny([src(principals=[A])])).allowed(A, W, 1)


def test_selector_and_namespace_scope():
    other = allow([src(principals=[B])], selector=(("app", "web"),))
    assert ev(other).allowed(A, W, 1)  # selects another workload: no ALLOW applies here
    assert not ev(allow([src(principals=[B])], ns="istio-system", selector=None)).allowed(A, W, 1)  # root: mesh-wide
    assert ev(allow([src(principals=[B])], ns="elsewhere", selector=None)).allowed(A, W, 1)


def test_http_only_allow_rule_is_skipped_on_tcp_ports():
    e = ev(allow([{**src(principals=[A]), "to": [{"operation": {"methods": ["GET"]}}]}]))
    assert not e.allowed(A, W, 5432, http=False)


def test_http_only_deny_rule_denies_all_on_tcp_ports():
    e = ev(allow([{}]), deny([{"to": [{"operation": {"methods": ["DELETE"]}}]}]))
    assert not e.allowed(A, W, 5432, http=False)


def test_require_jwt_deny_is_satisfied_by_a_token_on_http_ports_and_denies_tcp():
    rule = {**src(notRequestPrincipals=["*"]), "to": [{"operation": {"ports": ["8080"]}}]}
    e = ev(allow([{}]), deny([rule]))
    assert e.allowed(A, W, 8080, http=True)
    assert e.allowed(A, W, 5432, http=False)  # another port: the rule does not apply
    unrestricted = ev(allow([{}]), deny([src(notRequestPrincipals=["*"])]))
    assert not unrestricted.allowed(A, W, 5432, http=False)


# Ambient waypoints: policies attached with targetRefs apply at the waypoint, never at ztunnel.
def attached(rules, target=("", "Service", "api"), ns="shop", name="a", action="ALLOW"):
    return Policy(ns, name, None, action, tuple(rules), (target,))


def test_an_attached_policy_does_not_apply_to_the_pods():
    e = ev(attached([src(principals=[B])]))
    assert e.applicable(W) == []
    assert e.allowed(A, W, 8080)


def test_the_waypoint_applies_policies_attached_to_the_service_its_gateway_or_every_waypoint():
    on_service = attached([src(principals=[A])], name="s")
    on_gateway = attached([src(principals=[A])], ("gateway.networking.k8s.io", "Gateway", "waypoint"), name="g")
    everywhere = attached([src(principals=[A])], ("gateway.networking.k8s.io", "GatewayClass", "istio-waypoint"),
                          ns="istio-system", name="c")
    other = attached([src(principals=[A])], ("", "Service", "web"), name="o")
    e = ev(on_service, on_gateway, everywhere, other)
    assert [p.name for p in e.at_waypoint("shop", "api", "waypoint")] == ["s", "g", "c"]
    assert [p.name for p in e.at_waypoint("shop", "api", "other")] == ["s", "c"]
