"""Resilience and traffic management (issue 13): circuit breaking, connection pools, canary
splits, per-port routes and export scope. Each trap the issue names has a case here that
fails when the generator falls into it; the goldens (tests/golden/resilience-*) show the
whole output.

``istio_problems`` re-states the checks of Istio's validation webhook for the fields these
settings generate (pilot/pkg/config/validation: validateOutlierDetection,
validateConnectionPool, validateHTTPRoute's weights, mirror percentage and header names),
which the CRD schema alone does not express; every generated object must pass them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from fn.analyze.schema.golang import parse_duration as go_duration
from fn.results import Results
from fn.settings import load_settings
from krm import by_kind, generate, generated, items_from_yaml

GOLDEN = Path(__file__).parent / "golden"
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _duration_ok(value: Any) -> bool:
    try:
        return isinstance(value, str) and go_duration(value) >= 1_000_000
    except ValueError:
        return False


def istio_problems(obj: dict[str, Any]) -> list[str]:
    spec, out = obj.get("spec") or {}, []
    if obj["kind"] == "DestinationRule":
        policy = spec.get("trafficPolicy") or {}
        od = policy.get("outlierDetection")
        if od is not None:
            for key in ("consecutive5xxErrors", "consecutiveGatewayErrors"):
                if key in od and not (isinstance(od[key], int) and od[key] >= 0):
                    out.append(f"outlierDetection.{key} {od[key]!r}")
            if not 0 <= od.get("maxEjectionPercent", 0) <= 100:
                out.append("outlierDetection.maxEjectionPercent outside 0-100")
            for key in ("interval", "baseEjectionTime"):
                if key in od and not _duration_ok(od[key]):
                    out.append(f"outlierDetection.{key} {od[key]!r}")
        pool = policy.get("connectionPool")
        if pool is not None:
            if not pool.get("tcp") and not pool.get("http"):
                out.append("connectionPool: one of tcp or http must be set")
            for section in ("tcp", "http"):
                for key, value in (pool.get(section) or {}).items():
                    if key.endswith("Timeout"):
                        if not _duration_ok(value):
                            out.append(f"connectionPool.{section}.{key} {value!r}")
                    elif not (isinstance(value, int) and value >= 0):
                        out.append(f"connectionPool.{section}.{key} {value!r}")
        lb = policy.get("loadBalancer") or {}
        if "localityLbSetting" in lb and not isinstance(lb["localityLbSetting"].get("enabled"), bool):
            out.append("localityLbSetting.enabled must be a boolean")
        for s in spec.get("subsets") or []:
            if not DNS_LABEL.match(s["name"]):
                out.append(f"subset name {s['name']!r}")
    if obj["kind"] == "VirtualService":
        for rule in spec.get("http") or []:
            weights = [d.get("weight", 0) for d in rule["route"]]
            if len(weights) > 1 and sum(weights) != 100:
                out.append(f"weights {weights} do not sum to 100")
            if any(not 0 <= w <= 100 for w in weights):
                out.append(f"weights {weights} outside 0-100")
            pct = (rule.get("mirrorPercentage") or {}).get("value")
            if pct is not None and not 0 <= pct <= 100:
                out.append(f"mirrorPercentage {pct}")
            if "mirrorPercentage" in rule and "mirror" not in rule:
                out.append("mirrorPercentage without mirror")
            for match in rule.get("match") or []:
                for name in match.get("headers") or {}:
                    if name != name.lower() or not name:
                        out.append(f"header {name!r} must be lower case")
            retries = rule.get("retries") or {}
            if "perTryTimeout" in retries and not _duration_ok(retries["perTryTimeout"]):
                out.append(f"perTryTimeout {retries['perTryTimeout']!r}")
            if "timeout" in rule and not _duration_ok(rule["timeout"]):
                out.append(f"timeout {rule['timeout']!r}")
    return out


def test_the_istio_rules_here_catch_what_they_check():
    bad_dr = {"kind": "DestinationRule", "spec": {"host": "x", "trafficPolicy": {
        "outlierDetection": {"maxEjectionPercent": 150, "interval": "0s"},
        "connectionPool": {"tcp": {"connectTimeout": "abc", "maxConnections": -1}}},
        "subsets": [{"name": "2.0.1"}]}}
    bad_vs = {"kind": "VirtualService", "spec": {"http": [{
        "match": [{"headers": {"X-Canary": {"exact": "1"}}}], "mirrorPercentage": {"value": 150},
        "route": [{"destination": {"host": "x"}, "weight": 90}, {"destination": {"host": "x"}, "weight": 20}]}]}}
    assert len(istio_problems(bad_dr)) == 5
    assert len(istio_problems(bad_vs)) == 4


RESILIENCE_GOLDENS = sorted(p.name for p in GOLDEN.iterdir() if p.name.startswith("resilience-"))


@pytest.mark.parametrize("case", RESILIENCE_GOLDENS)
def test_generated_rules_pass_istio_validation(case):
    out = yaml.safe_load((GOLDEN / case / "expected.yaml").read_text())
    objs = [i for i in out.get("items", []) if i["kind"] in ("DestinationRule", "VirtualService")
            and (i["metadata"].get("annotations") or {}).get("istio-mesh-fn.dev/generated-by")]
    assert all(istio_problems(o) == [] for o in objs), {o["metadata"]["name"]: istio_problems(o) for o in objs}
    # The self-check ran with analyze.schema: true on each case: no finding on what we made.
    assert not [r for r in out.get("results", []) if "[IST" in r["message"] or "[IMF" in r["message"]]
    # And directly: Istio's CRD schemas with their CEL rules on each generated object.
    from fn.analyze.schema import validate

    assert {o["metadata"]["name"]: validate(o) for o in objs if validate(o)} == {}


def test_the_schema_check_sees_the_generated_fields():
    from fn.analyze.schema import validate

    dr = {"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule", "metadata": {"name": "x"},
          "spec": {"host": "x", "trafficPolicy": {"outlierDetection": {"interval": "soon"},
                                                  "connectionPool": {"tcp": {"connectTimeout": "0.1ms"}}}}}
    assert len(validate(dr)) == 2


# ------------------------------------------------------------------ helpers

def package(replicas: str = "replicas: 3", annotations: str = "", versions=("v1",), kind="Deployment") -> str:
    deploys = "".join(f"""
