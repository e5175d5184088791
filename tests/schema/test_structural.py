"""OpenAPI v3 checks of the CRD schemas, as the API server applies them."""

from __future__ import annotations

import pytest

from fn.analyze.schema import Issue, known_kind, validate
from fn.analyze.schema.catalog import data
from fn.analyze.schema.structural import NOT_CHECKED

from .helpers import assert_clean, obj, texts

def route():
    return [{"destination": {"host": "r"}}]


def vs_http(**http):
    return obj("VirtualService", {"hosts": ["r"], "http": [{"route": route(), **http}]})


def issues_at(o, path):
    return [i for i in validate(o) if i.path == path]


# ------------------------------------------------------------------ kinds
def test_known_kind_covers_every_served_version():
    kinds = data()["kinds"]
    assert sum(len(k) for k in kinds.values()) == 33
    assert known_kind("networking.istio.io/v1", "VirtualService")
    assert known_kind("networking.istio.io/v1alpha3", "VirtualService")
    assert known_kind("networking.istio.io/v1beta1", "ProxyConfig")
    assert known_kind("telemetry.istio.io/v1", "Telemetry")
    assert not known_kind("networking.istio.io/v1", "ProxyConfig")  # served only as v1beta1
    assert not known_kind("networking.istio.io/v2", "VirtualService")
    assert not known_kind("v1", "Service")


def test_unserved_istio_version_is_reported_and_other_groups_are_ignored():
    issues = validate({"apiVersion": "networking.istio.io/v2", "kind": "VirtualService", "metadata": {"name": "x"}})
    assert texts(issues) == ['no matches for kind "VirtualService" in version "networking.istio.io/v2"']
    assert validate({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}, "spec": {"bogus": 1}}) == []
    assert validate({"apiVersion": "apps/v1", "kind": "Deployment", "spec": None}) == []


@pytest.mark.parametrize("api", ["networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"])
def test_every_served_version_is_checked(api):
    o = obj("VirtualService", {"hosts": ["r"], "http": [{"route": route(), "timeout": "0s"}], "bogus": True}, api=api)
    assert texts(validate(o)) == [
        'unknown field "spec.bogus"',
        'spec.http[0].timeout: Invalid value: "string": must be a valid duration greater than 1ms',
    ]


# ---------------------------------------------------------- unknown fields
def test_unknown_fields_are_errors_naming_the_path():
    o = vs_http(retrys={"attempts": 3})
    o["spec"]["http"][0]["route"][0]["destination"]["hots"] = "r"
    o["spec"]["hostz"] = ["r"]
    o["extra"] = 1
    issues = validate(o)
    unknown = [i for i in issues if i.kind == "unknown"]
    assert sorted(i.text for i in unknown) == [
        'unknown field "extra"',
        'unknown field "spec.hostz"',
        'unknown field "spec.http[0].retrys"',
        'unknown field "spec.http[0].route[0].destination.hots"',
    ]
    assert all(i.path and i.message == "unknown field" for i in unknown)


def test_preserve_unknown_fields_keeps_anything():
    # EnvoyFilter patch values are free-form (google.protobuf.Struct).
    ef = obj("EnvoyFilter", {"configPatches": [{"applyTo": "HTTP_FILTER", "patch": {
        "operation": "MERGE", "value": {"name": "envoy.lua", "typed_config": {"@type": "x", "anything": [1, {"a": None}]}}}}]})
    assert_clean(ef)


def test_status_is_not_validated_with_the_status_subresource():
    o = obj("VirtualService", {"hosts": ["r"]}, status={"conditions": "not-a-list", "whatever": 1})
    assert_clean(o)


def test_metadata_is_checked_like_object_meta():
    o = obj("VirtualService", {"hosts": ["r"]})
    o["metadata"].update({"bogus": 1, "labels": {"app": "a b", "ok/key": "v", "bad key": "v"}, "annotations": {"n": 3}})
    got = texts(validate(o))
    assert 'unknown field "metadata.bogus"' in got
    assert any(t.startswith('metadata.labels: Invalid value: "a b": a valid label must be') for t in got)
    assert any(t.startswith('metadata.labels: Invalid value: "bad key": name part must consist') for t in got)
    assert 'metadata.annotations[n]: Invalid value: "integer": must be of type string' in got
    bad_name = obj("VirtualService", {"hosts": ["r"]}, name="Reviews_V1")
    assert [i.path for i in validate(bad_name)] == ["metadata.name"]
    nameless = obj("VirtualService", {"hosts": ["r"]})
    del nameless["metadata"]["name"]
    assert texts(validate(nameless)) == ["metadata.name: Required value: name or generateName is required"]
    bad_ns = obj("VirtualService", {"hosts": ["r"]})
    bad_ns["metadata"]["namespace"] = "Prod.NS"
    assert [i.path for i in validate(bad_ns)] == ["metadata.namespace"]


