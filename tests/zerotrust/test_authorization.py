"""AuthorizationPolicy generation: what it allows, where it never goes, and what it warns about."""

from pathlib import Path

import pytest

from fn import authzcheck
from fn.callgraph import infer
from fn.core import transform
from fn.settings import Authorization, Settings, default_settings
from krm import generate, generated, items_from_yaml

GOLDEN = Path(__file__).parents[1] / "golden"
AGENT_PORTS = {"15020", "15021", "15090"}


def typed(spec):
    return {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh", "metadata": {"name": "m"}, "spec": spec}


def ns(name, labels="{istio-injection: enabled}"):
    return f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}, labels: {labels}}}"


def app(name, namespace="shop", sa=None, env=(), port="{name: http, port: 80, targetPort: 8080}", annotations=None,
        labels=None):
    env_yaml = "".join(f"\n        - {{name: E{i}, value: '{v}'}}" for i, v in enumerate(env))
    sa_line = f"\n      serviceAccountName: {sa}" if sa else ""
    ann = f"\n      annotations: {annotations}" if annotations else ""
    labels = labels or f"{{app: {name}}}"
    return f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata:
      labels: {labels}{ann}
    spec:{sa_line}
      containers:
      - name: c
        image: example/{name}:1
        readinessProbe: {{httpGet: {{path: /ready, port: 8080}}}}
        env:
        - {{name: X, value: '1'}}{env_yaml}
---
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  selector: {{app: {name}}}
  ports: [{port}]"""


def run(text, spec):
    items, results = generate(items_from_yaml(text), typed(spec))
    return generated(items), results, items


def policies(objs):
    return [o for o in objs if o["kind"] == "AuthorizationPolicy"]


SHOP = "\n---\n".join([ns("shop"), app("web", sa="web", env=["http://api:80"]), app("api", sa="api", env=["db:5432"]),
                       app("db", sa="db", port="{name: tcp-pg, port: 5432}")])


def test_off_generates_nothing_and_never_builds_the_call_graph(monkeypatch):
    import fn.callgraph

    def boom(*a, **k):
        raise AssertionError("the call graph was built with authorization off")

    monkeypatch.setattr(fn.callgraph, "infer", boom)
    items, _ = transform(items_from_yaml(SHOP), default_settings())
    assert not [i for i in items if i.kind in ("AuthorizationPolicy", "ServiceEntry", "Sidecar")]


def test_the_no_config_run_does_not_import_the_call_graph():
    import json
    import subprocess
    import sys

    code = ("import sys, json; from fn.core import transform; from fn.settings import default_settings; "
            "from krm import items_from_yaml; transform(items_from_yaml(sys.stdin.read()), default_settings()); "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('fn.callgraph', 'fn.authzcheck')))))")
    out = subprocess.run([sys.executable, "-c", code], input=SHOP, capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[1])
    assert json.loads(out.stdout) == []


def test_off_output_equals_the_no_config_output():
    case = GOLDEN / "authz-off" / "expected.yaml"
    no_config = items_from_yaml(SHOP)
    off = items_from_yaml(SHOP)
    a, _ = transform(no_config, default_settings())
    b, _ = transform(off, Settings(authorization=Authorization(mode="off")))
    assert [i.obj for i in a] == [i.obj for i in b]
    assert case.exists()


def test_enforce_allows_exactly_the_inferred_calls_on_target_ports_as_strings():
    objs, results, items = run(SHOP, {"authorization": {"mode": "enforce"}})
    aps = {o["metadata"]["name"]: o for o in policies(objs)}
    assert aps["allow-nothing"]["spec"] == {}
    api = aps["api"]["spec"]
    assert api["selector"] == {"matchLabels": {"app": "api"}} and api["action"] == "ALLOW"
    assert api["rules"] == [{"from": [{"source": {"principals": ["cluster.local/ns/shop/sa/web"]}}],
                             "to": [{"operation": {"ports": ["8080"]}}]}]
    assert aps["db"]["spec"]["rules"][0]["from"][0]["source"]["principals"] == ["cluster.local/ns/shop/sa/api"]
    assert "web" not in aps  # nobody calls it: warned, not allowed
    assert any("shop/web: no inferred caller" in r.message for r in results if r.severity == "warning")
    graph = infer(items, "cluster.local")
    report = authzcheck.check(items, graph, (), "cluster.local", "istio-system")
    assert report.needed and not report.denied and not report.beyond


def test_trust_domain_is_configurable():
    objs, _, _ = run(SHOP, {"authorization": {"mode": "enforce", "trustDomain": "corp.example"}})
    principals = [p for o in policies(objs) for r in o["spec"].get("rules", [])
                  for f in r["from"] for p in f["source"]["principals"]]
    assert principals and all(p.startswith("corp.example/ns/") for p in principals)


def test_never_an_allow_nothing_in_the_root_namespace():
    text = SHOP + "\n---\n" + ns("istio-system") + "\n---\n" + app("tool", namespace="istio-system", env=["http://web.shop"])
    objs, _, _ = run(text, {"authorization": {"mode": "enforce"}, "exclude": {"namespaces": []}})
    assert not [o for o in policies(objs) if o["metadata"].get("namespace") == "istio-system"]
    assert [o for o in policies(objs) if o["metadata"]["name"] == "allow-nothing"]


def test_dry_run_annotates_every_policy():
    objs, results, _ = run(SHOP, {"authorization": {"mode": "dry-run"}})
    aps = policies(objs)
    assert aps and all(o["metadata"]["annotations"]["istio.io/dry-run"] == "true" for o in aps)
    assert any("dry-run" in r.message and "enforce" in r.message for r in results)


def test_no_http_only_field_is_ever_generated_in_an_allow_policy():
    objs, _, _ = run(GOLDEN_INPUT(), {})
    for o in policies(objs):
        if o["spec"].get("action") != "ALLOW":
            continue
        for rule in o["spec"].get("rules", []):
            for f in rule.get("from", []):
                assert set(f["source"]) == {"principals"}
            for t in rule.get("to", []):
                assert set(t["operation"]) == {"ports"} and all(isinstance(p, str) for p in t["operation"]["ports"])


def GOLDEN_INPUT():
    import yaml

    rl = yaml.safe_load((GOLDEN / "authz-enforce" / "input.yaml").read_text())
    return yaml.safe_dump_all(rl["items"])


def test_ingress_gateway_principal_from_config_and_from_the_gateway_workload():
    gateway = """apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: shop}
