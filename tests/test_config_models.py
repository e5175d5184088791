"""The typed function config (fn/config/, fn/configbase.py), in-process: every check the
models make is an error result with the field path, the value and what is allowed, in
the words the user reads; values at the edge of what is allowed are accepted and reach
the settings the core reads."""

from __future__ import annotations

from typing import Any

import pytest

from fn import config, settings as st
from fn.config import fields
from fn.configbase import allowed_fields, fmt, json_schema, ref_of, where
from fn.results import Results

DNS_LABEL = ("must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or "
             "digit, at most 63 characters")
LABEL_VALUE = ("label value must be empty or at most 63 characters of letters, digits, '-', '_' and '.', starting "
               "and ending with a letter or digit")
LABEL_KEY = ("label key name must be at most 63 characters of letters, digits, '-', '_' and '.', starting and "
             "ending with a letter or digit")
DURATION = "must be a duration such as 30s, 1.5s, 500ms or 1m30s"
SAMPLE = "for a Service 'svc' it gives"


def typed(spec: Any, **top: Any) -> dict[str, Any]:
    return {"apiVersion": config.API_VERSION, "kind": config.KIND, "metadata": {"name": "mesh"}, "spec": spec, **top}


def load(spec: Any, **top: Any) -> tuple[st.Settings | None, Results]:
    results = Results()
    return st.load_settings(typed(spec, **top), results), results


def problems(spec: Any, **top: Any) -> list[tuple[str, str]]:
    """(field path, message after the path) of each error result."""
    settings, results = load(spec, **top)
    assert settings is None and results
    out = []
    for r in results:
        assert r.severity == "error"
        assert r.resource_ref == {"apiVersion": config.API_VERSION, "kind": config.KIND, "name": "mesh"}
        path = r.field["path"]
        head = f"invalid function config: {path}: "
        assert r.message.startswith(head), (head, r.message)
        out.append((path, r.message[len(head):]))
    return out


def only(spec: Any, **top: Any) -> tuple[str, str]:
    (one,) = problems(spec, **top)
    return one


def ok(spec: Any) -> st.Settings:
    settings, results = load(spec)
    assert not results, [r.message for r in results]
    assert settings is not None
    return settings


