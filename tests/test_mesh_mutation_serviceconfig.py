"""Per-Service settings (fn.mesh.serviceconfig): each annotation's parsed value or its
error, word for word (the error is what an app team reads to fix its Service), and the
precedence annotation > services[] override > global, pinned field by field."""

from __future__ import annotations

from typing import Any

import pytest

from fn.mesh import serviceconfig as sc
from fn.results import Results
from fn.settings import ConnectionPool, Retries, Split, load_settings
from krm import items_from_yaml

ALLOWED_KEYS = ("istio-mesh-fn.dev/skip, istio-mesh-fn.dev/timeout, istio-mesh-fn.dev/retries, istio-mesh-fn.dev/tls-mode, "
                "istio-mesh-fn.dev/load-balancer, istio-mesh-fn.dev/subset-label, istio-mesh-fn.dev/outlier-detection, "
                "istio-mesh-fn.dev/connection-pool, istio-mesh-fn.dev/split, istio-mesh-fn.dev/routing-api")
TIMEOUT = "allowed: a duration of at least 1ms such as 30s, 1.5s or 500ms, or 0s / none for no timeout"
RETRIES = "allowed: a whole number of attempts from 0 (no retries) to 1000"
POOL_KEYS = ("maxConnections, connectTimeout, http1MaxPendingRequests, http2MaxRequests, maxRequestsPerConnection, "
             "maxRetries, idleTimeout")
SPLIT_PAIR = "each pair is a label value and a weight from 0 to 100"


def service(annotations: dict[str, str]):
    notes = ", ".join(f"{k}: {v!r}" for k, v in annotations.items())
    return items_from_yaml(f"apiVersion: v1\nkind: Service\nmetadata: {{name: cart, annotations: {{{notes}}}}}\n")[0]


def read(key: str, value: str) -> tuple[dict[str, object], list[tuple[str, Any]]]:
    results = Results()
    out = sc.read_annotations(service({f"istio-mesh-fn.dev/{key}": value}), results)
    return out, [(r.message, r.field) for r in results]


VALID = [
    ("skip", "true", True), ("skip", "false", False), ("skip", " true ", True),
    ("timeout", "1ms", "1ms"), ("timeout", " 5s ", "5s"), ("timeout", "0s", None), ("timeout", "0", None),
    ("timeout", "none", None),
    ("retries", "0", 0), ("retries", "1000", 1000),
    ("tls-mode", "ISTIO_MUTUAL", "ISTIO_MUTUAL"), ("tls-mode", "auto", "auto"),
    ("load-balancer", "PASSTHROUGH", "PASSTHROUGH"), ("load-balancer", "ROUND_ROBIN", "ROUND_ROBIN"),
    ("subset-label", "track", "track"), ("subset-label", "app.kubernetes.io/version", "app.kubernetes.io/version"),
    ("outlier-detection", "true", True), ("outlier-detection", "false", False),
    ("connection-pool", "connectTimeout=5s, idleTimeout=1m",
     {"tcp": {"connect_timeout": "5s"}, "http": {"idle_timeout": "1m"}}),
    ("connection-pool", "maxConnections=2147483647,maxRetries=0,http1MaxPendingRequests=1,http2MaxRequests=2,"
     "maxRequestsPerConnection=3",
     {"tcp": {"max_connections": 2147483647}, "http": {"max_retries": 0, "http1_max_pending_requests": 1,
                                                         "http2_max_requests": 2, "max_requests_per_connection": 3}}),
    ("connection-pool", "connectTimeout=1ms", {"tcp": {"connect_timeout": "1ms"}, "http": {}}),
    ("split", "v1=100", Split({"v1": 100})), ("split", " v1 = 90 , v2=10", Split({"v1": 90, "v2": 10})),
    ("split", "v1=0,v2=100", Split({"v1": 0, "v2": 100})),
    ("routing-api", "istio", "istio"), ("routing-api", "gateway-api", "gateway-api"),
]