---
apiVersion: apps/v1
kind: {kind}
metadata: {{name: reviews-{v.replace('.', '-')}, namespace: shop}}
spec:
  {replicas}
  template: {{metadata: {{labels: {{app: reviews, version: "{v}"}}}}}}
""" for v in versions)
    return f"""
apiVersion: v1
kind: Namespace
metadata: {{name: shop, labels: {{istio-injection: enabled}}}}
---
apiVersion: v1
kind: Service
metadata:
  name: reviews
  namespace: shop
  annotations: {{{annotations}}}
spec:
  selector: {{app: reviews}}
  ports: [{{name: http, port: 9080}}, {{name: grpc, port: 9090}}]
{deploys}"""


def config(spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh", "spec": spec}


def run(spec: dict[str, Any] | None = None, **kw: Any):
    items, results = generate(items_from_yaml(package(**kw)), config(spec) if spec is not None else None)
    objs = generated(items)
    return (by_kind(objs, "DestinationRule").get("reviews-destination"), by_kind(objs, "VirtualService").get("reviews"),
            results)


def messages(results: Results, severity: str) -> list[str]:
    return [r.message for r in results if r.severity == severity]


def config_errors(spec: dict[str, Any]) -> list[str]:
    results = Results()
    assert load_settings(config(spec), results) is None
    return [r.message for r in results]


# ------------------------------------------------------------ circuit breaking

ON = {"resilience": {"outlierDetection": {"enabled": True}}}


def test_no_config_adds_no_resilience_field():
    dr, vs, _ = run()
    assert set(dr["spec"]["trafficPolicy"]) == {"tls"}
    assert "exportTo" not in dr["spec"] and "exportTo" not in vs["spec"]


def test_outlier_defaults_write_every_count_and_an_explicit_locality_switch():
    dr, _, results = run(ON)
    policy = dr["spec"]["trafficPolicy"]
    assert policy["outlierDetection"] == {"consecutive5xxErrors": 0, "consecutiveGatewayErrors": 5, "interval": "10s",
                                          "baseEjectionTime": "30s", "maxEjectionPercent": 10}
    assert policy["loadBalancer"] == {"localityLbSetting": {"enabled": False}}
    assert not messages(results, "warning")


def test_locality_failover_follows_the_setting_only_where_outlier_detection_is_on():
    dr, _, _ = run({"resilience": {"outlierDetection": {"enabled": True}, "localityFailover": True,
                                   }, "destinationRule": {"loadBalancer": "LEAST_REQUEST"}})
    assert dr["spec"]["trafficPolicy"]["loadBalancer"] == {"simple": "LEAST_REQUEST",
                                                           "localityLbSetting": {"enabled": True}}
    dr, _, _ = run({"resilience": {"localityFailover": True}})
    assert "loadBalancer" not in dr["spec"]["trafficPolicy"]


@pytest.mark.parametrize("spec,where", [
    ({"resilience": {"outlierDetection": {"consecutive5xxErrors": 5, "consecutiveGatewayErrors": 5}}},
     "spec.resilience"),
    ({"resilience": {"outlierDetection": {"consecutive5xxErrors": 7, "consecutiveGatewayErrors": 2}},
      "services": [{"name": "reviews", "outlierDetection": {"consecutiveGatewayErrors": 9}}]},
     "services[0].outlierDetection"),
])
def test_gateway_errors_at_or_above_5xx_errors_are_refused(spec, where):
    errors = config_errors(spec)
    assert len(errors) == 1 and where in errors[0] and "silently disables the gateway-error check" in errors[0]


def test_gateway_errors_check_uses_the_merged_override():
    results = Results()
    spec = {"resilience": {"outlierDetection": {"consecutiveGatewayErrors": 2}},
            "services": [{"name": "reviews", "outlierDetection": {"consecutive5xxErrors": 3}}]}
    assert load_settings(config(spec), results) is not None and not results


def test_override_block_switches_outlier_detection_on_and_annotation_off():
    spec = {"services": [{"name": "reviews", "outlierDetection": {"maxEjectionPercent": 50}}]}
    dr, _, _ = run(spec)
    assert dr["spec"]["trafficPolicy"]["outlierDetection"]["maxEjectionPercent"] == 50
    dr, _, _ = run(spec, annotations="istio-mesh-fn.dev/outlier-detection: 'false'")
    assert "outlierDetection" not in dr["spec"]["trafficPolicy"]
    dr, _, _ = run(None, annotations="istio-mesh-fn.dev/outlier-detection: 'true'")
    assert dr["spec"]["trafficPolicy"]["outlierDetection"]["consecutiveGatewayErrors"] == 5


@pytest.mark.parametrize("replicas,warned", [("replicas: 1", True), ("replicas: 2", True), ("replicas: 3", False),
                                             ("", True), ("replicas: '2'", False)])
def test_few_replicas_warn_about_ejection(replicas, warned):
    _, _, results = run(ON, replicas=replicas)
    assert any("Envoy ejects at least one endpoint" in m for m in messages(results, "warning")) is warned


def test_replicas_add_up_over_versions_and_a_daemonset_is_unknown():
    _, _, results = run(ON, replicas="replicas: 1", versions=("v1", "v2", "v3"))
    assert not messages(results, "warning")
    _, _, results = run(ON, replicas="", kind="DaemonSet")
    assert not messages(results, "warning")


def test_a_persons_destinationrule_gets_no_second_rule_and_a_warning():
    text = package() + """
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: mine, namespace: other}
spec: {host: reviews.shop.svc.cluster.local}
"""
    items, results = generate(items_from_yaml(text), config(ON))
    assert not by_kind(generated(items), "DestinationRule")
    assert any("outlierDetection could not be applied: DestinationRule other/mine" in m
               for m in messages(results, "warning"))


# ------------------------------------------------------------ connection pools

def test_connection_pool_merges_global_override_and_annotation():
    spec = {"resilience": {"connectionPool": {"tcp": {"maxConnections": 100}, "http": {"http2MaxRequests": 500}}},
            "services": [{"name": "reviews", "connectionPool": {"http": {"maxRetries": 3}}}]}
    dr, _, _ = run(spec, annotations="istio-mesh-fn.dev/connection-pool: 'connectTimeout=2s,maxConnections=7'")
    assert dr["spec"]["trafficPolicy"]["connectionPool"] == {
        "tcp": {"maxConnections": 7, "connectTimeout": "2s"}, "http": {"http2MaxRequests": 500, "maxRetries": 3}}


@pytest.mark.parametrize("spec", [
    {"tcp": {"maxConnections": 0}}, {"tcp": {"connectTimeout": "0s"}}, {"http": {"idleTimeout": 5}},
    {"http": {"maxRetries": -1}}, {"http": {"maxRequests": 5}},
])
def test_connection_pool_values_outside_istios_rules_are_refused(spec):
    errors = config_errors({"resilience": {"connectionPool": spec}})
    assert len(errors) == 1 and "connectionPool" in errors[0]


@pytest.mark.parametrize("value,fragment", [
    ("maxConnection=5", "unknown key 'maxConnection'"), ("maxConnections=0", "a whole number from 1"),
    ("idleTimeout=soon", "a duration"), ("maxConnections", "key=value"),
])
def test_bad_connection_pool_annotation_names_what_is_allowed(value, fragment):
    dr, vs, results = run(None, annotations=f"istio-mesh-fn.dev/connection-pool: '{value}'")
    errors = messages(results, "error")
    assert dr is None and vs is None
    assert len(errors) == 1 and fragment in errors[0] and "istio-mesh-fn.dev/connection-pool" in errors[0]


@pytest.mark.parametrize("pool,attempts,storm", [
    ({"http2MaxRequests": 100}, 3, True),
    ({"http2MaxRequests": 100, "maxRetries": 100}, 3, False),
    ({"http2MaxRequests": 100}, 1, False),
    ({"http2MaxRequests": 100}, 0, False),
    ({"http1MaxPendingRequests": 10, "maxRetries": 50}, 2, True),
    ({"maxRequestsPerConnection": 1}, 5, False),
])
def test_retry_storm_warning(pool, attempts, storm):
    spec = {"resilience": {"connectionPool": {"http": pool}}, "virtualService": {"retries": {"attempts": attempts}}}
    _, _, results = run(spec)
    assert any("retry storm" in m for m in messages(results, "warning")) is storm


# --------------------------------------------------------------------- splits

SPLIT = {"weights": {"v1": 90, "2.0.1": 10}, "match": {"headers": {"x-canary": {"exact": "true"}}, "subset": "2.0.1"},
         "mirror": "2.0.1", "mirrorPercentage": 5}


def test_split_routes_by_weight_over_dns_subset_names_behind_the_header_match():
    dr, vs, results = run({"services": [{"name": "reviews", "split": SPLIT}]}, versions=("v1", "2.0.1"))
    assert not messages(results, "error")
    assert sorted(s["name"] for s in dr["spec"]["subsets"]) == ["v1", "v2-0-1"]
    http = vs["spec"]["http"]
    assert len(http) == 4  # two ports, each with a canary rule ahead of its weighted one
    canary, weighted = http[0], http[1]
    assert canary["match"] == [{"port": 9080, "headers": {"x-canary": {"exact": "true"}}}]
    assert canary["route"][0]["destination"]["subset"] == "v2-0-1"
    assert [(r["destination"]["subset"], r["weight"]) for r in weighted["route"]] == [("v1", 90), ("v2-0-1", 10)]
    assert weighted["mirror"]["subset"] == "v2-0-1" and weighted["mirrorPercentage"] == {"value": 5.0}


def test_split_by_annotation_beats_the_override():
    dr, vs, _ = run({"services": [{"name": "reviews", "split": {"weights": {"v1": 100}}}]},
                    annotations="istio-mesh-fn.dev/split: 'v1=50,v2=50'", versions=("v1", "v2"))
    assert [r["weight"] for r in vs["spec"]["http"][0]["route"]] == [50, 50]


def test_split_to_a_version_without_workload_is_an_error_and_no_route():
    _, vs, results = run({"services": [{"name": "reviews", "split": {"weights": {"v1": 80, "v9": 20}}}]})
    errors = messages(results, "error")
    assert vs is None and len(errors) == 1 and "version=v9" in errors[0] and "it has: v1" in errors[0]


def test_split_needs_destination_rules():
    _, vs, results = run({"destinationRule": {"enabled": False},
                          "services": [{"name": "reviews", "split": {"weights": {"v1": 100}}}]})
    assert vs is None and "destinationRule.enabled is false" in messages(results, "error")[0]


@pytest.mark.parametrize("split,fragment", [
    ({"weights": {"v1": 90, "v2": 20}}, "sum to 110, not 100"),
    ({"weights": {"v1": 100}, "mirrorPercentage": 5}, "mirrorPercentage needs mirror"),
    ({"weights": {"v1": 100}, "match": {"headers": {"X-Canary": {"exact": "1"}}, "subset": "v1"}}, "lower case"),
    ({"weights": {"v1": 100}, "match": {"headers": {"x": {"exact": "1", "prefix": "1"}}, "subset": "v1"}},
     "exactly one of exact, prefix, regex"),
    ({"weights": {}}, "at least 1 item"),
])
def test_bad_splits_are_refused(split, fragment):
    errors = config_errors({"services": [{"name": "reviews", "split": split}]})
    assert errors and fragment in errors[0], errors


@pytest.mark.parametrize("value", ["'v1=90,v2=20'", "'v1:100'", "'Bad Value=100'"])
def test_bad_split_annotation_is_an_error(value):
    dr, vs, results = run(None, annotations=f"istio-mesh-fn.dev/split: {value}")
    assert dr is None and vs is None and len(messages(results, "error")) == 1


# ------------------------------------------------------------- per-port routes

def test_per_port_timeout_and_retries_by_name_and_number():
    spec = {"services": [{"name": "reviews", "ports": [
        {"port": "grpc", "timeout": "0s", "retries": {"attempts": 0}},
        {"port": 9080, "timeout": "5s", "retries": {"retryOn": "5xx", "perTryTimeout": "1s"}}]}]}
    _, vs, results = run(spec)
    http = {r["match"][0]["port"]: r for r in vs["spec"]["http"]}
    assert "timeout" not in http[9090] and http[9090]["retries"] == {"attempts": 0}
    assert http[9080]["timeout"] == "5s"
    assert http[9080]["retries"] == {"attempts": 3, "perTryTimeout": "1s", "retryOn": "5xx"}
    assert not messages(results, "warning")


def test_a_port_entry_for_a_missing_port_is_a_warning():
    _, _, results = run({"services": [{"name": "reviews", "ports": [{"port": "admin", "timeout": "1s"}]}]})
    assert any("names port 'admin', which the Service does not have" in m for m in messages(results, "warning"))


def test_port_timeout_null_means_none_and_a_bad_port_is_refused():
    _, vs, _ = run({"services": [{"name": "reviews", "ports": [{"port": 9090, "timeout": None}]}]})
    assert "timeout" not in vs["spec"]["http"][1] and vs["spec"]["http"][0]["timeout"] == "30s"
    assert "not a port number" in config_errors({"services": [{"name": "reviews", "ports": [{"port": 0}]}]})[0]


# ---------------------------------------------------------------- export scope

def test_export_scope_namespace_scopes_both_generated_kinds():
    dr, vs, _ = run({"exportScope": "namespace"})
    assert dr["spec"]["exportTo"] == ["."] and vs["spec"]["exportTo"] == ["."]


def test_a_port_entry_for_a_tcp_port_is_a_warning():
    text = package().replace("{name: grpc, port: 9090}", "{name: tcp-db, port: 5432}")
    items, results = generate(items_from_yaml(text), config({"services": [{"name": "reviews", "ports": [
        {"port": 5432, "timeout": "1s"}]}]}))
    assert any("not an HTTP-family port" in m for m in messages(results, "warning"))
    vs = by_kind(generated(items), "VirtualService")["reviews"]
    assert vs["spec"]["tcp"][0] == {"match": [{"port": 5432}], "route": [
        {"destination": {"host": "reviews", "port": {"number": 5432}}, "weight": 100}]}


@pytest.mark.parametrize("min_replicas,warned", [("minReplicas: 3", False), ("minReplicas: 2", True), ("", True)])
def test_an_autoscalers_minimum_counts_instead_of_spec_replicas(min_replicas, warned):
    text = package(replicas="") + f"""
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: reviews, namespace: shop}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: reviews-v1}}
  {min_replicas}
  maxReplicas: 10
