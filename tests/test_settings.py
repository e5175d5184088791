"""The typed settings the core reads stay field-for-field equal to the config models, and
every config form turns into the same frozen objects."""

import dataclasses
import json

import pytest
from pydantic import BaseModel

from fn import config, settings as st
from fn.results import Results

PAIRS = [
    (st.Settings, config.MeshSpec), (st.Injection, config.Injection), (st.MTLS, config.MTLS),
    (st.DestinationRuleSettings, config.DestinationRuleConfig), (st.VirtualServiceSettings, config.VirtualServiceConfig),
    (st.Retries, config.Retries), (st.Hosts, config.Hosts), (st.Paths, config.Paths), (st.Routing, config.Routing), (st.Exclude, config.Exclude),
    (st.Analyze, config.Analyze), (st.Kustomize, config.Kustomize), (st.LabelSelector, config.LabelSelector), (st.LabelRequirement, config.LabelRequirement),
    # resilience (issue 13)
    (st.Resilience, config.Resilience), (st.OutlierDetection, config.OutlierDetection),
    (st.ConnectionPool, config.ConnectionPool), (st.TcpPool, config.TcpPool), (st.HttpPool, config.HttpPool),
    (st.Split, config.Split), (st.SplitMatch, config.SplitMatch), (st.StringMatch, config.StringMatch),
    (st.Authorization, config.Authorization), (st.AllowRule, config.AllowRule), (st.IngressGateway, config.IngressGateway),
    (st.RequestAuthentication, config.RequestAuthentication), (st.JwtProvider, config.JwtProvider), (st.Egress, config.Egress),
]


@pytest.mark.parametrize("typed,model", PAIRS, ids=[p[0].__name__ for p in PAIRS])
def test_dataclass_fields_equal_the_models(typed, model: type[BaseModel]):
    assert st.field_names(typed) == list(model.model_fields)


def test_override_fields_equal_the_model_plus_what_was_given():
    assert st.field_names(st.ServiceOverride) == [*config.ServiceOverride.model_fields, "given"]
    assert st.field_names(st.RetriesOverride) == [*config.Retries.model_fields, "given"]
    assert st.field_names(st.PortOverride) == [*config.PortOverride.model_fields, "given"]


def test_defaults_file_and_models_give_equal_settings():
    results = Results()
    typed = st.load_settings({"apiVersion": st.API_VERSION, "kind": st.KIND, "spec": {}}, results)
    assert not results
    assert typed == st.default_settings() == st.Settings()


def test_settings_are_frozen():
    s = st.default_settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.mtls = None  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.virtual_service.timeout = "1s"  # type: ignore[misc]


def test_override_remembers_an_explicit_null_apart_from_an_absent_field():
    results = Results()
    s = st.load_settings({"apiVersion": st.API_VERSION, "kind": st.KIND, "spec": {"services": [
        {"name": "a", "timeout": None}, {"name": "b", "retries": {"attempts": 1}}]}}, results)
    a, b = s.services
    assert "timeout" in a.given and a.timeout is None
    assert "timeout" not in b.given
    assert b.retries.given == {"attempts"} and b.retries.attempts == 1


def test_configmap_and_typed_forms_agree():
    r1, r2 = Results(), Results()
    flat = st.load_settings({"apiVersion": "v1", "kind": "ConfigMap", "data": {"timeout": "9s", "retryAttempts": "2"}}, r1)
    typed = st.load_settings({"apiVersion": st.API_VERSION, "kind": st.KIND,
                              "spec": {"virtualService": {"timeout": "9s", "retries": {"attempts": 2}}}}, r2)
    assert not r1 and not r2 and flat == typed
    assert typed.virtual_service.timeout == "9s" and typed.virtual_service.retries.attempts == 2


