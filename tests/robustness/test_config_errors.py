"""Function config errors, in both forms (the typed IstioMesh kind and a ConfigMap's flat
data keys): each is an error result naming the field path, the bad value and what is
allowed; the items come back untouched. perTryTimeout x attempts > timeout is a warning."""

from __future__ import annotations

import re

import pytest

from fn import yamlnodes as yn

from ._support import DEPLOYMENT, SERVICE, cli, resource_list, rl_items, rl_results, run_text, text_of



def typed(spec_yaml: str, head: str = "apiVersion: istio-mesh-fn.dev/v1alpha1\nkind: IstioMesh\n") -> str:
    return head + "metadata: {name: mesh}\nspec:\n" + "".join(f"  {ln}\n" for ln in spec_yaml.strip().split("\n"))


def configmap(data_yaml: str) -> str:
    return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: mesh}\ndata:\n" + "".join(
        f"  {ln}\n" for ln in data_yaml.strip().split("\n"))


def config_errors(fc: str):
    sent = resource_list([SERVICE, DEPLOYMENT], fc)
    out = run_text(sent)
    assert out.exit_code == 1 and out.fatal is None
    # Nothing generated, nothing changed: the items come back exactly as they came in.
    assert [text_of(n) for n in rl_items(out.stdout)] == [text_of(n) for n in rl_items(sent)]
    errors = [r for r in out.results if r.severity == "error"]
    assert errors and all(r.message.startswith("invalid function config: ") for r in errors)
    return errors


# (config, field path, the bad value as shown, what is allowed)
TYPED = [
    ("bogus: 1", "spec.bogus", "1", "unknown field; allowed here: defaultNamespace, injection"),
    ("virtualService: {timeoutt: 5s}", "spec.virtualService.timeoutt", "'5s'", "unknown field; allowed here: enabled"),
    ("injection: enabled", "spec.injection", "'enabled'", "valid dictionary"),
    ("virtualService: {enabled: maybe}", "spec.virtualService.enabled", "'maybe'", "valid boolean"),
    ("virtualService: {retries: {attempts: three}}", "spec.virtualService.retries.attempts", "'three'", "valid integer"),
    ("virtualService: {timeout: 30}", "spec.virtualService.timeout", "30", "must be a duration such as 30s"),
    ("virtualService: {timeout: '30'}", "spec.virtualService.timeout", "'30'", "must be a duration such as 30s"),
    ("virtualService: {timeout: -1s}", "spec.virtualService.timeout", "'-1s'", "must be a duration such as 30s"),
    ("virtualService: {timeout: thirty}", "spec.virtualService.timeout", "'thirty'", "must be a duration such as 30s"),
    ("virtualService: {retries: {perTryTimeout: 0s}}", "spec.virtualService.retries.perTryTimeout", "'0s'",
     "at least 1ms"),
    ("virtualService: {retries: {attempts: -1}}", "spec.virtualService.retries.attempts", "-1",
     "greater than or equal to 0"),
    ("services: [{name: cart, timeout: 5}]", "spec.services[0].timeout", "5", "must be a duration"),
    ("services: [{name: cart, retries: {attempts: -2}}]", "spec.services[0].retries.attempts", "-2",
     "greater than or equal to 0"),
    ("defaultNamespace: Bad_NS", "spec.defaultNamespace", "'Bad_NS'", "DNS-1123 label"),
    ("services: [{name: My.Service}]", "spec.services[0].name", "'My.Service'", "DNS-1123 label"),
    ("exclude: {namespaces: [kube-system, -x]}", "spec.exclude.namespaces[1]", "'-x'", "DNS-1123 label"),
    ("mtls: {rootNamespace: " + "a" * 64 + "}", "spec.mtls.rootNamespace", "'aaaa", "at most 63 characters"),
    ("destinationRule: {subsetLabel: 'bad key!'}", "spec.destinationRule.subsetLabel", "'bad key!'",
     "label key name must be"),
    ("destinationRule: {labels: {'-x.com/app': a}}", "spec.destinationRule.labels.-x.com/app", "'-x.com/app'",
     "prefix must be a DNS-1123 subdomain"),
    ("destinationRule: {labels: {app: 'a b'}}", "spec.destinationRule.labels.app", "'a b'", "label value must be"),
    ("injection: {mode: ambient, revision: 1-24}", "spec.injection", "{'mode': 'ambient', 'revision': '1-24'}",
     "revision '1-24' conflicts with mode 'ambient'"),
    ("injection: {mode: revision}", "spec.injection", "{'mode': 'revision'}", "needs revision set"),
    ("mtls: {mode: strict}", "spec.mtls.mode", "'strict'", "'STRICT', 'PERMISSIVE' or 'DISABLE'"),
    ("destinationRule: {loadBalancer: FASTEST}", "spec.destinationRule.loadBalancer", "'FASTEST'", "'ROUND_ROBIN'"),
    ("destinationRule: {nameTemplate: 'x-{name}}'}", "spec.destinationRule.nameTemplate", "'x-{name}}'",
     "not a valid template"),
    ("destinationRule: {nameTemplate: '{name}-{port}'}", "spec.destinationRule.nameTemplate", "'{name}-{port}'",
     r"unknown placeholder \{port\}; allowed: \{name\}, \{namespace\}"),
    ("virtualService: {nameTemplate: 'VS_{name}'}", "spec.virtualService.nameTemplate", "'VS_{name}'",
     "must render to a DNS-1123 name"),
    ("paths: {virtualService: '../{name}.yaml'}", "spec.paths.virtualService", "'../{name}.yaml'",
     "inside the package"),
    ("services: [{name: cart}, {name: cart}]", "spec", "", "lists 'cart' twice"),
    ("exclude: {selector: {matchExpressions: [{key: app, operator: In}]}}",
     "spec.exclude.selector.matchExpressions[0]", "", "operator In needs at least one value"),
]