"""
    _, results = generate(items_from_yaml(text), config(ON))
    assert any("Envoy ejects at least one endpoint" in m for m in messages(results, "warning")) is warned


def test_readme_documents_every_resilience_field_and_annotation():
    from fn import config as cfg
    from fn.mesh.serviceconfig import ANNOTATIONS, POOL_KEYS, PREFIX

    text = (Path(__file__).parent.parent / "README.md").read_text()
    section = text[text.index("### Resilience and traffic management"):text.index("### Per-Service annotations")]
    for model in (cfg.OutlierDetection, cfg.TcpPool, cfg.HttpPool, cfg.Split, cfg.SplitMatch, cfg.PortOverride,
                  cfg.Resilience):
        for name, f in model.model_fields.items():
            alias = f.alias or name
            assert alias in section, f"README's resilience section does not mention {model.__name__}.{alias}"
    for suffix in ("outlier-detection", "connection-pool", "split"):
        assert suffix in ANNOTATIONS and f"`{PREFIX}{suffix}`" in text
    for key in POOL_KEYS:
        assert key in text


def test_export_scope_applies_to_a_service_without_namespace_and_the_self_check_accepts_it():
    # "." means the namespace the object lands in, which kustomize or kpt sets later.
    text = package().replace("  namespace: shop\n  annotations", "  annotations").replace(", namespace: shop}", "}")
    items, results = generate(items_from_yaml(text), config({"exportScope": "namespace", "analyze": {"schema": True}}))
    objs = [o for o in generated(items) if o["kind"] in ("DestinationRule", "VirtualService")]
    assert objs and all(o["spec"].get("exportTo") == ["."] for o in objs)
    assert not messages(results, "error")