@pytest.mark.parametrize("key,value,parsed", VALID, ids=[f"{k}={v}" for k, v, _ in VALID])
def test_a_valid_annotation_gives_its_value(key, value, parsed):
    out, errors = read(key, value)
    assert errors == []
    assert out == {key: parsed}


INVALID = [
    ("skip", "yes", "allowed: true, false"),
    ("outlier-detection", "on", "allowed: true, false"),
    ("timeout", "soon", TIMEOUT), ("timeout", "0.0001s", TIMEOUT), ("timeout", "-1s", TIMEOUT),
    ("retries", "1001", RETRIES), ("retries", "-1", RETRIES), ("retries", "two", RETRIES),
    ("tls-mode", "SIMPLE", "allowed: ISTIO_MUTUAL, auto"),
    ("load-balancer", "x", "allowed: ROUND_ROBIN, LEAST_REQUEST, RANDOM, PASSTHROUGH"),
    ("routing-api", "x", "allowed: istio, gateway-api"),
    ("subset-label", "a b", "label key name must be at most 63 characters of letters, digits, '-', '_' and '.', "
                            "starting and ending with a letter or digit"),
    ("connection-pool", "maxConnections=0", "maxConnections='0': allowed: a whole number from 1"),
    ("connection-pool", "maxConnections=2147483648", "maxConnections='2147483648': allowed: a whole number from 1"),
    ("connection-pool", "maxRetries=-1", "maxRetries='-1': allowed: a whole number from 0"),
    ("connection-pool", "nope=1", f"unknown key 'nope'; allowed: {POOL_KEYS}"),
    # The key ends at the first '=': the rest is the value.
    ("connection-pool", "maxConnections=1=2", "maxConnections='1=2': allowed: a whole number from 1"),
    ("connection-pool", "a", "comma-separated key=value pairs (e.g. maxConnections=100,http2MaxRequests=1000); 'a' is not one"),
    ("connection-pool", "maxConnections=1,", "comma-separated key=value pairs (e.g. maxConnections=100,http2MaxRequests=1000); "
                                             "'' is not one"),
    ("connection-pool", "maxRetries=0,connectTimeout=0.5ms",
     "connectTimeout='0.5ms': allowed: a duration of at least 1ms such as 5s or 250ms"),
    ("connection-pool", "idleTimeout=soon", "idleTimeout='soon': allowed: a duration of at least 1ms such as 5s or 250ms"),
    ("split", "v1=90,v2=20", "the weights sum to 110, not 100"),
    ("split", "v1=90", "the weights sum to 90, not 100"),
    ("split", "v1=90,v2=x", f"v2=x: {SPLIT_PAIR}"),
    ("split", "v1=101", f"v1=101: {SPLIT_PAIR}"),
    ("split", "a b=100", f"a b=100: {SPLIT_PAIR}"),
    ("split", "=5", "comma-separated key=value pairs (version=weight, e.g. v1=90,v2=10); '=5' is not one"),
    ("split", "v1", "comma-separated key=value pairs (version=weight, e.g. v1=90,v2=10); 'v1' is not one"),
]


@pytest.mark.parametrize("key,value,allowed", INVALID, ids=[f"{k}={v}" for k, v, _ in INVALID])
def test_an_invalid_annotation_is_one_error_naming_service_annotation_value_and_what_is_allowed(key, value, allowed):
    out, errors = read(key, value)
    assert out == {}
    assert errors == [(f"cart: annotation istio-mesh-fn.dev/{key}: {value!r} is not valid; {allowed}",
                       {"path": f"metadata.annotations.istio-mesh-fn.dev/{key}", "currentValue": value})]


def test_an_unknown_annotation_lists_every_known_one():
    out, errors = read("unknown", "1")
    assert out == {}
    assert errors == [(f"cart: unknown annotation istio-mesh-fn.dev/unknown; allowed: {ALLOWED_KEYS}",
                       {"path": "metadata.annotations.istio-mesh-fn.dev/unknown"})]


