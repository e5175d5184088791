"""Every CEL rule in Istio's CRDs, broken and kept: one case per rule family with an
object that breaks it (the issue names the rule, the field and the CRD's message) and
one that passes. A rule added to the CRDs fails ``test_every_rule_has_a_case`` until it
gets a case here."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from fn.analyze.schema import validate
from fn.analyze.schema.catalog import data

from .helpers import obj, texts

DURATION = "duration(self) >= duration('1ms')"
PORT = "0 < self && self <= 65535"
SAME_NS = "self.size() == 0"
KEY_NO_WILDCARD = 'self.all(key, !key.contains("*"))'
KEY_NOT_EMPTY = "self.all(key, key.size() != 0)"
VALUE_NO_WILDCARD = '!self.contains("*")'
UDS_NO_PORTS = '(has(self.address) ? self.address : "").startsWith("unix://") ? !has(self.ports) : true'
UDS_ABSOLUTE = 'self.startsWith("unix://") ? (self.substring(7, 8) == "/" || self.substring(7, 8) == "@") : true'
UDS_NOT_DIR = 'self.startsWith("unix://") ? !self.endsWith("/") : true'
PORT_NAMES = 'self.all(key, size(key) < 63 && key.matches("^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$"))'
SELECTOR_TARGETREF_TARGETREFS = (
    "(has(self.selector) ? 1 : 0) + (has(self.targetRef) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1"
)
SELECTOR_TARGETREFS = "(has(self.selector) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1"
WORKLOADSELECTOR_TARGETREFS = "(has(self.workloadSelector) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1"
TLSCERTS_CREDNAMES = "(has(self.tlsCertificates) ? 1 : 0) + (has(self.credentialNames) ? 1 : 0) <= 1"
CREDNAME_CREDNAMES = "(has(self.credentialName) ? 1 : 0) + (has(self.credentialNames) ? 1 : 0) <= 1"
CREDNAMES_TLSCERTS = "(has(self.credentialNames) ? 1 : 0) + (has(self.tlsCertificates) ? 1 : 0) <= 1"
ADDRESS_OR_NETWORK = "has(self.address) || has(self.network)"
JWKS_URL = 'url(self).getScheme() in ["http", "https"]'
SELECTOR_OR_ENDPOINTS = "(has(self.workloadSelector) ? 1 : 0) + (has(self.endpoints) ? 1 : 0) <= 1"
CIDR_RESOLUTION = (
    '!((has(self.addresses) ? self.addresses : []).exists(k, k.contains("/")) && '
    '!((has(self.resolution) ? self.resolution : "NONE") in ["STATIC", "NONE"]))'
)
NONE_NO_ENDPOINTS = '((has(self.resolution) ? self.resolution : "NONE") == "NONE") ? !has(self.endpoints) : true'
DNS_RR_ONE_ENDPOINT = (
    '((has(self.resolution) ? self.resolution : "") == "DNS_ROUND_ROBIN") ? '
    "((has(self.endpoints) ? self.endpoints : []).size() <= 1) : true"
)
HOST_NOT_WILDCARD = 'self != "*"'
PORT_NUMBER_UNIQUE = "self.all(l1, self.exists_one(l2, l1.number == l2.number))"
PROBE_SCHEME = 'self in ["", "HTTP", "HTTPS"]'
ENV_HOST_NO_VALUE = '(has(self.valueFrom) ? self.valueFrom : "") != "HOST" || !has(self.value)'
SERVICE_ACCOUNTS_ALONE = (
    "(has(self.serviceAccounts) || has(self.notServiceAccounts)) ? (!has(self.principals) &&\n"
    "!has(self.notPrincipals) && !has(self.namespaces) && !has(self.notNamespaces)) : true"
)
PORT_LEVEL_MTLS_SELECTOR = (
    "has(self.portLevelMtls) ? (((has(self.selector) && has(self.selector.matchLabels)) ? "
    "self.selector.matchLabels : {}).size() > 0) : true"
)
PORT_KEYS = "self.all(key, 0 < int(key) && int(key) <= 65535)"
ONE_JWKS = "(has(self.jwksUri) ? 1 : 0) + (has(self.jwks_uri) ? 1 : 0) + (has(self.jwks) ? 1 : 0) <= 1"
UPSERT_VALUE = '((has(self.operation) ? self.operation : "") == "UPSERT") ? (self.value != "") : true'
REMOVE_NO_VALUE = '((has(self.operation) ? self.operation : "") == "REMOVE") ? !has(self.value) : true'
WASM_XOR_LUA = "has(self.wasm) != has(self.lua)"
TRAFFICEXT_URL = (
    'isURL(self) ? (url(self).getScheme() in ["", "http", "https", "file", "oci"]) : (isURL("http://" + self) &&\n'
    'url("http://" + self).getScheme() in ["", "http", "https", "file", "oci"])'
)
WASMPLUGIN_URL = (
    'isURL(self) ? (url(self).getScheme() in ["", "http", "https", "oci", "file"]) : (isURL("http://" + self) &&\n'
    'url("http://" + self).getScheme() in ["", "http", "https", "oci", "file"])'
)
WAYPOINT_CONTEXT = (
    'has(self.context) ? ((self.context == "WAYPOINT") ? has(self.waypoint) : !has(self.waypoint)) : '
    "!has(self.waypoint)"
)


# ------------------------------------------------------------------ objects
def vs(timeout: str) -> dict[str, Any]:
    return obj("VirtualService", {"hosts": ["r"], "http": [{"timeout": timeout, "route": [{"destination": {"host": "r"}}]}]})


def dr_connect_timeout(t: str) -> dict[str, Any]:
    return obj("DestinationRule", {"host": "r", "trafficPolicy": {"connectionPool": {"tcp": {"connectTimeout": t}}}})


def se(**spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"hosts": ["api.example.com"], "ports": [{"number": 443, "name": "tls", "protocol": "TLS"}]}
    base.update(spec)
    return obj("ServiceEntry", base)


def se_port(n: int) -> dict[str, Any]:
    return se(ports=[{"number": n, "name": "tls", "protocol": "TLS"}], resolution="DNS")


def we(**spec: Any) -> dict[str, Any]:
    return obj("WorkloadEntry", spec)


def ap(**spec: Any) -> dict[str, Any]:
    return obj("AuthorizationPolicy", spec)


GW_REF = {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "gw"}
SEL = {"matchLabels": {"app": "a"}}


def gw_tls(**tls: Any) -> dict[str, Any]:
    server = {"port": {"number": 443, "name": "https", "protocol": "HTTPS"}, "hosts": ["*"], "tls": {"mode": "SIMPLE", **tls}}
    return obj("Gateway", {"selector": {"istio": "ingressgateway"}, "servers": [server]})


def sidecar_tls(**tls: Any) -> dict[str, Any]:
    ingress = {"port": {"number": 8443, "name": "https", "protocol": "HTTPS"}, "defaultEndpoint": "127.0.0.1:8080",
               "tls": {"mode": "SIMPLE", **tls}}
    return obj("Sidecar", {"ingress": [ingress]})


CERT = {"serverCertificate": "/etc/certs/cert.pem", "privateKey": "/etc/certs/key.pem"}


def pa(**spec: Any) -> dict[str, Any]:
    return obj("PeerAuthentication", spec)


def jwt(**rule: Any) -> dict[str, Any]:
    return obj("RequestAuthentication", {"jwtRules": [{"issuer": "https://issuer.example.com", **rule}]})


def tag_override(**op: Any) -> dict[str, Any]:
    return obj("Telemetry", {"metrics": [{"providers": [{"name": "prometheus"}],
                                          "overrides": [{"tagOverrides": {"request_host": op}}]}]})


def wasm_env(**env: Any) -> dict[str, Any]:
    return obj("WasmPlugin", {"url": "oci://ghcr.io/x/filter:1", "vmConfig": {"env": [{"name": "E", **env}]}})


def wasmplugin(**spec: Any) -> dict[str, Any]:
    return obj("WasmPlugin", {"url": "oci://ghcr.io/x/filter:1", **spec})


def trafficext(**spec: Any) -> dict[str, Any]:
    return obj("TrafficExtension", spec)


WASM = {"url": "oci://ghcr.io/x/filter:1"}
LUA = {"inlineCode": "function envoy_on_request(h) end"}


def envoyfilter(**spec: Any) -> dict[str, Any]:
    return obj("EnvoyFilter", spec)


def ef_match(**match: Any) -> dict[str, Any]:
    return envoyfilter(configPatches=[{"applyTo": "HTTP_FILTER", "match": match,
                                       "patch": {"operation": "INSERT_BEFORE", "value": {"name": "f"}}}])


def probe(**http_get: Any) -> dict[str, Any]:
    return obj("WorkloadGroup", {"template": {"serviceAccount": "sa"},
                                 "probe": {"httpGet": {"port": 8080, "path": "/healthz", **http_get}}})


# -------------------------------------------------------------------- cases
@dataclass
class Case:
    id: str
    rule: str
    good: list[dict[str, Any]]
    bad: dict[str, Any]
    path: str
    message: str  # the whole field error body after the path
    extra_bad: list[tuple[dict[str, Any], str, str]] = field(default_factory=list)  # (object, path, body)


CASES = [
    Case("duration-minimum", DURATION, [vs("1ms"), vs("30s"), vs("1h30m"), vs("1.5s"), dr_connect_timeout("10ms")],
         vs("0.5ms"), "spec.http[0].timeout", 'Invalid value: "string": must be a valid duration greater than 1ms',
         [(vs("999us"), "spec.http[0].timeout", 'Invalid value: "string": must be a valid duration greater than 1ms'),
          (dr_connect_timeout("0s"), "spec.trafficPolicy.connectionPool.tcp.connectTimeout",
           'Invalid value: "string": must be a valid duration greater than 1ms'),
          (vs("1d"), "spec.http[0].timeout",
           'Invalid value: "string": string to duration conversion failed: time: unknown unit "d" in duration "1d" '
           "evaluating rule: must be a valid duration greater than 1ms"),
          (vs("30"), "spec.http[0].timeout",
           'Invalid value: "string": string to duration conversion failed: time: missing unit in duration "30" '
           "evaluating rule: must be a valid duration greater than 1ms")]),
    Case("port-range", PORT, [se_port(1), se_port(65535)], se_port(0), "spec.ports[0].number",
         'Invalid value: "integer": port must be between 1-65535',
         [(se_port(65536), "spec.ports[0].number", 'Invalid value: "integer": port must be between 1-65535'),
          (we(address="10.0.0.1", ports={"http": 70000}), "spec.ports[http]",
           'Invalid value: "integer": port must be between 1-65535')]),
    Case("no-cross-namespace-ref", SAME_NS, [ap(targetRef={**GW_REF, "namespace": ""}), ap(targetRef=GW_REF)],
         ap(targetRef={**GW_REF, "namespace": "other"}), "spec.targetRef.namespace",
         'Invalid value: "string": cross namespace referencing is not currently supported',
         [(ap(targetRefs=[GW_REF, {**GW_REF, "namespace": "other"}]), "spec.targetRefs[1].namespace",
           'Invalid value: "string": cross namespace referencing is not currently supported')]),
    Case("label-key-no-wildcard", KEY_NO_WILDCARD, [ap(selector={"matchLabels": {"app": "a"}})],
         ap(selector={"matchLabels": {"app*": "a"}}), "spec.selector.matchLabels",
         'Invalid value: "object": wildcard not allowed in label key match'),
    Case("label-key-not-empty", KEY_NOT_EMPTY, [pa(selector={"matchLabels": {"a": "b"}})],
         pa(selector={"matchLabels": {"": "b"}}), "spec.selector.matchLabels",
         'Invalid value: "object": key must not be empty'),
    Case("label-value-no-wildcard", VALUE_NO_WILDCARD,
         [ap(selector={"matchLabels": {"app": "a"}}), se(workloadSelector={"labels": {"app": "a"}})],
         ap(selector={"matchLabels": {"app": "re*"}}), "spec.selector.matchLabels[app]",
         'Invalid value: "string": wildcard not allowed in label value match',
         [(se(workloadSelector={"labels": {"app": "*"}}), "spec.workloadSelector.labels[app]",
           'Invalid value: "string": wildcard is not supported in selector')]),
    Case("selector-or-targetRef", SELECTOR_TARGETREF_TARGETREFS,
         [ap(selector=SEL), ap(targetRef=GW_REF), ap(targetRefs=[GW_REF]), ap()],
         ap(selector=SEL, targetRef=GW_REF), "spec", 'Invalid value: "object": only one of targetRefs or selector can be set',
         [(ap(targetRef=GW_REF, targetRefs=[GW_REF]), "spec",
           'Invalid value: "object": only one of targetRefs or selector can be set'),
          (obj("RequestAuthentication", {"selector": SEL, "targetRefs": [GW_REF]}), "spec",
           'Invalid value: "object": only one of targetRefs or selector can be set'),
          (obj("Telemetry", {"selector": SEL, "targetRef": GW_REF}), "spec",
           'Invalid value: "object": only one of targetRefs or selector can be set'),
          (wasmplugin(selector=SEL, targetRefs=[GW_REF]), "spec",
           'Invalid value: "object": only one of targetRefs or selector can be set')]),
    Case("selector-or-targetRefs", SELECTOR_TARGETREFS, [trafficext(wasm=WASM, selector=SEL)],
         trafficext(wasm=WASM, selector=SEL, targetRefs=[GW_REF]), "spec",
         'Invalid value: "object": only one of targetRefs or selector can be set'),
    Case("workloadSelector-or-targetRefs", WORKLOADSELECTOR_TARGETREFS,
         [envoyfilter(workloadSelector={"labels": {"app": "a"}}), envoyfilter(targetRefs=[GW_REF])],
         envoyfilter(workloadSelector={"labels": {"app": "a"}}, targetRefs=[GW_REF]), "spec",
         'Invalid value: "object": only one of targetRefs or workloadSelector can be set'),
    Case("tlsCertificates-or-credentialNames", TLSCERTS_CREDNAMES,
         [gw_tls(credentialNames=["a", "b"]), gw_tls(tlsCertificates=[CERT])],
         gw_tls(tlsCertificates=[CERT], credentialNames=["a"]), "spec.servers[0].tls",
         'Invalid value: "object": only one of credentialNames or tlsCertificates can be set',
         [(sidecar_tls(tlsCertificates=[CERT], credentialNames=["a"]), "spec.ingress[0].tls",
           'Invalid value: "object": only one of credentialNames or tlsCertificates can be set')]),
    Case("credentialName-or-credentialNames", CREDNAME_CREDNAMES, [gw_tls(credentialName="a"), sidecar_tls(credentialName="a")],
         gw_tls(credentialName="a", credentialNames=["b"]), "spec.servers[0].tls",
         'Invalid value: "object": only one of credentialName or credentialNames can be set'),
    # Istio's CRDs state the same pair twice, the second time with a misleading message;
    # the API server reports both, so do we.
    Case("credentialNames-or-tlsCertificates", CREDNAMES_TLSCERTS, [gw_tls(credentialNames=["a"])],
         gw_tls(credentialNames=["a"], tlsCertificates=[CERT]), "spec.servers[0].tls",
         'Invalid value: "object": only one of credentialName or tlsCertificates can be set'),
    Case("address-or-network", ADDRESS_OR_NETWORK,
         [we(address="10.0.0.1"), we(network="net1"), se(endpoints=[{"address": "1.2.3.4"}], resolution="STATIC")],
         we(labels={"app": "a"}), "spec", 'Invalid value: "object": Address is required',
         [(se(endpoints=[{"labels": {"app": "a"}}], resolution="STATIC"), "spec.endpoints[0]",
           'Invalid value: "object": Address is required')]),
    Case("uds-no-ports", UDS_NO_PORTS, [we(address="unix:///var/run/a.sock"), we(address="10.0.0.1", ports={"http": 80})],
         we(address="unix:///var/run/a.sock", ports={"http": 80}), "spec", 'Invalid value: "object": UDS may not include ports'),
    Case("uds-absolute", UDS_ABSOLUTE, [we(address="unix:///var/run/a.sock"), we(address="unix://@abstract")],
         we(address="unix://var/run/a.sock"), "spec.address",
         'Invalid value: "string": UDS must be an absolute path or abstract socket',
         [(we(address="unix://"), "spec.address",
           'Invalid value: "string": index out of range: 8 evaluating rule: UDS must be an absolute path or abstract socket')]),
    Case("uds-not-dir", UDS_NOT_DIR, [we(address="unix:///var/run/a.sock")], we(address="unix:///var/run/"), "spec.address",
         'Invalid value: "string": UDS may not be a dir'),
    Case("port-names", PORT_NAMES, [we(address="10.0.0.1", ports={"http-web": 80, "a": 81})],
         we(address="10.0.0.1", ports={"http_web": 80}), "spec.ports", 'Invalid value: "object": port name must be valid',
         [(we(address="10.0.0.1", ports={"-http": 80}), "spec.ports", 'Invalid value: "object": port name must be valid'),
          (we(address="10.0.0.1", ports={"p" * 63: 80}), "spec.ports", 'Invalid value: "object": port name must be valid')]),
    Case("jwks-uri-scheme", JWKS_URL, [jwt(jwksUri="https://issuer.example.com/keys"), jwt(jwks_uri="http://x/keys")],
         jwt(jwksUri="ftp://issuer.example.com/keys"), "spec.jwtRules[0].jwksUri",
         'Invalid value: "string": url must have scheme http:// or https://',
         [(jwt(jwksUri="issuer.example.com/keys"), "spec.jwtRules[0].jwksUri",
           'Invalid value: "string": URL parse error during conversion from string: parse "issuer.example.com/keys": '
           "invalid URI for request evaluating rule: url must have scheme http:// or https://")]),
    Case("workloadSelector-or-endpoints", SELECTOR_OR_ENDPOINTS,
         [se(workloadSelector={"labels": {"app": "a"}}), se(endpoints=[{"address": "1.2.3.4"}], resolution="STATIC")],
         se(workloadSelector={"labels": {"app": "a"}}, endpoints=[{"address": "1.2.3.4"}], resolution="STATIC"), "spec",
         'Invalid value: "object": only one of WorkloadSelector or Endpoints can be set'),
    Case("cidr-needs-none-or-static", CIDR_RESOLUTION,
         [se(addresses=["10.0.0.0/24"]), se(addresses=["10.0.0.0/24"], resolution="STATIC",
                                             endpoints=[{"address": "10.0.0.1"}]), se(addresses=["10.0.0.1"], resolution="DNS")],
         se(addresses=["10.0.0.0/24"], resolution="DNS"), "spec",
         'Invalid value: "object": CIDR addresses are allowed only for NONE/STATIC resolution types'),
    Case("none-no-endpoints", NONE_NO_ENDPOINTS, [se(resolution="NONE"), se(resolution="DNS", endpoints=[{"address": "a.example"}])],
         se(endpoints=[{"address": "1.2.3.4"}]), "spec", 'Invalid value: "object": NONE mode cannot set endpoints'),
    Case("dns-round-robin-one-endpoint", DNS_RR_ONE_ENDPOINT,
         [se(resolution="DNS_ROUND_ROBIN", endpoints=[{"address": "a.example"}]), se(resolution="DNS_ROUND_ROBIN")],
         se(resolution="DNS_ROUND_ROBIN", endpoints=[{"address": "a.example"}, {"address": "b.example"}]), "spec",
         'Invalid value: "object": DNS_ROUND_ROBIN mode cannot have multiple endpoints'),
    Case("host-not-wildcard", HOST_NOT_WILDCARD, [se(hosts=["*.example.com"])], se(hosts=["a.example.com", "*"]),
         "spec.hosts[1]", 'Invalid value: "string": hostname cannot be wildcard'),
    Case("port-number-unique", PORT_NUMBER_UNIQUE,
         [se(ports=[{"number": 80, "name": "http"}, {"number": 443, "name": "https"}])],
         se(ports=[{"number": 80, "name": "http"}, {"number": 80, "name": "http2"}]), "spec.ports",
         'Invalid value: "array": port number cannot be duplicated'),
    Case("probe-scheme", PROBE_SCHEME, [probe(), probe(scheme="HTTPS"), probe(scheme="")], probe(scheme="FTP"),
         "spec.probe.httpGet.scheme", 'Invalid value: "string": scheme must be one of [HTTP, HTTPS]'),
    Case("env-host-no-value", ENV_HOST_NO_VALUE, [wasm_env(valueFrom="HOST"), wasm_env(value="v"), wasm_env(valueFrom="INLINE", value="v")],
         wasm_env(valueFrom="HOST", value="v"), "spec.vmConfig.env[0]",
         'Invalid value: "object": value may only be set when valueFrom is INLINE',
         [(trafficext(wasm={**WASM, "vmConfig": {"env": [{"name": "E", "valueFrom": "HOST", "value": "v"}]}}),
           "spec.wasm.vmConfig.env[0]", 'Invalid value: "object": value may only be set when valueFrom is INLINE')]),
    Case("serviceAccounts-alone", SERVICE_ACCOUNTS_ALONE,
         [ap(rules=[{"from": [{"source": {"serviceAccounts": ["ns/sa"]}}]}]),
          ap(rules=[{"from": [{"source": {"namespaces": ["ns"], "principals": ["cluster.local/ns/ns/sa/x"]}}]}])],
         ap(rules=[{"from": [{"source": {"serviceAccounts": ["ns/sa"], "namespaces": ["ns"]}}]}]), "spec.rules[0].from[0].source",
         'Invalid value: "object": Cannot set serviceAccounts with namespaces or principals',
         [(ap(rules=[{"from": [{"source": {"notServiceAccounts": ["ns/sa"], "notPrincipals": ["p"]}}]}]),
           "spec.rules[0].from[0].source", 'Invalid value: "object": Cannot set serviceAccounts with namespaces or principals')]),
    Case("portLevelMtls-needs-selector", PORT_LEVEL_MTLS_SELECTOR,
         [pa(selector=SEL, portLevelMtls={"8080": {"mode": "DISABLE"}}), pa(mtls={"mode": "STRICT"})],
         pa(portLevelMtls={"8080": {"mode": "DISABLE"}}), "spec", 'Invalid value: "object": portLevelMtls requires selector',
         [(pa(selector={"matchLabels": {}}, portLevelMtls={"8080": {"mode": "DISABLE"}}), "spec",
           'Invalid value: "object": portLevelMtls requires selector')]),
    Case("port-keys", PORT_KEYS, [pa(selector=SEL, portLevelMtls={"1": {"mode": "DISABLE"}, "65535": {"mode": "STRICT"}})],
         pa(selector=SEL, portLevelMtls={"0": {"mode": "DISABLE"}}), "spec.portLevelMtls",
         'Invalid value: "object": port must be between 1-65535',
         [(pa(selector=SEL, portLevelMtls={"65536": {"mode": "DISABLE"}}), "spec.portLevelMtls",
           'Invalid value: "object": port must be between 1-65535')]),
    Case("one-jwks-source", ONE_JWKS, [jwt(jwksUri="https://x/keys"), jwt(jwks='{"keys": []}'), jwt()],
         jwt(jwksUri="https://x/keys", jwks='{"keys": []}'), "spec.jwtRules[0]",
         'Invalid value: "object": only one of jwks or jwksUri can be set'),
    Case("upsert-needs-value", UPSERT_VALUE, [tag_override(operation="UPSERT", value="request.host"), tag_override(value="x")],
         tag_override(operation="UPSERT", value=""), "spec.metrics[0].overrides[0].tagOverrides[request_host]",
         'Invalid value: "object": value must be set when operation is UPSERT',
         [(tag_override(operation="UPSERT"), "spec.metrics[0].overrides[0].tagOverrides[request_host]",
           'Invalid value: "object": no such key: value evaluating rule: value must be set when operation is UPSERT')]),
    Case("remove-no-value", REMOVE_NO_VALUE, [tag_override(operation="REMOVE")], tag_override(operation="REMOVE", value="x"),
         "spec.metrics[0].overrides[0].tagOverrides[request_host]",
         'Invalid value: "object": value must not be set when operation is REMOVE'),
    # Both set also breaks the schema's oneOf: see test_structural.test_schema_and_rule_both_report.
    Case("wasm-xor-lua", WASM_XOR_LUA, [trafficext(wasm=WASM), trafficext(lua=LUA)], trafficext(), "spec",
         'Invalid value: "object": exactly one of wasm or lua must be set'),
    Case("trafficextension-url-scheme", TRAFFICEXT_URL,
         [trafficext(wasm={"url": u}) for u in ("oci://ghcr.io/x/f:1", "ghcr.io/x/f:1", "file:///opt/f.wasm", "https://x/f.wasm")],
         trafficext(wasm={"url": "ftp://x/f.wasm"}), "spec.wasm.url",
         'Invalid value: "string": url must have schema one of [http, https, file, oci]'),
    Case("wasmplugin-url-scheme", WASMPLUGIN_URL,
         [wasmplugin(url=u) for u in ("oci://ghcr.io/x/f:1", "ghcr.io/x/f:1", "file:///opt/f.wasm", "http://x/f.wasm")],
         wasmplugin(url="s3://bucket/f.wasm"), "spec.url",
         'Invalid value: "string": url must have schema one of [http, https, file, oci]',
         [(wasmplugin(url="registry.example:5000/f"), "spec.url",
           'Invalid value: "string": url must have schema one of [http, https, file, oci]')]),
    Case("waypoint-only-in-waypoint-context", WAYPOINT_CONTEXT,
         [ef_match(context="WAYPOINT", waypoint={"portNumber": 80}), ef_match(context="SIDECAR_INBOUND"), ef_match()],
         ef_match(context="SIDECAR_INBOUND", waypoint={"portNumber": 80}), "spec.configPatches[0].match",
         'Invalid value: "object": only support waypointMatch when context is WAYPOINT',
         [(ef_match(context="WAYPOINT"), "spec.configPatches[0].match",
           'Invalid value: "object": only support waypointMatch when context is WAYPOINT'),
          (ef_match(waypoint={"portNumber": 80}), "spec.configPatches[0].match",
           'Invalid value: "object": only support waypointMatch when context is WAYPOINT'),
          (ef_match(context="WAYPOINT", waypoint={"portNumber": 0}), "spec.configPatches[0].match.waypoint.portNumber",
           'Invalid value: "integer": port must be between 1-65535')]),
]


def _all_rules() -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for r in node.get("x-kubernetes-validations", ()):
                found.add(r["rule"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(data()["schemas"])
    return found


def test_every_rule_has_a_case():
    covered = {c.rule for c in CASES}
    missing = _all_rules() - covered
    assert not missing, "CEL rules without a test case:\n" + "\n".join(sorted(missing))
    assert len(_all_rules()) == 36  # distinct rules in the CRDs today (37 with their messages)


def _rule_issues(o: dict[str, Any]) -> list[Any]:
    return [i for i in validate(o) if i.kind == "rule"]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_passes(case: Case):
    for good in case.good:
        issues = validate(good)
        assert issues == [], f"{json.dumps(good['spec'])}:\n" + "\n".join(texts(issues))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_breaks(case: Case):
    for bad, path, message in [(case.bad, case.path, case.message), *case.extra_bad]:
        issues = validate(bad)
        # Nothing but CEL findings: each bad object is schema-valid otherwise.
        assert [i.kind for i in issues if i.kind != "rule"] == [], texts(issues)
        hits = [(i.path, i.message) for i in issues]
        assert (path, message) in hits, f"{json.dumps(bad['spec'])}: got {texts(issues)}"
    assert any(i.rule == case.rule for i in _rule_issues(case.bad)), texts(validate(case.bad))


# What the engine itself provides (operators aside); everything else a rule calls must be
# one of our Kubernetes library functions.
ENGINE_FUNCTIONS = {"contains", "endsWith", "startsWith", "matches", "size", "int", "uint", "double", "string",
                    "bytes", "bool", "type", "dyn", "timestamp"}


def test_every_function_the_rules_call_is_implemented():
    from fn.analyze.schema import celrules

    called: set[str] = set()
    for rule in _all_rules():
        program, _ = celrules.compile_cached(rule)
        called |= {name for name in program.functions() if name[0] not in "_@!"}
    missing = called - ENGINE_FUNCTIONS - set(celrules.FUNCTIONS)
    assert not missing, f"CEL functions the CRDs call that nothing implements: {sorted(missing)}"
    # the ones the Kubernetes library adds, which the Istio CRDs do call today
    assert {"k8s_duration", "url", "isURL", "getScheme", "substring"} <= called