# ------------------------------------------------------------------- types
@pytest.mark.parametrize(
    "http, path, body",
    [
        ({"timeout": 30}, "spec.http[0].timeout", 'Invalid value: "integer": must be of type string'),
        ({"retries": {"attempts": "3"}}, "spec.http[0].retries.attempts", 'Invalid value: "string": must be of type integer'),
        ({"retries": {"attempts": True}}, "spec.http[0].retries.attempts", 'Invalid value: "boolean": must be of type integer'),
        ({"retries": "3"}, "spec.http[0].retries", 'Invalid value: "string": must be of type object'),
        ({"match": {"uri": {"exact": "/"}}}, "spec.http[0].match", 'Invalid value: "object": must be of type array'),
        ({"headers": {"request": {"set": {"x-a": 1}}}}, "spec.http[0].headers.request.set[x-a]",
         'Invalid value: "integer": must be of type string'),
        ({"fault": {"abort": {"httpStatus": 503, "percentage": {"value": "10"}}}},
         "spec.http[0].fault.abort.percentage.value", 'Invalid value: "string": must be of type number'),
        ({"mirrorPercentage": {"value": True}}, "spec.http[0].mirrorPercentage.value", 'Invalid value: "boolean": must be of type number'),
    ],
)
def test_wrong_types(http, path, body):
    issues = validate(vs_http(**http))
    assert (path, body) in [(i.path, i.message) for i in issues], texts(issues)
    assert issues[-1].text == NOT_CHECKED  # a type error blocks the CEL rules, as in the API server


def test_numbers_and_integers():
    # 10.0 decodes as an integer; 10.5 does not. Integers are numbers.
    ok = vs_http(retries={"attempts": 3.0}, fault={"abort": {"httpStatus": 503, "percentage": {"value": 10}}})
    assert_clean(ok)
    assert texts(validate(vs_http(retries={"attempts": 3.5}))) == [
        'spec.http[0].retries.attempts: Invalid value: "number": must be of type integer', NOT_CHECKED]


def test_int_or_string():
    # The CRDs use int-or-string only under status, which create drops: check the node itself.
    from fn.analyze.schema.structural import Node, Walk

    node = Node({"x-kubernetes-int-or-string": True, "anyOf": [{"type": "integer"}, {"type": "string"}]})
    for good in (1, "1", "50%"):
        w = Walk()
        w.check(node, good, "f")
        assert w.issues == []
    for bad, kind in ((True, "boolean"), (1.5, "number"), ([1], "array")):
        w = Walk()
        w.check(node, bad, "f")
        assert [i.text for i in w.issues] == [f'f: Invalid value: "{kind}": must be an integer or a string']


def test_nulls_of_non_nullable_fields_are_dropped_and_nullable_nulls_kept():
    # The API server prunes nulls of non-nullable fields before validating.
    assert_clean(vs_http(timeout=None, retries=None))
    o = obj("VirtualService", {"hosts": ["r"], "http": None, "gateways": None})
    assert_clean(o)
    # nullable: true fields accept null as such.
    dr = obj("DestinationRule", {"host": "r", "trafficPolicy": {"loadBalancer": {"localityLbSetting": {"enabled": None}}}})
    assert_clean(dr)
    # A null inside a list is not a field: it stays and fails the item's type.
    assert texts(validate(obj("VirtualService", {"hosts": ["r", None]}))) == [
        'spec.hosts[1]: Invalid value: "null": must be of type string', NOT_CHECKED]


# -------------------------------------------------------------- value checks
def test_required():
    o = obj("VirtualService", {"hosts": ["r"], "http": [{"route": [{"weight": 100}]}]})
    assert texts(validate(o)) == ["spec.http[0].route[0].destination: Required value", NOT_CHECKED]
    dr = obj("DestinationRule", {"subsets": [{"name": "v1"}]})
    assert "spec.host: Required value" in texts(validate(dr))


def test_enum():
    pa = obj("PeerAuthentication", {"mtls": {"mode": "strict"}})
    assert texts(validate(pa)) == [
        'spec.mtls.mode: Unsupported value: "strict": supported values: "UNSET", "DISABLE", "PERMISSIVE", "STRICT"',
        NOT_CHECKED,
    ]
    dr = obj("DestinationRule", {"host": "r", "trafficPolicy": {"tls": {"mode": "MUTUAL_ISTIO"}}})
    assert [i.kind for i in validate(dr)] == ["unsupported", "not-checked"]