def test_the_owner_marker_and_other_prefixes_are_not_settings():
    results = Results()
    out = sc.read_annotations(service({"istio-mesh-fn.dev/generated-by": "istio-mesh-fn", "example.com/timeout": "x",
                                       "istio-mesh-fn.dev/timeout": "3s"}), results)
    assert out == {"timeout": "3s"} and list(results) == []


# --- precedence --------------------------------------------------------------------------

def settings(spec: dict[str, Any]):
    results = Results()
    s = load_settings({"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh", "spec": spec}, results)
    assert s is not None, [r.message for r in results]
    return s


def resolve(spec: dict[str, Any], annotations: dict[str, object] | None = None, override: bool = True):
    s = settings(spec)
    return sc.resolve(s, (0, s.services[0]) if override and s.services else None, annotations or {})


def test_defaults_come_from_the_global_settings_and_say_so():
    cfg = resolve({})
    assert (cfg.timeout, cfg.retries, cfg.load_balancer, cfg.tls_mode, cfg.subset_label, cfg.routing_api) == \
        ("30s", Retries(attempts=3, per_try_timeout="10s"), None, "ISTIO_MUTUAL", "version", "istio")
    assert cfg.sources["timeout"] == "global" and cfg.sources["subset_label"] == "global"
    assert cfg.sources["routing_api"] == "global (routing.api unset, injection.mode enabled)"
    assert resolve({"routing": {"api": "istio"}}).sources["routing_api"] == "global"
    assert (cfg.outlier_detection, cfg.connection_pool, cfg.split, cfg.ports, cfg.locality_failover) == \
        (None, None, None, (), False)


def test_an_override_sets_only_what_it_gives_and_names_itself():
    spec = {"virtualService": {"retries": {"attempts": 5, "perTryTimeout": "2s"}},
            "services": [{"name": "other"}, {"name": "cart", "timeout": "9s", "retries": {"attempts": 1},
                                             "loadBalancer": "RANDOM"}]}
    s = settings(spec)
    cfg = sc.resolve(s, (1, s.services[1]), {})
    assert (cfg.timeout, cfg.retries, cfg.load_balancer, cfg.tls_mode) == \
        ("9s", Retries(attempts=1, per_try_timeout="2s"), "RANDOM", "ISTIO_MUTUAL")
    assert (cfg.sources["timeout"], cfg.sources["retries"], cfg.sources["load_balancer"], cfg.sources["tls_mode"]) == \
        ("spec.services[1]", "spec.services[1]", "spec.services[1]", "global")


def test_an_annotation_beats_the_override_and_names_itself():
    spec = {"services": [{"name": "cart", "timeout": "9s", "tlsMode": "auto", "retries": {"attempts": 1, "perTryTimeout": "1s"}}]}
    cfg = resolve(spec, {"timeout": "2s", "retries": 4, "tls-mode": "ISTIO_MUTUAL", "subset-label": "track",
                         "load-balancer": "LEAST_REQUEST", "routing-api": "gateway-api", "skip": False})
    assert (cfg.timeout, cfg.retries, cfg.tls_mode, cfg.subset_label, cfg.load_balancer, cfg.routing_api) == \
        ("2s", Retries(attempts=4, per_try_timeout="1s"), "ISTIO_MUTUAL", "track", "LEAST_REQUEST", "gateway-api")
    assert {k: cfg.sources[k] for k in ("timeout", "retries", "tls_mode", "subset_label", "load_balancer", "routing_api")} == {
        "timeout": "annotation istio-mesh-fn.dev/timeout", "retries": "annotation istio-mesh-fn.dev/retries",
        "tls_mode": "annotation istio-mesh-fn.dev/tls-mode", "subset_label": "annotation istio-mesh-fn.dev/subset-label",
        "load_balancer": "annotation istio-mesh-fn.dev/load-balancer",
        "routing_api": "annotation istio-mesh-fn.dev/routing-api"}


def test_a_retries_annotation_without_global_retries_keeps_istios_three_attempt_shape():
    cfg = resolve({"virtualService": {"retries": None}}, {"retries": 2})
    assert cfg.retries == Retries(attempts=2, per_try_timeout=None)
    assert resolve({"virtualService": {"retries": None}}).retries is None