# (spec, field path, the whole message after the path). Our own checks' messages are
# matched whole: they are what tells a user how to fix the config.
OWN_CHECKS = [
    ({"defaultNamespace": "Bad_NS"}, "spec.defaultNamespace", f"{DNS_LABEL} (got 'Bad_NS')"),
    ({"mtls": {"rootNamespace": "a" * 64}}, "spec.mtls.rootNamespace", f"{DNS_LABEL} (got '{'a' * 64}')"),
    ({"destinationRule": {"subsetLabel": "bad key!"}}, "spec.destinationRule.subsetLabel",
     f"{LABEL_KEY} (got 'bad key!')"),
    ({"destinationRule": {"subsetLabel": "-x.com/app"}}, "spec.destinationRule.subsetLabel",
     "label key prefix must be a DNS-1123 subdomain (e.g. example.com) (got '-x.com/app')"),
    ({"destinationRule": {"labels": {"app": "a b"}}}, "spec.destinationRule.labels.app",
     f"{LABEL_VALUE}; {SAMPLE} 'a b' (got 'a b')"),
    ({"exclude": {"selector": {"matchLabels": {"app": "a b"}}}}, "spec.exclude.selector.matchLabels.app",
     f"{LABEL_VALUE} (got 'a b')"),
    ({"virtualService": {"timeout": 30}}, "spec.virtualService.timeout",
     f"{DURATION}: a quoted string with a unit (got 30)"),
    ({"virtualService": {"timeout": "thirty"}}, "spec.virtualService.timeout", f"{DURATION} (got 'thirty')"),
    ({"virtualService": {"timeout": "0.9ms"}}, "spec.virtualService.timeout", "must be at least 1ms (got '0.9ms')"),
    ({"virtualService": {"retries": {"perTryTimeout": "0s"}}}, "spec.virtualService.retries.perTryTimeout",
     "must be at least 1ms (got '0s')"),
    ({"destinationRule": {"nameTemplate": "x-{name}}"}}, "spec.destinationRule.nameTemplate",
     "is not a valid template (Single '}' encountered in format string); write {{ or }} for a literal brace "
     "(got 'x-{name}}')"),
    ({"destinationRule": {"nameTemplate": "{name}-{port}"}}, "spec.destinationRule.nameTemplate",
     "unknown placeholder {port}; allowed: {name}, {namespace} (got '{name}-{port}')"),
    # an escaped brace comes as a part of its own, before the placeholder
    ({"destinationRule": {"nameTemplate": "{{x}}-{port}"}}, "spec.destinationRule.nameTemplate",
     "unknown placeholder {port}; allowed: {name}, {namespace} (got '{{x}}-{port}')"),
    ({"destinationRule": {"nameTemplate": "{name!r}"}}, "spec.destinationRule.nameTemplate",
     "unknown placeholder {name!r}; allowed: {name}, {namespace} (got '{name!r}')"),
    ({"destinationRule": {"nameTemplate": "{name:>9}"}}, "spec.destinationRule.nameTemplate",
     "unknown placeholder {name:>9}; allowed: {name}, {namespace} (got '{name:>9}')"),
    ({"paths": {"virtualService": "{dir}/{port}.yaml"}}, "spec.paths.virtualService",
     "unknown placeholder {port}; allowed: {dir}, {name}, {namespace}, {mode} (got '{dir}/{port}.yaml')"),
    ({"virtualService": {"nameTemplate": "VS_{name}"}}, "spec.virtualService.nameTemplate",
     f"must render to a DNS-1123 name (lowercase letters, digits, '-' and '.'); {SAMPLE} 'VS_svc' (got 'VS_{{name}}')"),
    ({"virtualService": {"labels": {"app": "{namespace}/{name}"}}}, "spec.virtualService.labels.app",
     f"{LABEL_VALUE}; {SAMPLE} 'ns/svc' (got '{{namespace}}/{{name}}')"),
    ({"clusterDomain": "x"}, "spec.clusterDomain", "unknown field; allowed here: defaultNamespace, injection, mtls, "
     "destinationRule, virtualService, hosts, paths, routing, services, exclude, kustomize, analyze, resilience, "
     "exportScope, authorization, requestAuthentication, egress (got 'x')"),
    ({"hosts": {"clusterDomain": "Cluster.Local"}}, "spec.hosts.clusterDomain",
     "must be a DNS-1123 subdomain such as cluster.local (got 'Cluster.Local')"),
    ({"injection": {"mode": "revision"}}, "spec.injection",
     "mode 'revision' needs revision set (e.g. revision: 1-24) (got {'mode': 'revision'})"),
    ({"injection": {"mode": "ambient", "revision": "1-24"}}, "spec.injection",
     "revision '1-24' conflicts with mode 'ambient'; a revision label only applies with mode: revision "
     "(got {'mode': 'ambient', 'revision': '1-24'})"),
    ({"injection": {"mode": "revision", "revision": "1 24"}}, "spec.injection",
     f"{LABEL_VALUE} (got {{'mode': 'revision', 'revision': '1 24'}})"),
    ({"exclude": {"selector": {"matchExpressions": [{"key": "app", "operator": "NotIn"}]}}},
     "spec.exclude.selector.matchExpressions[0]",
     "operator NotIn needs at least one value (got {'key': 'app', 'operator': 'NotIn'})"),
    ({"exclude": {"selector": {"matchExpressions": [{"key": "app", "operator": "DoesNotExist", "values": ["a"]}]}}},
     "spec.exclude.selector.matchExpressions[0]",
     "operator DoesNotExist takes no values (got {'key': 'app', 'operator': 'DoesNotExist', 'values': ['a']})"),
    ({"exclude": {"names": ["cart", "shop/Web"]}}, "spec.exclude", f"{DNS_LABEL} (got {{'names': ['cart', 'shop/Web']}})"),
    ({"exclude": {"names": ["a/b/c"]}}, "spec.exclude", f"{DNS_LABEL} (got {{'names': ['a/b/c']}})"),
    ({"services": [{"name": "cart"}, {"name": "cart"}]}, "spec",
     "services lists 'cart' twice (got {'services': [{'name': 'cart'}, {'name': 'cart'}]})"),
    # resilience
    ({"resilience": {"outlierDetection": {"consecutive5xxErrors": 5}}}, "spec.resilience",
     "outlierDetection: consecutiveGatewayErrors 5 >= consecutive5xxErrors 5 silently disables the gateway-error "
     "check (gateway errors are 5xx errors too); set consecutive5xxErrors to 0 (only gateway errors eject) or above "
     "consecutiveGatewayErrors (got {'outlierDetection': {'consecutive5xxErrors': 5}})"),
    ({"services": [{"name": "a", "outlierDetection": {"consecutive5xxErrors": 3, "consecutiveGatewayErrors": 4}}]},
     "spec.services[0].outlierDetection",
     "consecutiveGatewayErrors 4 >= consecutive5xxErrors 3 silently disables the gateway-error check (gateway "
     "errors are 5xx errors too); set consecutive5xxErrors to 0 (only gateway errors eject) or above "
     "consecutiveGatewayErrors (got {'consecutive5xxErrors': 3, 'consecutiveGatewayErrors': 4})"),
    # an override's counts are checked merged over the global ones, each override on its own
    ({"resilience": {"outlierDetection": {"consecutive5xxErrors": 10}},
      "services": [{"name": "a", "outlierDetection": {"consecutiveGatewayErrors": 12}},
                   {"name": "b", "outlierDetection": {"enabled": True}},
                   {"name": "c", "outlierDetection": {"consecutiveGatewayErrors": 10}}]}, "spec",
     "services[0].outlierDetection: consecutiveGatewayErrors 12 >= consecutive5xxErrors 10 silently disables the "
     "gateway-error check (gateway errors are 5xx errors too); set consecutive5xxErrors to 0 (only gateway errors "
     "eject) or above consecutiveGatewayErrors; services[2].outlierDetection: consecutiveGatewayErrors 10 >= "
     "consecutive5xxErrors 10 silently disables the gateway-error check (gateway errors are 5xx errors too); set "
     "consecutive5xxErrors to 0 (only gateway errors eject) or above consecutiveGatewayErrors (got {'resilience': "
     "{'outlierDetection': {'consecutive5xxErrors': 10}}, 'services'...)"),
    ({"services": [{"name": "a", "outlierDetection": {"consecutive5xxErrors": 2}}]}, "spec",
     "services[0].outlierDetection: consecutiveGatewayErrors 5 >= consecutive5xxErrors 2 silently disables the "
     "gateway-error check (gateway errors are 5xx errors too); set consecutive5xxErrors to 0 (only gateway errors "
     "eject) or above consecutiveGatewayErrors (got {'services': [{'name': 'a', 'outlierDetection': "
     "{'consecutive5xxErrors': 2}}]})"),
    ({"services": [{"name": "x", "split": {"weights": {"v1": 100},
                                            "match": {"headers": {"x": {"exact": "a", "prefix": "b"}}, "subset": "v1"}}}]},
     "spec.services[0].split.match.headers.x", "set exactly one of exact, prefix, regex (got {'exact': 'a', 'prefix': 'b'})"),
    ({"services": [{"name": "x", "split": {"weights": {"v1": 100},
                                            "match": {"headers": {"x": {}}, "subset": "v1"}}}]},
     "spec.services[0].split.match.headers.x", "set exactly one of exact, prefix, regex (got {})"),
    ({"services": [{"name": "x", "split": {"weights": {"v1": 100},
                                            "match": {"headers": {"X-User": {"exact": "a"}}, "subset": "v1"}}}]},
     "spec.services[0].split.match.headers.X-User", "header name 'X-User' must be non-empty lower case without spaces "
     "(got 'X-User')"),
    ({"services": [{"name": "x", "split": {"weights": {"v1": 60, "v2": 30}}}]}, "spec.services[0].split",
     "weights {'v1': 60, 'v2': 30} sum to 90, not 100 (got {'weights': {'v1': 60, 'v2': 30}})"),
    ({"services": [{"name": "x", "split": {"weights": {"v1": 100}, "mirrorPercentage": 5}}]}, "spec.services[0].split",
     "mirrorPercentage needs mirror (got {'weights': {'v1': 100}, 'mirrorPercentage': 5})"),
    ({"services": [{"name": "x", "ports": [{"port": 0}]}]}, "spec.services[0].ports[0]",
     "port 0 is not a port number from 1 to 65535 (got {'port': 0})"),
    ({"services": [{"name": "x", "ports": [{"port": 65536}]}]}, "spec.services[0].ports[0]",
     "port 65536 is not a port number from 1 to 65535 (got {'port': 65536})"),
    # zero trust
    ({"authorization": {"metricsPrincipals": ["cluster.local/ns/x/sa"]}}, "spec.authorization.metricsPrincipals[0]",
     "must be a SPIFFE-style principal <trustDomain>/ns/<namespace>/sa/<serviceAccount> (got 'cluster.local/ns/x/sa')"),
    ({"authorization": {"metricsPrincipals": ["cluster.local/ns/x/sa/a b"]}}, "spec.authorization.metricsPrincipals[0]",
     "must be a SPIFFE-style principal <trustDomain>/ns/<namespace>/sa/<serviceAccount> (got 'cluster.local/ns/x/sa/a b')"),
    ({"authorization": {"trustDomain": "Example.COM"}}, "spec.authorization.trustDomain",
     "must be a DNS-1123 subdomain such as cluster.local (got 'Example.COM')"),
    ({"requestAuthentication": {"providers": [{"name": "p", "issuer": "i"}]}}, "spec.requestAuthentication.providers[0]",
     "set exactly one of jwksUri and jwks (got {'name': 'p', 'issuer': 'i'})"),
    ({"requestAuthentication": {"providers": [{"name": "p", "issuer": "i", "jwks": "{}", "jwksUri": "https://k"}]}},
     "spec.requestAuthentication.providers[0]",
     "set exactly one of jwksUri and jwks (got {'name': 'p', 'issuer': 'i', 'jwks': '{}', 'jwksUri': 'https://k'})"),
]