def test_pattern():
    # WasmPlugin's sha256 must be 64 lowercase hex digits (or empty).
    ok = obj("WasmPlugin", {"url": "oci://ghcr.io/x/f:1", "sha256": "a" * 64})
    assert_clean(ok)
    assert_clean(obj("WasmPlugin", {"url": "oci://ghcr.io/x/f:1", "sha256": ""}))
    bad = obj("WasmPlugin", {"url": "oci://ghcr.io/x/f:1", "sha256": "ABC"})
    assert texts(validate(bad)) == ['spec.sha256: Invalid value: "ABC": should match \'(^$|^[a-f0-9]{64}$)\'']
    # Gateway API style targetRef kinds.
    ref = obj("AuthorizationPolicy", {"targetRef": {"group": "gateway.networking.k8s.io", "kind": "gate way", "name": "gw"}})
    assert [i.path for i in validate(ref)] == ["spec.targetRef.kind"]


def test_string_and_number_bounds():
    long_name = obj("WasmPlugin", {"url": "oci://ghcr.io/x/f:1", "pluginName": "p" * 257})
    assert texts(validate(long_name))[0] == "spec.pluginName: Too long: may not be more than 256 bytes"
    empty_name = obj("WasmPlugin", {"url": "oci://ghcr.io/x/f:1", "pluginName": ""})
    assert texts(validate(empty_name)) == ['spec.pluginName: Invalid value: "": should be at least 1 chars long']
    od = obj("DestinationRule", {"host": "r", "trafficPolicy": {"outlierDetection": {
        "consecutive5xxErrors": -1, "outlierDetectionHttpErrorCodes": [100, 600]}}})
    assert texts(validate(od)) == [
        "spec.trafficPolicy.outlierDetection.consecutive5xxErrors: Invalid value: -1: should be greater than or equal to 0",
        "spec.trafficPolicy.outlierDetection.outlierDetectionHttpErrorCodes[1]: Invalid value: 600: "
        "should be less than or equal to 599",
    ]
    warm = obj("DestinationRule", {"host": "r", "trafficPolicy": {"loadBalancer": {"warmup": {
        "duration": "10s", "minimumPercent": 100.5}}}})
    assert texts(validate(warm)) == [
        "spec.trafficPolicy.loadBalancer.warmup.minimumPercent: Invalid value: 100.5: should be less than or equal to 100"]
    big = obj("VirtualService", {"hosts": ["r"], "http": [{"route": [{"destination": {"host": "r", "port": {"number": 2**32}}}]}]})
    assert texts(validate(big)) == [
        "spec.http[0].route[0].destination.port.number: Invalid value: 4294967296: should be less than or equal to 4294967295"]


def test_list_bounds_and_list_map_keys():
    se = obj("ServiceEntry", {"hosts": ["a.example"], "ports": [{"number": 80 + i, "name": f"p{i}"} for i in range(257)]})
    assert "spec.ports: Too many: 257: must have at most 256 items" in texts(validate(se))
    dup = obj("ServiceEntry", {"hosts": ["a.example"], "ports": [{"number": 80, "name": "http"}, {"number": 81, "name": "http"}]})
    assert texts(validate(dup)) == ['spec.ports[1]: Duplicate value: {"name": "http"}']


def test_one_of_fields():
    uri = vs_http(match=[{"uri": {"exact": "/a", "prefix": "/b"}}])
    assert texts(validate(uri)) == [
        'spec.http[0].match[0].uri: Invalid value: "object": must validate one and only one schema (oneOf): '
        "at most one of exact, prefix, regex may be set, found exact, prefix"]
    assert_clean(vs_http(match=[{"uri": {"prefix": "/b"}}, {"uri": {}}]))
    lb = obj("DestinationRule", {"host": "r", "trafficPolicy": {"loadBalancer": {
        "simple": "ROUND_ROBIN", "consistentHash": {"httpHeaderName": "x"}}}})
    assert [i.path for i in validate(lb)] == ["spec.trafficPolicy.loadBalancer"]
    # allOf + oneOf nested inside consistentHash
    ch = obj("DestinationRule", {"host": "r", "trafficPolicy": {"loadBalancer": {"consistentHash": {
        "httpHeaderName": "x", "useSourceIp": True}}}})
    assert [i.path for i in validate(ch)] == ["spec.trafficPolicy.loadBalancer.consistentHash"]


def test_format_date_time_and_byte():
    from fn.analyze.schema.structural import Node, Walk

    dt = Node({"type": "string", "format": "date-time"})
    by = Node({"type": "string", "format": "byte"})
    for node, good, bad in ((dt, "2026-07-21T10:00:00Z", "yesterday"), (by, "aGVsbG8=", "not base64!")):
        w = Walk()
        w.check(node, good, "f")
        assert w.issues == []
        w.check(node, bad, "f")
        assert [i.kind for i in w.issues] == ["invalid"]