spec: {selector: {istio: my-gw}, servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: in, namespace: shop}
spec: {hosts: ['*'], gateways: [gw], http: [{route: [{destination: {host: web}}]}]}"""
    gw_workload = app("my-gw", namespace="gw-ns", sa="my-gw-sa", labels="{app: my-gw, istio: my-gw}")
    objs, results, _ = run(SHOP + "\n---\n" + gateway + "\n---\n" + gw_workload, {"authorization": {"mode": "enforce"}})
    web = [o for o in policies(objs) if o["metadata"]["name"] == "web"][0]
    assert web["spec"]["rules"][0]["from"][0]["source"]["principals"] == ["cluster.local/ns/gw-ns/sa/my-gw-sa"]
    objs, _, _ = run(SHOP + "\n---\n" + gateway, {"authorization": {"mode": "enforce", "ingressGateways": [
        {"name": "gw", "namespace": "shop", "principal": "cluster.local/ns/ingress/sa/gw"}]}})
    web = [o for o in policies(objs) if o["metadata"]["name"] == "web"][0]
    assert web["spec"]["rules"][0]["from"][0]["source"]["principals"] == ["cluster.local/ns/ingress/sa/gw"]


def test_gateway_api_route_and_ingress_are_discovered():
    route = """apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: public, namespace: edge}