@pytest.mark.parametrize("spec,path,message", OWN_CHECKS, ids=[f"{c[1]}-{i}" for i, c in enumerate(OWN_CHECKS)])
def test_each_check_names_path_value_and_what_is_allowed(spec, path, message):
    assert only(spec) == (path, message)


# Paths a template renders to: kpt writes and reads back only relative YAML files.
PATH_INSIDE = ("must render to a relative file path inside the package (no leading '/', no '..'); it gives ")
PATH_YAML = "must render to a .yaml or .yml file that is not hidden; it gives "


@pytest.mark.parametrize("template,message", [
    ("/abs/{name}.yaml", PATH_INSIDE + "'/abs/svc.yaml'"),
    ("{dir}/../{name}.yaml", PATH_INSIDE + "'apps/svc/../svc.yaml'"),
    ("..", PATH_INSIDE + "'..'"),
    ("", PATH_INSIDE + "''"),
    ("//", PATH_INSIDE + "'//'"),
    ("{dir}/", PATH_INSIDE + "'apps/svc/'"),
    ("{dir}/{name}.json", PATH_YAML + "'apps/svc/svc.json'"),
    (" ", PATH_YAML + "' '"),
    ("X", PATH_YAML + "'X'"),
    ("{dir}/README.md", PATH_YAML + "'apps/svc/README.md'"),
    ("{dir}/.yaml", PATH_YAML + "'apps/svc/.yaml'"),
    ("{dir}/.{name}.yml", PATH_YAML + "'apps/svc/.svc.yml'"),
])
def test_a_path_template_must_render_to_a_visible_yaml_file_in_the_package(template, message):
    assert only({"paths": {"destinationRule": template}}) == (
        "spec.paths.destinationRule", f"{message} (got {template!r})")


