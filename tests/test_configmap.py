"""The ConfigMap form of the function config (fn/configmap.py), in-process: every flat
``data`` key means what its typed field means, and every bad key or value is an error
result that names the data key the user wrote, the value and what is allowed."""

from __future__ import annotations

from typing import Any

import pytest

from fn import settings as st
from fn.configmap import FLAT_KEYS
from fn.results import Results


def configmap(data: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "mesh"}, "data": data}


def typed(spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": st.API_VERSION, "kind": st.KIND, "metadata": {"name": "mesh"}, "spec": spec}


def load(fc: dict[str, Any]) -> tuple[st.Settings | None, Results]:
    results = Results()
    return st.load_settings(fc, results), results


def errors(data: Any) -> list[Any]:
    settings, results = load(configmap(data))
    assert settings is None
    assert results and all(r.severity == "error" for r in results)
    for r in results:
        assert r.message.startswith("invalid function config: ")
        assert r.resource_ref == {"apiVersion": "v1", "kind": "ConfigMap", "name": "mesh"}
    return list(results)


# (flat data, the same setting in the typed form). Values differ from the defaults, so
# a key that is dropped or lands in the wrong field shows.
SAME = [
    ({"defaultNamespace": "shop"}, {"defaultNamespace": "shop"}),
    ({"injection": "ambient"}, {"injection": {"mode": "ambient"}}),
    ({"injection": "revision", "revision": "1-24"}, {"injection": {"mode": "revision", "revision": "1-24"}}),
    ({"injectionNamespaces": " shop, ,web ,"}, {"injection": {"namespaces": ["shop", "web"]}}),
    ({"mtlsMode": "PERMISSIVE"}, {"mtls": {"mode": "PERMISSIVE"}}),
    ({"peerAuthentication": "namespace"}, {"mtls": {"scope": "namespace"}}),
    ({"rootNamespace": "mesh-root"}, {"mtls": {"rootNamespace": "mesh-root"}}),
    ({"tlsMode": "auto"}, {"destinationRule": {"tlsMode": "auto"}}),
    ({"loadBalancer": "RANDOM"}, {"destinationRule": {"loadBalancer": "RANDOM"}}),
    ({"subsetLabel": "track"}, {"destinationRule": {"subsetLabel": "track"}}),
    ({"destinationRuleName": "{name}-dr"}, {"destinationRule": {"nameTemplate": "{name}-dr"}}),
    ({"virtualServiceName": "{name}-vs"}, {"virtualService": {"nameTemplate": "{name}-vs"}}),
    ({"timeout": "5s"}, {"virtualService": {"timeout": "5s"}}),
    ({"timeout": "none"}, {"virtualService": {"timeout": None}}),
    ({"timeout": " Null "}, {"virtualService": {"timeout": None}}),
    ({"timeout": ""}, {"virtualService": {"timeout": None}}),
    ({"timeout": None}, {"virtualService": {"timeout": None}}),
    ({"retryAttempts": "2"}, {"virtualService": {"retries": {"attempts": 2}}}),
    ({"retryAttempts": 0}, {"virtualService": {"retries": {"attempts": 0}}}),
    ({"perTryTimeout": "2s"}, {"virtualService": {"retries": {"perTryTimeout": "2s"}}}),
    ({"perTryTimeout": "NONE"}, {"virtualService": {"retries": {"perTryTimeout": None}}}),
    ({"retryOn": "5xx,reset"}, {"virtualService": {"retries": {"retryOn": "5xx,reset"}}}),
    ({"hostStyle": "fqdn"}, {"hosts": {"style": "fqdn"}}),
    ({"clusterDomain": "example.org"}, {"hosts": {"clusterDomain": "example.org"}}),
    ({"excludeNames": "cart, shop/web"}, {"exclude": {"names": ["cart", "shop/web"]}}),
    ({"excludeNamespaces": "a,b"}, {"exclude": {"namespaces": ["a", "b"]}}),
    # a null value is the empty string: here, no namespace excluded at all
    ({"excludeNamespaces": None}, {"exclude": {"namespaces": []}}),
    ({"excludeSelector": "tier = backend, team=pay,"},
     {"exclude": {"selector": {"matchLabels": {"tier": "backend", "team": "pay"}}}}),
    ({"routingApi": "gateway-api"}, {"routing": {"api": "gateway-api"}}),
    ({"routingApi": "none", "injection": "ambient"}, {"routing": {"api": None}, "injection": {"mode": "ambient"}}),
    ({"gatewayApiChannel": "experimental"}, {"routing": {"gatewayApiChannel": "experimental"}}),
    ({"grpcRoute": "HTTPRoute"}, {"routing": {"grpc": "HTTPRoute"}}),
    ({"versionServices": "true", "routingApi": "gateway-api"},
     {"routing": {"versionServices": True, "api": "gateway-api"}}),
    ({"registerResources": "false"}, {"kustomize": {"registerResources": False}}),
    # YAML booleans in data (kpt fn eval -- key=false writes strings, hand-written
    # ConfigMaps may not) are read as the lower-case words.
    ({"registerResources": False}, {"kustomize": {"registerResources": False}}),
    ({"analyzeSchema": True}, {"analyze": {"schema": True}}),
    ({"defaultNamespace": True}, {"defaultNamespace": "true"}),
    ({"failOn": "Warning"}, {"analyze": {"failOn": "Warning"}}),
]


@pytest.mark.parametrize("data,spec", SAME, ids=[",".join(d) + f"={list(d.values())[0]!r}" for d, _ in SAME])
def test_each_flat_key_means_its_typed_field(data, spec):
    flat, r1 = load(configmap(data))
    want, r2 = load(typed(spec))
    assert not r1 and not r2, [r.message for r in (*r1, *r2)]
    assert flat == want
    # Every case changes something: a key both forms ignored would pass the comparison
    # above with the defaults on both sides.
    assert flat != st.default_settings()


def test_every_flat_key_has_a_case_and_is_in_the_readme():
    assert {k for data, _ in SAME for k in data} == set(FLAT_KEYS)
    readme = (st.__file__.rsplit("/fn/", 1)[0] + "/README.md")
    text = open(readme, encoding="utf-8").read()
    for key in FLAT_KEYS:
        assert f"`{key}`" in text, key


def test_no_data_means_the_defaults():
    for data in (None, {}):
        settings, results = load(configmap(data))
        assert not results and settings == st.default_settings()


def test_data_that_is_no_mapping_is_one_error_on_data():
    (err,) = errors(["timeout=5s"])
    assert err.message == "invalid function config: data must be a mapping of string keys"
    assert err.field == {"path": "data"}


def test_unknown_keys_are_each_named_with_every_allowed_key():
    errs = errors({"timeoutt": "5s", "bogus": "1", "timeout": "5s"})
    allowed = ", ".join(sorted(FLAT_KEYS))
    assert [(e.message, e.field) for e in errs] == [
        (f"invalid function config: data.timeoutt: unknown key; allowed: {allowed}", {"path": "data.timeoutt"}),
        (f"invalid function config: data.bogus: unknown key; allowed: {allowed}", {"path": "data.bogus"}),
    ]


@pytest.mark.parametrize("raw,shown", [({"attempts": 2}, "{'attempts': 2}"), (["a", "b"], "['a', 'b']")])
def test_a_nested_value_is_refused_as_not_a_string(raw, shown):
    errs = errors({"retryAttempts": raw, "excludeNames": raw})
    assert [(e.message, e.field) for e in errs] == [
        (f"invalid function config: data.{k}: ConfigMap data values are strings (got {shown})", {"path": f"data.{k}"})
        for k in ("retryAttempts", "excludeNames")
    ]


def test_a_selector_term_without_equals_names_the_term_and_the_value():
    (err,) = errors({"excludeSelector": "tier=backend, canary"})
    assert err.message == ("invalid function config: data.excludeSelector: selector term 'canary' must be "
                           "key=value (got 'tier=backend, canary')")
    assert err.field == {"path": "data.excludeSelector", "currentValue": "tier=backend, canary"}


def test_every_problem_is_reported_at_once():
    errs = errors({"bogus": "1", "excludeSelector": "x", "retryAttempts": ["1"]})
    assert [e.field["path"] for e in errs] == ["data.bogus", "data.excludeSelector", "data.retryAttempts"]


# A value the model refuses is reported against the data key the user wrote, not the
# nested spec path (data.timeout, not spec.virtualService.timeout).
BAD_VALUES = [
    ({"timeout": "thirty"}, "data.timeout", "must be a duration such as 30s", "'thirty'"),
    ({"retryAttempts": "three"}, "data.retryAttempts", "valid integer", "'three'"),
    ({"retryAttempts": "-1"}, "data.retryAttempts", "greater than or equal to 0", "-1"),
    ({"perTryTimeout": "0s"}, "data.perTryTimeout", "at least 1ms", "'0s'"),
    ({"injectionNamespaces": "shop,Bad_NS"}, "data.injectionNamespaces", "DNS-1123 label", "'Bad_NS'"),
    ({"excludeSelector": "bad key!=x"}, "data.excludeSelector", "label key", "'bad key!'"),
    ({"mtlsMode": "strict"}, "data.mtlsMode", "'STRICT', 'PERMISSIVE' or 'DISABLE'", "'strict'"),
    ({"registerResources": "maybe"}, "data.registerResources", "valid boolean", "'maybe'"),
    ({"routingApi": "linkerd"}, "data.routingApi", "'istio' or 'gateway-api'", "'linkerd'"),
]


@pytest.mark.parametrize("data,path,allowed,shown", BAD_VALUES, ids=[b[1] for b in BAD_VALUES])
def test_a_refused_value_names_the_data_key(data, path, allowed, shown):
    (err,) = errors(data)
    assert err.message.startswith(f"invalid function config: {path}: "), err.message
    assert allowed in err.message and f"(got {shown})" in err.message
    assert err.field["path"] == path


def test_a_check_across_keys_names_each_key_involved():
    (err,) = errors({"injection": "enabled", "revision": "1-24", "timeout": "5s"})
    assert err.field["path"] == "data.injection, data.revision"
    assert err.message.startswith("invalid function config: data.injection, data.revision: revision '1-24' "
                                  "conflicts with mode 'enabled'")


def test_a_check_across_keys_with_one_key_written_names_that_key():
    (err,) = errors({"injection": "revision"})
    assert err.field["path"] == "data.injection"
    assert "mode 'revision' needs revision set" in err.message


def test_a_selector_term_splits_at_its_first_equals_sign():
    # "tier=a=b" is key tier with value "a=b", which no label value can be
    (err,) = errors({"excludeSelector": "tier=a=b"})
    assert err.field == {"path": "data.excludeSelector", "currentValue": "a=b"}
    assert err.message.startswith("invalid function config: data.excludeSelector: label value must be")
