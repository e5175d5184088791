"""Every setting in the README's FunctionConfig table, set, and its effect on the output.

One case per row: the config, and an assertion on what the function generates (not only
that the value validates). ``test_every_readme_row_has_an_effect_case`` keeps the table
and these cases in step, so a new setting without an effect test fails here.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any, Callable

import pytest

from krm import by_kind, generate, generated, items_from_yaml

ROOT = Path(__file__).resolve().parents[1]

# A package with what every setting can act on: an application namespace, a two-port
# Service with two versions, a one-port Service, and a Service in a system namespace.
PACKAGE = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Service
metadata: {name: cart, namespace: shop, labels: {tier: backend}}
spec:
  selector: {app: cart}
  ports: [{name: http, port: 8080}, {name: grpc, port: 9090}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart-v1, namespace: shop}
spec: {template: {metadata: {labels: {app: cart, version: v1, track: stable}}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart-v2, namespace: shop}
spec: {template: {metadata: {labels: {app: cart, version: v2, track: canary}}}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop, labels: {tier: frontend}}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80}, {name: tcp-metrics, port: 9100}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {tier: frontend}}
spec:
  template:
    metadata: {labels: {app: web}, annotations: {prometheus.io/port: "9090"}}
    spec:
      containers:
      - name: web
        image: example/web
        env: [{name: CART, value: "cart:8080"}, {name: PAYMENTS, value: "https://api.stripe.com"}]
---
apiVersion: v1
kind: Service
metadata: {name: tools}
spec:
  selector: {app: tools}
  ports: [{name: http, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: dns, namespace: kube-system}
spec:
  selector: {app: dns}
  ports: [{name: http, port: 53}]
"""

KUSTOMIZATION = """
---
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [app.yaml]
"""