@pytest.mark.parametrize("template", ["{dir}/{name}.yaml", "{name}.yml", "x/..y/{mode}-{namespace}.yaml",
                                      "{dir}/{{literal}}.yaml"])
def test_path_templates_that_stay_inside_the_package_are_accepted(template):
    assert ok({"paths": {"destinationRule": template}}).paths.destination_rule == template


def test_the_paths_reach_the_settings():
    values = {k: f"out/{k}-{{namespace}}.yaml" for k in
              ("destinationRule", "virtualService", "peerAuthentication", "httpRoute", "grpcRoute", "tcpRoute", "waypoint")}
    paths = ok({"paths": values}).paths
    assert paths == st.Paths(*values.values())


# Values on the edge of what is allowed are accepted (an off-by-one in a check would
# refuse them), and reach the settings.
EDGES = [
    ({"virtualService": {"timeout": "1ms"}}, lambda s: s.virtual_service.timeout, "1ms"),
    ({"virtualService": {"retries": {"attempts": 1000}}}, lambda s: s.virtual_service.retries.attempts, 1000),
    ({"virtualService": {"retries": None}}, lambda s: s.virtual_service.retries, None),
    ({"mtls": {"rootNamespace": "a" * 63}}, lambda s: s.mtls.root_namespace, "a" * 63),
    ({"destinationRule": {"labels": {"app": ""}}}, lambda s: dict(s.destination_rule.labels), {"app": ""}),
    ({"destinationRule": {"nameTemplate": "{namespace}.{name}"}}, lambda s: s.destination_rule.name_template,
     "{namespace}.{name}"),
    ({"injection": {"mode": "revision", "revision": "1-24"}}, lambda s: (s.injection.mode, s.injection.revision),
     ("revision", "1-24")),
    ({"injection": {"mode": "enabled", "revision": ""}}, lambda s: (s.injection.mode, s.injection.revision),
     ("enabled", "")),
    ({"exclude": {"names": ["shop/cart", "web"]}}, lambda s: s.exclude.names, ("shop/cart", "web")),
    ({"exclude": {"selector": {"matchExpressions": [{"key": "a", "operator": "Exists"}]}}},
     lambda s: s.exclude.selector, st.LabelSelector({}, (st.LabelRequirement("a", "Exists"),))),
    ({"resilience": {"outlierDetection": {"consecutive5xxErrors": 6}}},
     lambda s: s.resilience.outlier_detection.consecutive_5xx_errors, 6),
    ({"resilience": {"outlierDetection": {"consecutive5xxErrors": 5, "consecutiveGatewayErrors": 0}}},
     lambda s: s.resilience.outlier_detection.consecutive_gateway_errors, 0),
    ({"services": [{"name": "a", "outlierDetection": {"consecutive5xxErrors": 3, "consecutiveGatewayErrors": 2}}]},
     lambda s: dict(s.services[0].outlier_detection), {"consecutive_5xx_errors": 3, "consecutive_gateway_errors": 2}),
    ({"services": [{"name": "a"}, {"name": "a", "namespace": "other"}]},
     lambda s: [(o.name, o.namespace) for o in s.services], [("a", None), ("a", "other")]),
    ({"services": [{"name": "x", "ports": [{"port": 1}, {"port": 65535}, {"port": "grpc"}]}]},
     lambda s: [p.port for p in s.services[0].ports], [1, 65535, "grpc"]),
    ({"services": [{"name": "x", "ports": [{"port": 1, "timeout": "5s"}]}]},
     lambda s: s.services[0].ports[0].timeout, "5s"),
    ({"services": [{"name": "x", "split": {"weights": {"v1": 100}, "mirror": "v2"}}]},
     lambda s: s.services[0].split, st.Split({"v1": 100}, None, "v2", None)),
    ({"authorization": {"metricsPrincipals": ["td/ns/monitoring/sa/prometheus"]}},
     lambda s: s.authorization.metrics_principals, ("td/ns/monitoring/sa/prometheus",)),
    ({"requestAuthentication": {"providers": [{"name": "p", "issuer": "i", "jwks": "{}"}]}},
     lambda s: s.request_authentication.providers, (st.JwtProvider("p", "i", jwks="{}"),)),
]
# "0s", "0", "none" and null on a port all mean: no timeout on that port's route.
EDGES += [({"services": [{"name": "x", "ports": [{"port": 1, "timeout": t}]}]},
           lambda s: s.services[0].ports[0].timeout, None) for t in ("0s", "0", "none", None)]