def test_a_timeout_annotation_of_none_removes_the_timeout():
    cfg = resolve({}, {"timeout": None})
    assert cfg.timeout is None and cfg.sources["timeout"] == "annotation istio-mesh-fn.dev/timeout"


@pytest.mark.parametrize("base,patch,expected", [
    (None, None, None),
    (Retries(attempts=3, per_try_timeout="2s"), None, Retries(attempts=3, per_try_timeout="2s")),
])
def test_resolve_retries_without_a_patch_is_the_base(base, patch, expected):
    assert sc.resolve_retries(base, patch) == expected


def test_resolve_retries_merges_only_the_given_fields():
    s = settings({"services": [{"name": "a", "retries": {"perTryTimeout": "4s"}},
                               {"name": "b", "retries": {"attempts": 0, "retryOn": "5xx"}}]})
    base = Retries(attempts=5, per_try_timeout="1s", retry_on="gateway-error")
    assert sc.resolve_retries(base, s.services[0].retries) == Retries(attempts=5, per_try_timeout="4s", retry_on="gateway-error")
    assert sc.resolve_retries(base, s.services[1].retries) == Retries(attempts=0, per_try_timeout="1s", retry_on="5xx")
    # No global retries: the patch goes over Istio's own three attempts, without a per-try timeout.
    assert sc.resolve_retries(None, s.services[0].retries) == Retries(attempts=3, per_try_timeout="4s")
    assert sc.resolve_retries(None, s.services[1].retries) == Retries(attempts=0, per_try_timeout=None, retry_on="5xx")


def test_find_override_prefers_the_namespaced_entry():
    s = settings({"services": [{"name": "cart"}, {"name": "cart", "namespace": "shop"}, {"name": "web", "namespace": "x"}]})
    index = sc.override_index(s)
    assert sc.find_override(index, "shop", "cart") == 1
    assert sc.find_override(index, "other", "cart") == 0
    assert sc.find_override(index, "shop", "web") is None
    assert sc.find_override(index, "x", "web") == 2


# --- resilience ------------------------------------------------------------------------

def test_outlier_detection_from_an_override_and_from_an_annotation():
    on = resolve({"services": [{"name": "cart", "outlierDetection": {"consecutive5xxErrors": 7}}]})
    assert on.outlier_detection is not None and on.outlier_detection.consecutive_5xx_errors == 7
    assert on.sources["outlier_detection"] == "spec.services[0]"
    off = resolve({"resilience": {"outlierDetection": {"enabled": True}},
                   "services": [{"name": "cart", "outlierDetection": None}]})
    assert off.outlier_detection is None and off.sources["outlier_detection"] == "spec.services[0]"
    explicit = resolve({"services": [{"name": "cart", "outlierDetection": {"enabled": False}}]})
    assert explicit.outlier_detection is None
    by_note = resolve({"services": [{"name": "cart", "outlierDetection": {"consecutive5xxErrors": 7}}]},
                      {"outlier-detection": False})
    assert by_note.outlier_detection is None
    assert by_note.sources["outlier_detection"] == "annotation istio-mesh-fn.dev/outlier-detection"
    by_note = resolve({}, {"outlier-detection": True})
    assert by_note.outlier_detection is not None and by_note.outlier_detection.enabled


def test_connection_pool_patches_merge_over_the_global_pool():
    spec = {"resilience": {"connectionPool": {"tcp": {"maxConnections": 10}, "http": {"maxRetries": 2}}},
            "services": [{"name": "cart", "connectionPool": {"http": {"http2MaxRequests": 50}}}]}
    cfg = resolve(spec)
    assert cfg.connection_pool is not None
    assert (cfg.connection_pool.tcp.max_connections, cfg.connection_pool.http.max_retries,
            cfg.connection_pool.http.http2_max_requests) == (10, 2, 50)
    assert cfg.sources["connection_pool"] == "spec.services[0]"
    cfg = resolve(spec, {"connection-pool": {"tcp": {"connect_timeout": "1s"}, "http": {}}})
    assert cfg.connection_pool is not None
    assert (cfg.connection_pool.tcp.max_connections, cfg.connection_pool.tcp.connect_timeout,
            cfg.connection_pool.http.http2_max_requests) == (10, "1s", 50)
    assert cfg.sources["connection_pool"] == "annotation istio-mesh-fn.dev/connection-pool"
    cleared = resolve({"resilience": {"connectionPool": {"tcp": {"maxConnections": 10}}},
                       "services": [{"name": "cart", "connectionPool": None}]})
    assert cleared.connection_pool is None