def test_the_no_config_path_reads_the_committed_defaults_without_pydantic():
    import subprocess
    import sys

    code = ("import sys; from fn.settings import default_settings; default_settings(); "
            "print(json.dumps(['pydantic' in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [False]


# ------------------------------------------------- exclude.selector's label semantics

LABELS = {"tier": "backend", "team": "pay", "empty": ""}
REQ = st.LabelRequirement


# (matchLabels, matchExpressions, matches LABELS): Kubernetes' label-selector semantics.
SELECTORS = [
    ({}, (), False),  # an empty selector excludes nothing, unlike Kubernetes' match-all
    ({"tier": "backend"}, (), True),
    ({"tier": "backend", "team": "pay"}, (), True),
    ({"tier": "backend", "team": "ops"}, (), False),
    ({"zone": "a"}, (), False),
    ({"empty": ""}, (), True),
    ({}, (REQ("tier", "In", ("frontend", "backend")),), True),
    ({}, (REQ("tier", "In", ("frontend",)),), False),
    ({}, (REQ("zone", "In", ("a",)),), False),
    ({}, (REQ("tier", "NotIn", ("frontend",)),), True),
    ({}, (REQ("tier", "NotIn", ("backend",)),), False),
    ({}, (REQ("zone", "NotIn", ("a",)),), True),  # an absent key is not in any set
    ({}, (REQ("team", "Exists"),), True),
    ({}, (REQ("empty", "Exists"),), True),
    ({}, (REQ("zone", "Exists"),), False),
    ({}, (REQ("zone", "DoesNotExist"),), True),
    ({}, (REQ("team", "DoesNotExist"),), False),
    ({}, (REQ("empty", "DoesNotExist"),), False),
    ({"tier": "backend"}, (REQ("team", "Exists"), REQ("tier", "In", ("backend",))), True),
    ({"tier": "backend"}, (REQ("team", "Exists"), REQ("zone", "Exists")), False),
    ({"tier": "frontend"}, (REQ("team", "Exists"),), False),
]


@pytest.mark.parametrize("labels,exprs,want", SELECTORS, ids=[f"sel{i}" for i in range(len(SELECTORS))])
def test_label_selector_semantics(labels, exprs, want):
    assert st.LabelSelector(labels, exprs).matches(LABELS) is want


def test_selector_settings_come_from_either_config_form():
    results = Results()
    s = st.load_settings({"apiVersion": st.API_VERSION, "kind": st.KIND, "spec": {"exclude": {"selector": {
        "matchLabels": {"tier": "backend"},
        "matchExpressions": [{"key": "team", "operator": "NotIn", "values": ["ops", "sre"]},
                             {"key": "zone", "operator": "DoesNotExist"}]}}}}, results)
    assert not results
    assert s.exclude.selector == st.LabelSelector(
        {"tier": "backend"}, (REQ("team", "NotIn", ("ops", "sre")), REQ("zone", "DoesNotExist", ())))
    assert s.exclude.selector.matches(LABELS)


@pytest.mark.parametrize("api,mode,want", [
    (None, "enabled", "istio"), (None, "revision", "istio"), (None, "disabled", "istio"),
    (None, "ambient", "gateway-api"), ("istio", "ambient", "istio"), ("gateway-api", "enabled", "gateway-api"),
])
def test_the_routing_api_defaults_to_the_gateway_api_in_ambient_only(api, mode, want):
    assert st.Routing(api=api).default_api(mode) == want


# ------------------------------------------------------------- load_settings' forms

@pytest.mark.parametrize("fc", [None, {}])
def test_no_config_is_the_defaults(fc):
    results = Results()
    assert st.load_settings(fc, results) == st.Settings() and not results


@pytest.mark.parametrize("fc,type_name", [([1], "list"), ("x", "str"), (3, "int")])
def test_a_config_that_is_no_mapping_is_one_error(fc, type_name):
    results = Results()
    assert st.load_settings(fc, results) is None
    assert [(r.severity, r.message, r.field) for r in results] == [
        ("error", f"invalid function config: expected a mapping, got {type_name}", {"path": "functionConfig"})]


@pytest.mark.parametrize("api_version,kind", [("v1", "Secret"), ("v2", "ConfigMap"), (None, "ConfigMap"),
                                              ("istio-mesh-fn.dev/v1alpha1", "IstioMeshes"), (None, None)])
def test_an_unsupported_kind_says_which_kinds_are(api_version, kind):
    results = Results()
    fc = {k: v for k, v in (("apiVersion", api_version), ("kind", kind)) if v is not None}
    assert st.load_settings({**fc, "metadata": {"name": "x"}}, results) is None
    (err,) = results
    assert err.severity == "error"
    assert err.message == (f"invalid function config: unsupported kind {api_version}/{kind}; use "
                           "istio-mesh-fn.dev/v1alpha1 IstioMesh, a v1 ConfigMap, or no config")
    assert err.resource_ref == {"apiVersion": str(api_version), "kind": str(kind)}
    assert err.field == {"path": "kind", "currentValue": kind}


def test_a_config_with_errors_gives_no_settings():
    for fc in ({"apiVersion": "v1", "kind": "ConfigMap", "data": {"bogus": "1"}},
               {"apiVersion": st.API_VERSION, "kind": st.KIND, "spec": {"bogus": 1}}):
        results = Results()
        assert st.load_settings(fc, results) is None and results.has_errors()


def test_every_section_reaches_the_settings():
    """One typed config that sets every section away from its default, compared with
    the settings built by hand: a section that is dropped or mixed up on the way from
    the models to the dataclasses shows here."""
    spec = {
        "defaultNamespace": "shop",
        "injection": {"mode": "revision", "revision": "1-24", "namespaces": ["shop"]},
        "mtls": {"mode": "PERMISSIVE", "scope": "namespace", "rootNamespace": "mesh-root"},
        "destinationRule": {"enabled": False, "nameTemplate": "{name}-dr", "labels": {"team": "{namespace}"},
                            "tlsMode": "auto", "loadBalancer": "RANDOM", "subsetLabel": "track"},
        "virtualService": {"enabled": False, "nameTemplate": "{name}-vs", "labels": {"a": "b"}, "timeout": None,
                           "retries": {"attempts": 2, "perTryTimeout": "3s", "retryOn": "5xx"}},
        "hosts": {"style": "fqdn", "clusterDomain": "example.org"},
        "paths": {"waypoint": "mesh/{namespace}.yaml"},
        "routing": {"api": "gateway-api", "gatewayApiChannel": "experimental", "grpc": "HTTPRoute"},
        "services": [{"name": "cart", "namespace": "shop", "timeout": "1s", "retries": {"perTryTimeout": "1s"},
                      "loadBalancer": "LEAST_REQUEST", "tlsMode": "auto", "subsetLabel": "v",
                      "outlierDetection": {"enabled": True}, "connectionPool": {"tcp": {"maxConnections": 5}},
                      "split": {"weights": {"v1": 90, "v2": 10},
                                "match": {"headers": {"x-canary": {"exact": "1"}}, "subset": "v2"},
                                "mirror": "v2", "mirrorPercentage": 5.0},
                      "ports": [{"port": "grpc", "timeout": "0s", "retries": {"attempts": 1}}],
                      "routingApi": "istio"}],
        "exclude": {"names": ["legacy"], "namespaces": ["ops"], "selector": {"matchLabels": {"a": "b"}}},
        "kustomize": {"registerResources": False},
        "analyze": {"generated": False, "schema": True, "failOn": "Info"},
        "resilience": {"outlierDetection": {"enabled": True, "consecutive5xxErrors": 7, "consecutiveGatewayErrors": 3,
                                            "interval": "5s", "baseEjectionTime": "1m", "maxEjectionPercent": 50},
                       "connectionPool": {"tcp": {"maxConnections": 10, "connectTimeout": "1s"},
                                          "http": {"http1MaxPendingRequests": 1, "http2MaxRequests": 2,
                                                   "maxRequestsPerConnection": 3, "maxRetries": 4, "idleTimeout": "9s"}},
                       "localityFailover": True},
        "exportScope": "namespace",
        "authorization": {"mode": "enforce", "trustDomain": "td.example", "inferCalls": False,
                          "allow": [{"caller": "web", "to": "cart:80"}],
                          "ingressGateways": [{"name": "gw", "namespace": "ingress", "services": ["web"],
                                               "principal": "td.example/ns/ingress/sa/gw"}],
                          "metricsPrincipals": ["td.example/ns/mon/sa/prom"]},
        "requestAuthentication": {"providers": [{"name": "idp", "issuer": "https://idp", "jwksUri": "https://idp/keys",
                                                 "audiences": ["a"], "forwardOriginalToken": True, "workloads": ["web"],
                                                 "namespaces": ["shop"], "requireJwt": True}]},
        "egress": {"mode": "registry-only"},
    }
    results = Results()
    got = st.load_settings({"apiVersion": st.API_VERSION, "kind": st.KIND, "spec": spec}, results)
    assert not results, [r.message for r in results]
    want = st.Settings(
        default_namespace="shop",
        injection=st.Injection("revision", "1-24", ("shop",)),
        mtls=st.MTLS("PERMISSIVE", "namespace", "mesh-root"),
        destination_rule=st.DestinationRuleSettings(False, "{name}-dr", {"team": "{namespace}"}, "auto", "RANDOM", "track"),
        virtual_service=st.VirtualServiceSettings(False, "{name}-vs", {"a": "b"}, None, st.Retries(2, "3s", "5xx")),
        hosts=st.Hosts("fqdn", "example.org"),
        paths=st.Paths(waypoint="mesh/{namespace}.yaml"),
        routing=st.Routing("gateway-api", "experimental", "HTTPRoute"),
        services=(st.ServiceOverride(
            name="cart", namespace="shop", timeout="1s",
            retries=st.RetriesOverride(per_try_timeout="1s", given=frozenset({"per_try_timeout"})),
            load_balancer="LEAST_REQUEST", tls_mode="auto", subset_label="v",
            outlier_detection={"enabled": True}, connection_pool={"tcp": {"max_connections": 5}},
            split=st.Split({"v1": 90, "v2": 10}, st.SplitMatch({"x-canary": st.StringMatch(exact="1")}, "v2"), "v2", 5.0),
            ports=(st.PortOverride("grpc", None, st.RetriesOverride(attempts=1, given=frozenset({"attempts"})),
                                   frozenset({"port", "timeout", "retries"})),),
            routing_api="istio",
            given=frozenset({"name", "namespace", "timeout", "retries", "load_balancer", "tls_mode", "subset_label",
                             "outlier_detection", "connection_pool", "split", "ports", "routing_api"})),),
        exclude=st.Exclude(("legacy",), ("ops",), st.LabelSelector({"a": "b"}, ())),
        kustomize=st.Kustomize(False),
        analyze=st.Analyze(False, True, "Info"),
        resilience=st.Resilience(st.OutlierDetection(True, 7, 3, "5s", "1m", 50),
                                 st.ConnectionPool(st.TcpPool(10, "1s"), st.HttpPool(1, 2, 3, 4, "9s")), True),
        export_scope="namespace",
        authorization=st.Authorization("enforce", "td.example", False, (st.AllowRule("web", "cart:80"),),
                                       (st.IngressGateway("gw", "ingress", "td.example/ns/ingress/sa/gw", ("web",)),),
                                       ("td.example/ns/mon/sa/prom",)),
        request_authentication=st.RequestAuthentication((st.JwtProvider(
            "idp", "https://idp", "https://idp/keys", None, ("a",), True, ("web",), ("shop",), True),)),
        egress=st.Egress("registry-only"),
    )
    for f in dataclasses.fields(st.Settings):
        assert getattr(got, f.name) == getattr(want, f.name), f.name
    assert got == want


def test_a_split_counts_as_written_whole():
    results = Results()
    s = st.load_settings({"apiVersion": st.API_VERSION, "kind": st.KIND, "spec": {"services": [
        {"name": "a", "split": {"weights": {"v1": 100}}}]}}, results)
    assert s.services[0].split == st.Split({"v1": 100}, None, None, None)
    assert s.services[0].given == {"name", "split"}


def test_an_empty_connection_pool_is_empty():
    assert st.ConnectionPool().empty
    assert not st.ConnectionPool(st.TcpPool(max_connections=1)).empty
    assert not st.ConnectionPool(http=st.HttpPool(idle_timeout="1s")).empty