spec: {gatewayClassName: istio, listeners: [{name: http, port: 80, protocol: HTTP}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: shop}
spec:
  parentRefs: [{name: public, namespace: edge}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: legacy, namespace: shop}
spec:
  ingressClassName: istio
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}]}}]"""
    objs, results, _ = run(SHOP + "\n---\n" + route, {"authorization": {"mode": "enforce"}})
    aps = {o["metadata"]["name"]: o for o in policies(objs)}
    assert aps["web"]["spec"]["rules"][0]["from"][0]["source"]["principals"] == ["cluster.local/ns/edge/sa/public-istio"]
    api_from = {p for r in aps["api"]["spec"]["rules"] for f in r["from"] for p in f["source"]["principals"]}
    assert "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account" in api_from
    assert any("assumed" in r.message for r in results if r.severity == "warning")


def test_default_and_shared_service_accounts_are_warned_about():
    text = "\n---\n".join([ns("shop"), app("a", env=["b:80"]), app("b", sa="x"), app("c", sa="x", env=["b:80"])])
    _, results, _ = run(text, {"authorization": {"mode": "enforce"}})
    warnings = [r.message for r in results if r.severity == "warning"]
    assert any("shop/a: runs as the default ServiceAccount" in w for w in warnings)
    assert any("shop/b: shares ServiceAccount x" in w for w in warnings)


# ---- health probes and metrics (README: "Probes and metrics under authorization")

def test_probes_and_merged_metrics_need_no_rule_in_sidecar_namespaces():
    """Sidecar injection rewrites HTTP/TCP/gRPC probes to the agent's port 15020 and the
    merged metrics are served there too; the agent ports are not captured by the proxy,
    so no AuthorizationPolicy sees them. The generated policies must therefore neither
    name those ports nor deny anything without naming ports."""
    text = SHOP.replace("labels: {app: api}", "labels: {app: api}\n      annotations: {prometheus.io/port: '9090'}", 1)
    objs, results, _ = run(text, {"authorization": {"mode": "enforce"}})
    for o in policies(objs):
        for rule in o["spec"].get("rules", []):
            ports = {p for t in rule.get("to", []) for p in t["operation"].get("ports", [])}
            assert not ports & AGENT_PORTS
            if o["spec"]["action"] == "DENY":
                assert ports
    assert not any("Prometheus" in r.message for r in results)


def test_scrapes_through_the_proxy_need_an_identity_in_ambient_or_without_merging():
    amb = SHOP.replace("{istio-injection: enabled}", "{istio.io/dataplane-mode: ambient}")
    amb = amb.replace("labels: {app: db}", "labels: {app: db}\n      annotations: {prometheus.io/port: '9187'}")
    _, results, _ = run(amb, {"authorization": {"mode": "enforce"}, "injection": {"mode": "ambient"}})
    assert any("shop/db: Prometheus scrapes port 9187" in r.message and "ambient" in r.message for r in results)
    objs, results, items = run(amb, {"authorization": {"mode": "enforce", "metricsPrincipals": [
        "cluster.local/ns/monitoring/sa/prometheus"]}, "injection": {"mode": "ambient"}})
    db = [o for o in policies(objs) if o["metadata"]["name"] == "db"][0]
    rule = [r for r in db["spec"]["rules"] if r["to"][0]["operation"]["ports"] == ["9187"]][0]
    assert rule["from"][0]["source"]["principals"] == ["cluster.local/ns/monitoring/sa/prometheus"]


# ---- the self-check

def test_self_check_fails_when_a_generated_policy_denies_an_inferred_call():
    from fn.analyze.krm import check_generated
    from fn.core import is_generated

    settings = Settings(authorization=Authorization(mode="enforce"))
    items, results = transform(items_from_yaml(SHOP), settings)
    assert not [r for r in results if r.severity == "error"]
    api = [i for i in items if is_generated(i) and i.kind == "AuthorizationPolicy" and i.name == "api"][0]
    api.obj["spec"]["rules"][0]["to"][0]["operation"]["ports"] = ["9999"]
    tampered = [i if i is not api else type(api).from_obj(api.obj) for i in items]
    errors = [r for r in check_generated(tampered, settings) if r.severity == "error"]
    assert any("deny cluster.local/ns/shop/sa/web -> shop/api port 8080" in r.message for r in errors)


@pytest.mark.parametrize("case", ["authz-enforce", "authz-dry-run", "jwt"])
def test_golden_policies_pass_the_checker(case):
    import yaml

    from fn.mesh.ingress import discover
    from fn.settings import load_settings
    from fn.results import Results

    rl = yaml.safe_load((GOLDEN / case / "input.yaml").read_text())
    out = yaml.safe_load((GOLDEN / case / "expected.yaml").read_text())
    settings = load_settings(rl["functionConfig"], Results())
    items = items_from_yaml(yaml.safe_dump_all(out["items"]))
    graph = infer(items, declared=[__import__("fn.callgraph", fromlist=["Declared"]).Declared(a.caller, a.to)
                                   for a in settings.authorization.allow])
    routes, _ = discover(items, settings, "", [])
    report = authzcheck.check(items, graph, tuple(routes), "cluster.local", "istio-system",
                              settings.authorization.metrics_principals)
    assert report.checked and not report.denied
    assert not {t for t in report.beyond if t[0] == authzcheck.STRANGER}


def test_declared_calls_that_reach_nothing_are_config_warnings():
    _, results, _ = run(SHOP, {"authorization": {"mode": "enforce", "allow": [
        {"caller": "nobody", "to": "api"}, {"caller": "web", "to": "nothing:1"}, {"caller": "shop/db", "to": "api:80"}]}})
    warnings = {r.message: r for r in results if r.severity == "warning" and "call graph" in r.message}
    assert any("declared caller 'nobody' is no workload" in m for m in warnings)
    assert any("'nothing:1' names no Service" in m for m in warnings)
    assert {r.field["path"] for r in warnings.values()} == {"spec.authorization.allow[0]", "spec.authorization.allow[1]"}
    objs, _, _ = run(SHOP, {"authorization": {"mode": "enforce", "allow": [{"caller": "shop/db", "to": "api:80"}]}})
    api = [o for o in policies(objs) if o["metadata"]["name"] == "api"][0]
    assert api["spec"]["rules"][0]["from"][0]["source"]["principals"] == [
        "cluster.local/ns/shop/sa/db", "cluster.local/ns/shop/sa/web"]