@pytest.mark.parametrize("spec,get,want", EDGES, ids=[f"edge{i}" for i in range(len(EDGES))])
def test_values_on_the_edge_are_accepted(spec, get, want):
    assert get(ok(spec)) == want


def test_every_problem_is_reported_at_once():
    found = problems({"virtualService": {"timeout": "thirty", "retries": {"attempts": -1}}, "defaultNamespace": "X"})
    assert sorted(p for p, _ in found) == [
        "spec.defaultNamespace", "spec.virtualService.retries.attempts", "spec.virtualService.timeout"]


# ------------------------------------------------------------ the error report itself

def test_unknown_fields_list_what_is_allowed_at_that_place():
    assert only({"virtualService": {"retries": {"attemps": 2}}}) == (
        "spec.virtualService.retries.attemps",
        "unknown field; allowed here: attempts, perTryTimeout, retryOn (got 2)")
    assert only({"services": [{"name": "a", "timout": "1s"}]}) == (
        "spec.services[0].timout", "unknown field; allowed here: name, namespace, timeout, retries, loadBalancer, "
        "tlsMode, subsetLabel, outlierDetection, connectionPool, split, ports, routingApi (got '1s')")
    assert only({"resilience": {"outlierDetection": {"consecutive5xx": 1}}}) == (
        "spec.resilience.outlierDetection.consecutive5xx", "unknown field; allowed here: enabled, "
        "consecutive5xxErrors, consecutiveGatewayErrors, interval, baseEjectionTime, maxEjectionPercent (got 1)")