@pytest.mark.parametrize("spec, path, value, allowed", TYPED, ids=[c[1] + ":" + c[0][:30] for c in TYPED])
def test_typed_config_error_names_path_value_and_what_is_allowed(spec, path, value, allowed):
    errors = config_errors(typed(spec))
    hit = [e for e in errors if e.field["path"] == path]
    assert hit, [(e.field, e.message) for e in errors]
    message = hit[0].message
    assert f"invalid function config: {path}: " in message
    assert re.search(allowed, message), message
    if value:  # unknown keys and missing fields: the path itself is the bad part
        assert f"(got {value}" in message, message


def test_typed_config_wrong_api_version_and_top_level_field():
    errors = config_errors(typed("{}", head="apiVersion: istio-mesh-fn.dev/v1\nkind: IstioMesh\n"))
    assert errors[0].field["path"] == "apiVersion" and "'istio-mesh-fn.dev/v1alpha1'" in errors[0].message
    errors = config_errors("apiVersion: istio-mesh-fn.dev/v1alpha1\nkind: IstioMesh\nspecs: {}\n")
    assert errors[0].field["path"] == "specs" and "unknown field" in errors[0].message


def test_every_problem_is_reported_at_once():
    errors = config_errors(typed("virtualService: {timeout: thirty, retries: {attempts: -1}}\ndefaultNamespace: X"))
    assert {e.field["path"] for e in errors} == {
        "spec.virtualService.timeout", "spec.virtualService.retries.attempts", "spec.defaultNamespace"}


FLAT = [
    ("bogus: '1'", "data.bogus", "", "unknown key; allowed: analyzeSchema, clusterDomain"),
    ("timeout: '30'", "data.timeout", "'30'", "must be a duration such as 30s"),
    ("timeout: -1s", "data.timeout", "'-1s'", "must be a duration"),
    ("timeout: thirty", "data.timeout", "'thirty'", "must be a duration"),
    ("perTryTimeout: 5", "data.perTryTimeout", "'5'", "must be a duration"),
    ("retryAttempts: '-1'", "data.retryAttempts", "-1", "greater than or equal to 0"),
    ("retryAttempts: three", "data.retryAttempts", "'three'", "valid integer"),
    ("defaultNamespace: Bad_NS", "data.defaultNamespace", "'Bad_NS'", "DNS-1123 label"),
    ("injectionNamespaces: shop, Web", "data.injectionNamespaces", "'Web'", "DNS-1123 label"),
    ("subsetLabel: bad key!", "data.subsetLabel", "'bad key!'", "label key name must be"),
    ("injection: ambient\nrevision: 1-24", "data.injection, data.revision", "{'mode': 'ambient', 'revision': '1-24'}",
     "revision '1-24' conflicts with mode 'ambient'"),
    ("mtlsMode: strict", "data.mtlsMode", "'strict'", "'STRICT', 'PERMISSIVE' or 'DISABLE'"),
    ("excludeSelector: app", "data.excludeSelector", "'app'", "must be key=value"),
    ("destinationRuleName: '{name'", "data.destinationRuleName", "'{name'", "not a valid template"),
    ("analyzeSchema: maybe", "data.analyzeSchema", "'maybe'", "valid boolean"),
    ("timeout: [5s]", "data.timeout", "['5s']", "ConfigMap data values are strings"),
]