def test_composition_keywords_never_prune():
    # Regression: the oneOf alternatives name only "required"; they must see every field.
    assert_clean(vs_http(match=[{"headers": {"x-a": {"exact": "1"}}, "uri": {"regex": "/a.*"}}]))


def test_cel_rules_see_the_pruned_object():
    # Unknown fields are reported and dropped before the rules run (as the API server
    # prunes them), so a rule counting fields is not fooled by a typo'd one.
    se = obj("ServiceEntry", {"hosts": ["a.example"], "resolution": "NONE", "endpoints": None, "endpointz": []})
    assert texts(validate(se)) == ['unknown field "spec.endpointz"']


def test_issue_text_and_fields():
    i = Issue("spec.http[0].timeout", 'Invalid value: "string": must be a valid duration greater than 1ms', "rule")
    assert str(i) == 'spec.http[0].timeout: Invalid value: "string": must be a valid duration greater than 1ms'
    assert Issue("spec.x", "unknown field", "unknown").text == 'unknown field "spec.x"'
    assert validate(["not", "an", "object"])[0].kind == "type"


def test_schema_and_rule_both_report():
    # oneOf is not a blocking error, so the CEL rules still run, as in the API server.
    both = obj("TrafficExtension", {"wasm": {"url": "oci://ghcr.io/x/f:1"}, "lua": {"inlineCode": "x"}})
    assert texts(validate(both)) == [
        'spec: Invalid value: "object": must validate one and only one schema (oneOf): '
        "at most one of wasm, lua may be set, found wasm, lua",
        'spec: Invalid value: "object": exactly one of wasm or lua must be set',
    ]


def test_values_are_seen_as_the_api_server_decodes_them():
    import yaml

    # 443.0 is the integer 443 to the API server, and to the CEL rules after it.
    se = obj("ServiceEntry", {"hosts": ["a.example"], "ports": [{"number": 443.0, "name": "tls"}]})
    assert_clean(se)
    zero = obj("ServiceEntry", {"hosts": ["a.example"], "ports": [{"number": 0.0, "name": "tls"}]})
    assert texts(validate(zero)) == ['spec.ports[0].number: Invalid value: "integer": port must be between 1-65535']
    # PyYAML turns unquoted dates into date objects; kubectl sends them as strings.
    doc = yaml.safe_load(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: x}\n"
        "spec:\n  hosts: [r]\n  http:\n  - route: [{destination: {host: r}}]\n"
        "    headers: {request: {set: {x-release: 2026-07-21, x-at: 2026-07-21T10:00:00Z}}}\n"
        "    retries: {attempts: 3}\n")
    assert_clean(doc)
    # and integer map keys (portLevelMtls: {8080: ...}) as the strings JSON has.
    pa = yaml.safe_load(
        "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: x}\n"
        "spec: {selector: {matchLabels: {app: a}}, portLevelMtls: {8080: {mode: DISABLE}, 0: {mode: STRICT}}}\n")
    assert texts(validate(pa)) == ['spec.portLevelMtls: Invalid value: "object": port must be between 1-65535']


def test_min_items_min_properties_and_max_properties():
    no_hosts = obj("ServiceEntry", {"hosts": [], "ports": [{"number": 443, "name": "tls"}]})
    assert texts(validate(no_hosts)) == ["spec.hosts: Invalid value: 0: should have at least 1 items"]
    no_names = obj("Gateway", {"servers": [{"port": {"number": 443, "name": "https", "protocol": "HTTPS"},
                                            "hosts": ["*"], "tls": {"mode": "SIMPLE", "credentialNames": []}}]})
    assert texts(validate(no_names)) == ["spec.servers[0].tls.credentialNames: Invalid value: 0: should have at least 1 items"]
    empty = obj("PeerAuthentication", {"selector": {"matchLabels": {"app": "a"}}, "portLevelMtls": {}})
    assert texts(validate(empty)) == ["spec.portLevelMtls: Invalid value: 0: should have at least 1 properties"]
    many = obj("WorkloadEntry", {"address": "10.0.0.1", "ports": {f"p{i}": 1000 + i for i in range(129)}})
    assert texts(validate(many)) == ["spec.ports: Too many: 129: must have at most 128 items", NOT_CHECKED]


def test_enum_compares_as_json():
    from fn.analyze.schema.structural import Node, Walk

    node = Node({"enum": ["1", 2, True, {"a": 1}], "x-kubernetes-preserve-unknown-fields": True})
    for good in ("1", 2, 2.0, True, {"a": 1}):
        w = Walk()
        w.check(node, good, "f")
        assert w.issues == [], good
    for bad in (1, "2", 1.5, False, {"a": 2}):
        w = Walk()
        w.check(node, bad, "f")
        assert [i.kind for i in w.issues] == ["unsupported"], bad