def test_merge_pool_keeps_the_base_sections_a_patch_does_not_give():
    base = settings({"resilience": {"connectionPool": {"tcp": {"maxConnections": 10}, "http": {"maxRetries": 2}}}}) \
        .resilience.connection_pool
    assert sc.merge_pool(base, None) == ConnectionPool()
    merged = sc.merge_pool(base, {"tcp": {"connect_timeout": "2s"}})
    assert (merged.tcp.max_connections, merged.tcp.connect_timeout, merged.http) == (10, "2s", base.http)
    merged = sc.merge_pool(base, {"http": {"max_retries": 5}, "tcp": None})
    assert (merged.tcp, merged.http.max_retries) == (base.tcp, 5)


def test_split_and_ports_come_from_override_then_annotation():
    spec = {"services": [{"name": "cart", "split": {"weights": {"v1": 80, "v2": 20}}, "ports": [{"port": 80, "timeout": "1s"}]}]}
    cfg = resolve(spec)
    assert cfg.split is not None and dict(cfg.split.weights) == {"v1": 80, "v2": 20}
    assert cfg.sources["split"] == "spec.services[0]" and cfg.sources["ports"] == "spec.services[0]"
    assert [p.port for p in cfg.ports] == [80]
    cfg = resolve(spec, {"split": Split({"v2": 100})})
    assert cfg.split == Split({"v2": 100}) and cfg.sources["split"] == "annotation istio-mesh-fn.dev/split"
    plain = resolve({"services": [{"name": "cart", "timeout": "1s"}]})
    assert (plain.split, plain.ports, plain.sources["split"], plain.sources["ports"]) == (None, (), "global", "global")


def test_locality_failover_is_the_global_switch():
    assert resolve({"resilience": {"localityFailover": True}}).locality_failover is True


# --- the parser factories ------------------------------------------------------------------
# ANNOTATIONS and POOL_KEYS build their parsers when the module is imported, so the tests
# above exercise parsers made before any test ran; these build them afresh.

@pytest.mark.parametrize("text,ok", [("a", True), ("b", True), ("c", False), ("A", False), ("", False)])
def test_choice_accepts_exactly_the_allowed_values(text, ok):
    check = sc._choice(("a", "b"))
    if ok:
        assert check(text) == text
    else:
        with pytest.raises(sc.BadValue) as exc:
            check(text)
        assert str(exc.value) == "allowed: a, b"


@pytest.mark.parametrize("minimum,text,value", [
    (1, "1", 1), (1, "0", None), (0, "0", 0), (1, "2147483647", 2147483647), (1, "2147483648", None),
    (1, "-1", None), (1, "1.5", None), (1, "x", None), (5, "4", None), (5, "5", 5),
])
def test_count_parses_whole_numbers_from_its_minimum_to_int32(minimum, text, value):
    parse = sc._count(minimum)
    if value is not None:
        assert parse(text) == value
    else:
        with pytest.raises(sc.BadValue) as exc:
            parse(text)
        assert str(exc.value) == f"a whole number from {minimum}"


@pytest.mark.parametrize("text,ok", [("1ms", True), ("0.5ms", False), ("0s", False), ("5s", True), ("soon", False)])
def test_pool_durations_are_at_least_a_millisecond(text, ok):
    if ok:
        assert sc._pool_duration(text) == text
    else:
        with pytest.raises(sc.BadValue) as exc:
            sc._pool_duration(text)
        assert str(exc.value) == "a duration of at least 1ms such as 5s or 250ms"