@pytest.mark.parametrize("data, path, value, allowed", FLAT, ids=[c[1] + ":" + c[0][:20] for c in FLAT])
def test_configmap_error_names_the_data_key_value_and_what_is_allowed(data, path, value, allowed):
    errors = config_errors(configmap(data))
    hit = [e for e in errors if e.field["path"] == path]
    assert hit, [(e.field, e.message) for e in errors]
    assert f"invalid function config: {path}: " in hit[0].message
    assert re.search(allowed, hit[0].message), hit[0].message
    if value:
        assert f"(got {value}" in hit[0].message, hit[0].message


@pytest.mark.parametrize("fc", [typed("virtualService: {timeout: thirty}"), configmap("timeout: thirty")])
def test_config_errors_through_the_cli(fc):
    sent = resource_list([SERVICE], fc)
    proc = cli(sent.encode())
    err = proc.stderr.decode()
    assert proc.returncode == 1 and "Traceback" not in err
    assert "[error] invalid function config:" in err and "'thirty'" in err and "30s" in err
    results = rl_results(proc.stdout.decode())
    assert [r["severity"] for r in results] == ["error"]


def test_unsupported_config_kind_and_non_mapping_config():
    errors = config_errors("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n")
    assert errors[0].field == {"path": "kind", "currentValue": "Secret"} and "IstioMesh" in errors[0].message
    sent = resource_list([SERVICE]) + "functionConfig: [a, b]\n"
    out = run_text(sent)
    assert out.exit_code == 1 and "expected a mapping, got list" in out.results[0].message


# ------------------------------------------------------------- retry budget warnings

def _warnings(fc: str | None):
    out = run_text(resource_list([SERVICE, DEPLOYMENT], fc))
    assert out.exit_code == 0, [r.message for r in out.results if r.severity == "error"]
    return [r for r in out.results if r.severity == "warning" and "perTryTimeout" in r.message]


@pytest.mark.parametrize("fc, path, text", [
    (typed("virtualService: {timeout: 30s, retries: {attempts: 3, perTryTimeout: 20s}}"), "spec.virtualService",
     "perTryTimeout 20s x 3 attempts exceeds the route timeout 30s"),
    (typed("virtualService: {timeout: 1m, retries: {attempts: 7, perTryTimeout: 10s}}"), "spec.virtualService",
     "x 7 attempts exceeds the route timeout 1m"),
    (typed("services: [{name: cart, timeout: 5s}]"), "spec.services[0]",
     "perTryTimeout 10s x 3 attempts exceeds the route timeout 5s"),
    (typed("services: [{name: other, retries: {attempts: 4, perTryTimeout: 9s}}]"), "spec.services[0]",
     "perTryTimeout 9s x 4 attempts exceeds the route timeout 30s"),
    (configmap("timeout: 10s\nperTryTimeout: 5s\nretryAttempts: '3'"), "spec.virtualService",
     "perTryTimeout 5s x 3 attempts exceeds the route timeout 10s"),
])
def test_retries_longer_than_the_timeout_are_a_warning_not_an_error(fc, path, text):
    warnings = _warnings(fc)
    assert [w.field["path"] for w in warnings] == [path]
    assert text in warnings[0].message


@pytest.mark.parametrize("fc", [
    None,  # the defaults: 3 x 10s = 30s, exactly the timeout
    typed("virtualService: {timeout: 30s, retries: {attempts: 0, perTryTimeout: 20s}}"),
    typed("virtualService: {timeout: null}"),
    typed("virtualService: {retries: null}"),
    typed("virtualService: {enabled: false, timeout: 1s}"),
    configmap("timeout: 1m\nretryAttempts: '5'"),
])
def test_no_retry_budget_warning_when_retries_fit(fc):
    assert _warnings(fc) == []