def test_an_unknown_field_under_a_mapping_key_is_named_without_a_list():
    # allowed_fields does not follow mapping keys (here the header name)
    assert only({"services": [{"name": "x", "split": {"weights": {"v1": 100}, "match": {
        "headers": {"x-h": {"exact": "a", "bogus": 1}}, "subset": "v1"}}}]}) == (
        "spec.services[0].split.match.headers.x-h.bogus", "unknown field (got 1)")


def test_an_unknown_top_level_field_and_a_wrong_api_version():
    settings, results = Results(), None
    results = Results()
    assert st.load_settings({"apiVersion": config.API_VERSION, "kind": config.KIND, "specs": {}}, results) is None
    (err,) = results
    assert err.message == "invalid function config: specs: unknown field; allowed here: apiVersion, kind, metadata, spec (got {})"
    assert err.field == {"path": "specs", "currentValue": None}
    assert err.resource_ref == {"apiVersion": config.API_VERSION, "kind": config.KIND}
    results = Results()
    assert st.load_settings({"apiVersion": "istio-mesh-fn.dev/v1", "kind": config.KIND}, results) is None
    (err,) = results
    assert err.field == {"path": "apiVersion", "currentValue": "istio-mesh-fn.dev/v1"}
    assert err.message.startswith("invalid function config: apiVersion: ") and "'istio-mesh-fn.dev/v1alpha1'" in err.message