def run(spec: dict[str, Any], *, with_paths: bool = False, plant: str | None = None,
        plant_schema: bool = False) -> tuple[list[dict[str, Any]], Any, Any]:
    config = {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh", "spec": spec}
    items = items_from_yaml(PACKAGE, "app.yaml" if with_paths else None)
    if with_paths:
        items += items_from_yaml(KUSTOMIZATION, "kustomization.yaml")
    with planted(plant, plant_schema):
        out, results = generate(items, config)
    return generated(out), results, out


@contextlib.contextmanager
def planted(level: str | None, schema_error: bool):
    """The generator's output is clean by design, so the self-check settings are shown
    on a planted defect: a finding of ``level`` about the first generated VirtualService
    (in the analyzer runner's result), or a generated route with a field the CRD schema
    refuses (made by the virtualservice policy itself)."""
    from fn.analyze import model, runner
    from fn.policies import virtualservice

    real_run, real_build = runner.run, virtualservice.build

    def run_with_finding(resources, **kw):
        found = real_run(resources, **kw)
        vs_ = next((r for r in resources if r.kind == "VirtualService" and r.item is not None
                    and r.item.annotations.get("istio-mesh-fn.dev/generated-by")), None)
        if level and vs_ is not None:
            found.append(model.Finding(code="IST0130", name="VirtualServiceUnreachableRule", level=level,
                                       analyzer="planted", message="planted", resource=vs_))
        return found

    def build_with_bad_field(**kw):
        obj = real_build(**kw)
        if obj is not None:
            obj["spec"]["http"][0]["timeout"] = "thirty seconds"
        return obj

    runner.run = run_with_finding
    if schema_error:
        virtualservice.build = build_with_bad_field
    try:
        yield
    finally:
        runner.run, virtualservice.build = real_run, real_build


def dr(objs, name="cart"):
    return by_kind(objs, "DestinationRule").get(f"{name}-destination") or by_kind(objs, "DestinationRule").get(name)


def vs(objs, name="cart"):
    return by_kind(objs, "VirtualService").get(name)


def policy(objs, name="cart"):
    return dr(objs, name)["spec"].get("trafficPolicy", {})


def od(objs, name="cart"):
    return policy(objs, name).get("outlierDetection", {})


def pas(objs):
    return [o for o in objs if o["kind"] == "PeerAuthentication"]


def ns_labels(items, name="shop"):
    return next(i.labels for i in items if i.kind == "Namespace" and i.name == name)


def path_of(objs, kind, name):
    o = by_kind(objs, kind)[name]
    return o["metadata"]["annotations"]["internal.config.kubernetes.io/path"]


def route(objs, kind, name="cart"):
    return by_kind(objs, kind).get(name) or {}


def path_or_none(objs, kind, name):
    o = by_kind(objs, kind).get(name)
    return o["metadata"]["annotations"]["internal.config.kubernetes.io/path"] if o else None


GW = {"api": "gateway-api"}


def errors(results):
    return [r for r in results if r.severity == "error"]


Check = Callable[[list[dict[str, Any]], Any, Any], Any]

# field -> (spec, keyword args for run, check returning True when the effect is there).
CASES: dict[str, tuple[dict[str, Any], dict[str, Any], Check]] = {
    "defaultNamespace": ({"defaultNamespace": "shop"}, {},
                         lambda o, r, i: vs(o, "tools")["metadata"].get("namespace") == "shop"),
    "injection.mode": ({"injection": {"mode": "ambient"}}, {},
                       lambda o, r, i: ns_labels(i) == {"istio.io/dataplane-mode": "ambient",
                                                        "istio.io/use-waypoint": "waypoint"}),
    "injection.revision": ({"injection": {"mode": "revision", "revision": "1-24"}}, {},
                           lambda o, r, i: ns_labels(i) == {"istio.io/rev": "1-24"}),
    "injection.namespaces": ({"injection": {"namespaces": ["other"]}}, {},
                             lambda o, r, i: ns_labels(i) == {} and "tls" not in dr(o)["spec"].get("trafficPolicy", {})),
    "mtls.mode": ({"mtls": {"mode": "PERMISSIVE"}}, {},
                  lambda o, r, i: pas(o)[0]["spec"]["mtls"]["mode"] == "PERMISSIVE"),
    "mtls.scope": ({"mtls": {"scope": "namespace"}}, {},
                   lambda o, r, i: sorted(p["metadata"].get("namespace", "") for p in pas(o)) == ["", "shop"]),
    "mtls.rootNamespace": ({"mtls": {"rootNamespace": "istio-config"}}, {},
                           lambda o, r, i: [p["metadata"]["namespace"] for p in pas(o)] == ["istio-config"]),
    "destinationRule.enabled": ({"destinationRule": {"enabled": False}}, {},
                                lambda o, r, i: not by_kind(o, "DestinationRule") and vs(o) is not None),
    "destinationRule.nameTemplate": ({"destinationRule": {"nameTemplate": "{name}-dr"}}, {},
                                     lambda o, r, i: "cart-dr" in by_kind(o, "DestinationRule")),
    "destinationRule.labels": ({"destinationRule": {"labels": {"team": "{namespace}"}}}, {},
                               lambda o, r, i: dr(o)["metadata"]["labels"] == {"team": "shop"}),
    "destinationRule.tlsMode": ({"destinationRule": {"tlsMode": "auto"}}, {},
                                lambda o, r, i: "trafficPolicy" not in dr(o)["spec"]),
    "destinationRule.loadBalancer": ({"destinationRule": {"loadBalancer": "LEAST_REQUEST"}}, {},
                                     lambda o, r, i: dr(o)["spec"]["trafficPolicy"].get("loadBalancer") == {"simple": "LEAST_REQUEST"}),
    "destinationRule.subsetLabel": ({"destinationRule": {"subsetLabel": "track"}}, {},
                                    lambda o, r, i: [s["name"] for s in dr(o)["spec"]["subsets"]] == ["canary", "stable"]),
    "virtualService.enabled": ({"virtualService": {"enabled": False}}, {},
                               lambda o, r, i: not by_kind(o, "VirtualService") and dr(o) is not None),
    "virtualService.nameTemplate": ({"virtualService": {"nameTemplate": "{name}-routes"}}, {},
                                    lambda o, r, i: "cart-routes" in by_kind(o, "VirtualService")),
    "virtualService.labels": ({"virtualService": {"labels": {"app": "{name}"}}}, {},
                              lambda o, r, i: vs(o)["metadata"].get("labels") == {"app": "cart"}),
    "virtualService.timeout": ({"virtualService": {"timeout": "7s"}}, {},
                               lambda o, r, i: {h["timeout"] for h in vs(o)["spec"]["http"]} == {"7s"}),
    "virtualService.retries.attempts": ({"virtualService": {"retries": {"attempts": 0}}}, {},
                                        lambda o, r, i: vs(o)["spec"]["http"][0]["retries"] == {"attempts": 0}),
    "virtualService.retries.perTryTimeout": ({"virtualService": {"retries": {"perTryTimeout": "2s"}}}, {},
                                             lambda o, r, i: vs(o)["spec"]["http"][0]["retries"]["perTryTimeout"] == "2s"),
    "virtualService.retries.retryOn": ({"virtualService": {"retries": {"retryOn": "5xx,reset"}}}, {},
                                       lambda o, r, i: vs(o)["spec"]["http"][0]["retries"].get("retryOn") == "5xx,reset"),
    "hosts.style": ({"hosts": {"style": "fqdn"}}, {},
                    lambda o, r, i: vs(o)["spec"]["hosts"] == ["cart.shop.svc.cluster.local"]),
    "hosts.clusterDomain": ({"hosts": {"style": "fqdn", "clusterDomain": "corp.local"}}, {},
                            lambda o, r, i: dr(o)["spec"]["host"] == "cart.shop.svc.corp.local"),
    "paths.destinationRule": ({"paths": {"destinationRule": "mesh/{namespace}-{name}-dr.yaml"}}, {"with_paths": True},
                              lambda o, r, i: path_of(o, "DestinationRule", "cart-destination") == "mesh/shop-cart-dr.yaml"),
    "paths.virtualService": ({"paths": {"virtualService": "mesh/{name}-vs.yaml"}}, {"with_paths": True},
                             lambda o, r, i: path_of(o, "VirtualService", "cart") == "mesh/cart-vs.yaml"),
    "paths.peerAuthentication": ({"paths": {"peerAuthentication": "mesh/pa-{mode}.yaml"}}, {"with_paths": True},
                                 lambda o, r, i: path_of(o, "PeerAuthentication", "default") == "mesh/pa-strict.yaml"),
    "paths.httpRoute": ({"routing": GW, "paths": {"httpRoute": "mesh/{name}-route.yaml"}}, {"with_paths": True},
                        lambda o, r, i: path_or_none(o, "HTTPRoute", "cart") == "mesh/cart-route.yaml"),
    "paths.grpcRoute": ({"routing": GW, "paths": {"grpcRoute": "mesh/{name}-grpc.yaml"}}, {"with_paths": True},
                        lambda o, r, i: path_or_none(o, "GRPCRoute", "cart") == "mesh/cart-grpc.yaml"),
    "paths.tcpRoute": ({"routing": GW, "paths": {"tcpRoute": "mesh/{name}-tcp.yaml"}}, {"with_paths": True},
                       lambda o, r, i: path_or_none(o, "TCPRoute", "web") == "mesh/web-tcp.yaml"),
    "paths.waypoint": ({"injection": {"mode": "ambient"}, "paths": {"waypoint": "mesh/{namespace}-wp.yaml"}},
                       {"with_paths": True}, lambda o, r, i: path_or_none(o, "Gateway", "waypoint") == "mesh/shop-wp.yaml"),
    "routing.api": ({"routing": GW}, {},
                    lambda o, r, i: vs(o) is None and route(o, "HTTPRoute")["spec"]["parentRefs"][0]["kind"] == "Service"),
    "routing.gatewayApiChannel": ({"routing": {**GW, "gatewayApiChannel": "experimental"}}, {},
                                  lambda o, r, i: route(o, "HTTPRoute").get("spec", {}).get("rules", [{}])[0].get("retry")
                                  == {"attempts": 3}),
    "routing.grpc": ({"routing": {**GW, "grpc": "HTTPRoute"}}, {},
                     lambda o, r, i: bool(route(o, "HTTPRoute", "cart-grpc")) and not by_kind(o, "GRPCRoute")),
    "routing.versionServices": ({"routing": {**GW, "versionServices": True},
                                 "services": [{"name": "cart", "split": {"weights": {"v1": 90, "v2": 10}}}]}, {},
                                lambda o, r, i: [(b["name"], b["weight"]) for b in
                                                 route(o, "HTTPRoute").get("spec", {"rules": [{}]})["rules"][0]
                                                 .get("backendRefs", [])] == [("cart-v1", 90), ("cart-v2", 10)]
                                and by_kind(o, "Service").get("cart-v2", {}).get("spec", {}).get("selector")
                                == {"app": "cart", "version": "v2"}),
    "paths.versionService": ({"routing": {**GW, "versionServices": True}, "paths": {"versionService": "mesh/{name}-v.yaml"},
                              "services": [{"name": "cart", "split": {"weights": {"v1": 90, "v2": 10}}}]},
                             {"with_paths": True}, lambda o, r, i: path_or_none(o, "Service", "cart-v1") == "mesh/cart-v.yaml"),
    "services[]": ({"services": [{"name": "cart", "timeout": "3s"}]}, {},
                   lambda o, r, i: {h["timeout"] for h in vs(o)["spec"]["http"]} == {"3s"}
                   and vs(o, "web")["spec"]["http"][0]["timeout"] == "30s"),
    "exclude.names": ({"exclude": {"names": ["shop/cart"]}}, {},
                      lambda o, r, i: vs(o) is None and vs(o, "web") is not None),
    "exclude.namespaces": ({"exclude": {"namespaces": []}}, {},
                           lambda o, r, i: vs(o, "dns") is not None),
    "exclude.selector": ({"exclude": {"selector": {"matchExpressions": [{"key": "tier", "operator": "NotIn",
                                                                         "values": ["frontend"]}]}}}, {},
                         lambda o, r, i: vs(o) is None and vs(o, "web") is not None),
    "kustomize.registerResources": ({"kustomize": {"registerResources": False}}, {"with_paths": True},
                                    lambda o, r, i: next(x for x in i if x.kind == "Kustomization").get("resources")
                                    == ["app.yaml"]),
    "analyze.generated": ({"analyze": {"generated": False}}, {"plant": "Warning"},
                          lambda o, r, i: not any((x.tags or {}).get("code") == "IST0130" for x in r)),
    "analyze.schema": ({"analyze": {"schema": True}}, {"plant_schema": True},
                       lambda o, r, i: any((x.tags or {}).get("code") == "IST0106" for x in r)),
    "analyze.failOn": ({"analyze": {"failOn": "Warning"}}, {"plant": "Warning"},
                       lambda o, r, i: any(x.severity == "error" and "IST0130" in x.message for x in r)),
    # resilience and traffic management (issue 13)
    **{f"resilience.outlierDetection.{k}": (
        {"resilience": {"outlierDetection": {"enabled": True, k: v}}}, {},
        lambda o, r, i, k=k, v=v: od(o).get(k) == v)
       for k, v in (("consecutive5xxErrors", 10), ("consecutiveGatewayErrors", 3), ("interval", "20s"),
                    ("baseEjectionTime", "1m"), ("maxEjectionPercent", 50))},
    "resilience.outlierDetection.enabled": ({"resilience": {"outlierDetection": {"enabled": True}}}, {},
                                            lambda o, r, i: od(o).get("consecutiveGatewayErrors") == 5),
    "resilience.localityFailover": ({"resilience": {"outlierDetection": {"enabled": True}, "localityFailover": True}},
                                    {}, lambda o, r, i: policy(o).get("loadBalancer", {}).get("localityLbSetting")
                                    == {"enabled": True}),
    **{f"resilience.connectionPool.{section}.{k}": (
        {"resilience": {"connectionPool": {section: {k: v}}}}, {},
        lambda o, r, i, section=section, k=k, v=v: policy(o).get("connectionPool", {}).get(section, {}).get(k) == v)
       for section, k, v in (("tcp", "maxConnections", 100), ("tcp", "connectTimeout", "2s"),
                             ("http", "http1MaxPendingRequests", 64), ("http", "http2MaxRequests", 500),
                             ("http", "maxRequestsPerConnection", 1), ("http", "maxRetries", 5),
                             ("http", "idleTimeout", "300s"))},
    "exportScope": ({"exportScope": "namespace"}, {},
                    lambda o, r, i: dr(o)["spec"].get("exportTo") == ["."] == vs(o)["spec"].get("exportTo")),
    "services[].split.weights": ({"services": [{"name": "cart", "split": {"weights": {"v1": 90, "v2": 10}}}]}, {},
                                 lambda o, r, i: [d.get("weight") for d in vs(o)["spec"]["http"][0]["route"]] == [90, 10]),
    "services[].split.match": ({"services": [{"name": "cart", "split": {
        "weights": {"v1": 100}, "match": {"headers": {"x-canary": {"exact": "true"}}, "subset": "v2"}}}]}, {},
        lambda o, r, i: vs(o)["spec"]["http"][0]["match"][0].get("headers") == {"x-canary": {"exact": "true"}}),
    "services[].split.mirror": ({"services": [{"name": "cart", "split": {"weights": {"v1": 100}, "mirror": "v2"}}]},
                                {}, lambda o, r, i: vs(o)["spec"]["http"][0].get("mirror", {}).get("subset") == "v2"),
    "services[].split.mirrorPercentage": (
        {"services": [{"name": "cart", "split": {"weights": {"v1": 100}, "mirror": "v2", "mirrorPercentage": 5}}]},
        {}, lambda o, r, i: vs(o)["spec"]["http"][0].get("mirrorPercentage") == {"value": 5.0}),
    "services[].ports[]": ({"services": [{"name": "cart", "ports": [{"port": "grpc", "timeout": "0s"}]}]}, {},
                           lambda o, r, i: ["timeout" in h for h in vs(o)["spec"]["http"]] == [True, False]),
    # Zero trust (issue 12): web calls cart:8080 and https://api.stripe.com.
    "authorization.mode": ({"authorization": {"mode": "enforce"}}, {},
                           lambda o, r, i: "allow-nothing" in by_kind(o, "AuthorizationPolicy")
                           and froms(o, "cart-v1") == {"cluster.local/ns/shop/sa/default"}),
    "authorization.trustDomain": ({"authorization": {"mode": "enforce", "trustDomain": "corp.example"}}, {},
                                  lambda o, r, i: froms(o, "cart-v1") == {"corp.example/ns/shop/sa/default"}),
    "authorization.inferCalls": ({"authorization": {"mode": "enforce", "inferCalls": False}}, {},
                                 lambda o, r, i: "allow-nothing" in by_kind(o, "AuthorizationPolicy")
                                 and not froms(o, "cart-v1")),
    "authorization.allow[]": ({"authorization": {"mode": "enforce", "allow": [{"caller": "shop/cart-v1", "to": "web:80"}]}},
                              {}, lambda o, r, i: froms(o, "web") == {"cluster.local/ns/shop/sa/default"}),
    "authorization.ingressGateways[]": ({"authorization": {"mode": "enforce", "ingressGateways": [
        {"name": "gw", "namespace": "edge", "principal": "cluster.local/ns/edge/sa/gw", "services": ["shop/web"]}]}}, {},
        lambda o, r, i: froms(o, "web") == {"cluster.local/ns/edge/sa/gw"}),
    "authorization.metricsPrincipals": ({"injection": {"mode": "ambient"}, "authorization": {
        "mode": "enforce", "metricsPrincipals": ["cluster.local/ns/monitoring/sa/prometheus"]}}, {},
        lambda o, r, i: froms(o, "web") == {"cluster.local/ns/monitoring/sa/prometheus"}),
    "authorization.serviceAccounts": ({"authorization": {"mode": "enforce", "serviceAccounts": "per-workload"}}, {},
        lambda o, r, i: sorted(by_kind(o, "ServiceAccount")) == ["cart-v1", "cart-v2", "web"]
        and froms(o, "cart-v1") == {"cluster.local/ns/shop/sa/web"}
        and workload(i, "web").get("spec", "template", "spec", "serviceAccountName") == "web"),
    "requestAuthentication.providers[]": ({"requestAuthentication": {"providers": [
        {"name": "idp", "issuer": "https://idp.example.com/", "jwksUri": "https://idp.example.com/jwks"}]}}, {},
        lambda o, r, i: "jwt-idp" in by_kind(o, "RequestAuthentication")),
    "egress.mode": ({"egress": {"mode": "registry-only"}}, {},
                    lambda o, r, i: "api.stripe.com" in by_kind(o, "ServiceEntry") and "default" in by_kind(o, "Sidecar")),
}


def workload(items, name):
    return next(x for x in items if x.kind == "Deployment" and x.name == name)


def froms(objs, name):
    """The principals the AuthorizationPolicy ``name`` lets in (empty when there is none)."""
    ap = by_kind(objs, "AuthorizationPolicy").get(name)
    return {p for rule in (ap or {}).get("spec", {}).get("rules", []) for f in rule.get("from", [])
            for p in f["source"].get("principals", [])}

# Where the default already shows the opposite, the check must fail without the setting:
# that is what proves the case measures the setting and not the package.
NOT_DEFAULT_SKIP = {"analyze.generated"}


@pytest.mark.parametrize("field", sorted(CASES))
def test_setting_has_its_effect(field):
    spec, kwargs, check = CASES[field]
    objs, results, items = run(spec, **kwargs)
    assert not errors(results) or field in ("analyze.failOn", "analyze.schema"), [e.message for e in errors(results)]
    assert check(objs, results, items), f"{field}: the effect is missing"


@pytest.mark.parametrize("field", sorted(set(CASES) - NOT_DEFAULT_SKIP))
def test_without_the_setting_the_effect_is_absent(field):
    _, kwargs, check = CASES[field]
    objs, results, items = run({}, **kwargs)
    assert not check(objs, results, items), f"{field}: the defaults already show the effect; the case proves nothing"


def test_analyze_generated_default_runs_the_self_check():
    # The planted finding shows up by default, so its absence above is the setting's doing.
    _, results, _ = run({}, plant="Warning")
    assert any((x.tags or {}).get("code") == "IST0130" and x.severity == "warning" for x in results)


def readme_fields() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## FunctionConfig"):text.index("### Per-Service annotations")]
    return re.findall(r"^\| `([^`]+)` \|", section, flags=re.M)


def test_every_readme_row_has_an_effect_case():
    fields = [f for f in readme_fields() if not f.startswith("spec.")]
    assert fields, "no rows found in the README's FunctionConfig table"
    assert sorted(fields) == sorted(CASES)
