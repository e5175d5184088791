"""Per-Service annotations: each one's effect on the output, and the precedence
annotation > spec.services[] override > global setting."""

import pytest

from krm import by_kind, generate, generated, items_from_yaml

CONFIG = {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh", "spec": {
    "virtualService": {"timeout": "30s"},
    "services": [{"name": "cart", "timeout": "20s", "loadBalancer": "RANDOM", "retries": {"attempts": 2}}],
}}


def package(annotations: dict[str, str]) -> str:
    notes = "".join(f"\n      {k}: {v!r}" for k, v in annotations.items())
    return f"""
apiVersion: v1
kind: Namespace
metadata: {{name: shop}}
---
apiVersion: v1
kind: Service
metadata:
  name: cart
  namespace: shop
  annotations: {{}}{notes and ""}
spec:
  selector: {{app: cart}}
  ports: [{{name: http, port: 8080}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: cart, namespace: shop}}
spec:
  template: {{metadata: {{labels: {{app: cart, version: v1, track: blue}}}}}}
""".replace("annotations: {}", "annotations:" + notes if notes else "annotations: {}")


def run(annotations, config=CONFIG):
    items, results = generate(items_from_yaml(package(annotations)), config)
    objs = generated(items)
    return by_kind(objs, "DestinationRule").get("cart-destination"), by_kind(objs, "VirtualService").get("cart"), results


def route(vs):
    return vs["spec"]["http"][0]


CASES = [
    # (annotations, what to look at, expected); the override alone gives 20s, RANDOM, 2 attempts.
    ({}, lambda dr, vs: (route(vs)["timeout"], route(vs)["retries"]["attempts"]), ("20s", 2)),
    ({"istio-mesh-fn.dev/timeout": "7s"}, lambda dr, vs: route(vs)["timeout"], "7s"),
    ({"istio-mesh-fn.dev/timeout": "0s"}, lambda dr, vs: "timeout" in route(vs), False),
    ({"istio-mesh-fn.dev/timeout": "none"}, lambda dr, vs: "timeout" in route(vs), False),
    ({"istio-mesh-fn.dev/retries": "4"}, lambda dr, vs: route(vs)["retries"], {"attempts": 4, "perTryTimeout": "10s"}),
    ({"istio-mesh-fn.dev/retries": "0"}, lambda dr, vs: route(vs)["retries"], {"attempts": 0}),
    ({"istio-mesh-fn.dev/load-balancer": "LEAST_REQUEST"},
     lambda dr, vs: dr["spec"]["trafficPolicy"]["loadBalancer"], {"simple": "LEAST_REQUEST"}),
    ({}, lambda dr, vs: dr["spec"]["trafficPolicy"]["loadBalancer"], {"simple": "RANDOM"}),
    ({"istio-mesh-fn.dev/tls-mode": "auto"}, lambda dr, vs: "tls" in dr["spec"]["trafficPolicy"], False),
    ({}, lambda dr, vs: dr["spec"]["trafficPolicy"]["tls"], {"mode": "ISTIO_MUTUAL"}),
    ({"istio-mesh-fn.dev/subset-label": "track"}, lambda dr, vs: dr["spec"]["subsets"],
     [{"name": "blue", "labels": {"track": "blue"}}]),
    ({}, lambda dr, vs: dr["spec"]["subsets"], [{"name": "v1", "labels": {"version": "v1"}}]),
    ({"istio-mesh-fn.dev/skip": "true"}, lambda dr, vs: (dr, vs), (None, None)),
    ({"istio-mesh-fn.dev/skip": "false"}, lambda dr, vs: vs is not None, True),
]


@pytest.mark.parametrize("annotations,look,expected", CASES, ids=[str(c[0]) or "none" for c in CASES])
def test_annotation_effect(annotations, look, expected):
    dr, vs, results = run(annotations)
    assert not [r for r in results if r.severity == "error"]
    assert look(dr, vs) == expected


def test_annotation_beats_global_without_override():
    config = {**CONFIG, "spec": {"virtualService": {"timeout": "30s"}}}
    _, vs, _ = run({"istio-mesh-fn.dev/timeout": "3s"}, config)
    assert route(vs)["timeout"] == "3s"
    _, vs, _ = run({}, config)
    assert route(vs)["timeout"] == "30s"


@pytest.mark.parametrize("key,value,allowed", [
    ("timeout", "soon", "a duration"), ("retries", "many", "whole number"), ("tls-mode", "SIMPLE", "ISTIO_MUTUAL, auto"),
    ("load-balancer", "x", "ROUND_ROBIN"), ("skip", "yes", "true, false"), ("subset-label", "a b", "label key"),
    ("unknown", "1", "allowed: istio-mesh-fn.dev/skip"),
])
def test_bad_annotation_is_an_error_naming_service_annotation_and_allowed_values(key, value, allowed):
    dr, vs, results = run({f"istio-mesh-fn.dev/{key}": value})
    errors = [r for r in results if r.severity == "error"]
    assert len(errors) == 1
    msg = errors[0].message
    assert msg.startswith("cart: ") and f"istio-mesh-fn.dev/{key}" in msg and allowed in msg
    assert errors[0].resource_ref["name"] == "cart"
    # Nothing half-applied: the Service gets no object while its annotations are wrong.
    assert dr is None and vs is None