def test_the_current_value_is_given_for_scalars_only():
    settings, results = load({"virtualService": {"retries": {"attempts": "x"}, "timeout": 7}, "injection": "on",
                              "hosts": {"style": True}, "defaultNamespace": 1.5})
    assert {r.field["path"]: r.field["currentValue"] for r in results} == {
        "spec.virtualService.retries.attempts": "x", "spec.virtualService.timeout": 7, "spec.injection": "on",
        "spec.hosts.style": True, "spec.defaultNamespace": 1.5}
    settings, results = load({"injection": {"mode": "revision"}})
    assert results[0].field == {"path": "spec.injection", "currentValue": None}


def test_a_missing_field_shows_no_value():
    assert only({"services": [{"namespace": "shop"}]}) == ("spec.services[0].name", "Field required")
    settings, results = load({"services": [{"namespace": "shop"}]})
    assert results[0].field == {"path": "spec.services[0].name", "currentValue": None}


def test_a_bad_mapping_key_is_named_by_its_mapping():
    # "[key]" is pydantic's marker for the key of a mapping: the message already says so.
    assert only({"destinationRule": {"labels": {"bad key!": "x"}}}) == (
        "spec.destinationRule.labels.bad key!", f"{LABEL_KEY} (got 'bad key!')")


def test_fmt_shortens_long_values_to_80_characters():
    assert fmt("a" * 78) == repr("a" * 78)
    assert len(repr("a" * 78)) == 80
    assert fmt("a" * 79) == "'" + "a" * 76 + "..."
    assert len(fmt("a" * 500)) == 80
    assert fmt(None) == "None"


def test_where_writes_a_path_as_the_user_wrote_it():
    assert where(()) == ""
    assert where(("spec", "services", 0, "ports", 1, "port")) == "spec.services[0].ports[1].port"
    assert where((0, "a")) == "[0].a"
    assert where(("a",)) == "a"


@pytest.mark.parametrize("obj,ref", [
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "m"}}, {"apiVersion": "v1", "kind": "ConfigMap", "name": "m"}),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": ""}}, {"apiVersion": "v1", "kind": "ConfigMap"}),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": "m"}, {"apiVersion": "v1", "kind": "ConfigMap"}),
    ({"kind": "IstioMesh", "metadata": {"name": 7}}, {"apiVersion": "", "kind": "IstioMesh", "name": "7"}),
    ({}, {"apiVersion": "", "kind": ""}),
])
def test_the_config_names_itself_in_results(obj, ref):
    assert ref_of(obj) == ref


def test_allowed_fields_follow_aliases_lists_and_optional_models():
    assert allowed_fields(config.IstioMesh, ("spec", "services", 0, "retries")) == ["attempts", "perTryTimeout", "retryOn"]
    assert allowed_fields(config.IstioMesh, ("spec", "analyze")) == ["generated", "schema", "failOn"]
    assert allowed_fields(config.IstioMesh, ("spec", "exclude", "selector")) == ["matchLabels", "matchExpressions"]
    # by field name too, as pydantic reports some locations
    assert allowed_fields(config.IstioMesh, ("spec", "virtual_service")) == [
        "enabled", "nameTemplate", "labels", "timeout", "retries"]
    assert allowed_fields(config.IstioMesh, ("spec", "nothing")) == []
    assert allowed_fields(config.IstioMesh, ("spec", "defaultNamespace")) == []


def test_the_json_schema_is_what_editors_validate_against():
    schema = config.json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "IstioMesh function config (istio-mesh-fn)"
    assert "apiVersion" in schema["properties"] and "api_version" not in schema["properties"]
    assert json_schema(config.Retries, "t")["properties"]["perTryTimeout"]["default"] == "10s"


def test_the_defaults_are_the_committed_defaults_file():
    import json

    from pathlib import Path

    path = Path(st.__file__).parent / "schema" / "defaults.json"
    assert config.defaults() == json.loads(path.read_text(encoding="utf-8"))
    assert "virtual_service" in config.defaults() and "virtualService" not in config.defaults()


def test_duration_text_refuses_non_strings_before_parsing():
    with pytest.raises(ValueError, match="a quoted string with a unit"):
        fields._duration_text(30)
    assert fields._duration_text("30s") == "30s"
