"""Per-Service settings: the Service's annotation, then its ``spec.services[]`` override,
then the global setting. App teams often cannot edit the platform's function config, but
they own their Service, so the annotation wins."""

from __future__ import annotations


from ..durations import parse_duration
from ..k8snames import is_label_value, label_key_problem
from ..items import Item
from ..results import Results
from ..settings import (ConnectionPool, OutlierDetection, PortOverride, Retries, RetriesOverride, ServiceOverride, Settings,
                        Split)
from .types import ServiceConfig
from ..records import replace

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Mapping

PREFIX = "istio-mesh-fn.dev/"
LOAD_BALANCERS = ("ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "PASSTHROUGH")
TLS_MODES = ("ISTIO_MUTUAL", "auto")
NO_TIMEOUT = ("0s", "0", "none")
ROUTING_APIS = ("istio", "gateway-api")


class BadValue(ValueError):
    """An annotation value outside what is allowed; the message says what is."""


def _skip(text: str) -> bool:
    if text not in ("true", "false"):
        raise BadValue("allowed: true, false")
    return text == "true"


def _timeout(text: str) -> str | None:
    if text in NO_TIMEOUT:
        return None
    seconds = parse_duration(text)
    if seconds is None or seconds < 0.001:
        raise BadValue("allowed: a duration of at least 1ms such as 30s, 1.5s or 500ms, or 0s / none for no timeout")
    return text


def _retries(text: str) -> int:
    if not text.isdigit() or int(text) > 1000:
        raise BadValue("allowed: a whole number of attempts from 0 (no retries) to 1000")
    return int(text)


def _choice(allowed: tuple[str, ...]) -> Callable[[str], str]:
    def check(text: str) -> str:
        if text not in allowed:
            raise BadValue("allowed: " + ", ".join(allowed))
        return text
    return check


def _label_key(text: str) -> str:
    problem = label_key_problem(text)
    if problem:
        raise BadValue(problem)
    return text


# connection-pool annotation key -> (section, field, parser).
def _count(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not text.isdigit() or int(text) < minimum or int(text) > 2**31 - 1:
            raise BadValue(f"a whole number from {minimum}")
        return int(text)
    return parse


def _pool_duration(text: str) -> str:
    seconds = parse_duration(text)
    if seconds is None or seconds < 0.001:
        raise BadValue("a duration of at least 1ms such as 5s or 250ms")
    return text


POOL_KEYS: dict[str, tuple[str, str, Callable[[str], object]]] = {
    "maxConnections": ("tcp", "max_connections", _count(1)),
    "connectTimeout": ("tcp", "connect_timeout", _pool_duration),
    "http1MaxPendingRequests": ("http", "http1_max_pending_requests", _count(1)),
    "http2MaxRequests": ("http", "http2_max_requests", _count(1)),
    "maxRequestsPerConnection": ("http", "max_requests_per_connection", _count(1)),
    "maxRetries": ("http", "max_retries", _count(0)),
    "idleTimeout": ("http", "idle_timeout", _pool_duration),
}


def _pairs(text: str, what: str) -> list[tuple[str, str]]:
    out = []
    for part in (p.strip() for p in text.split(",")):
        key, sep, value = part.partition("=")
        if not part or not sep or not key.strip():
            raise BadValue(f"comma-separated key=value pairs ({what}); {part!r} is not one")
        out.append((key.strip(), value.strip()))
    return out


def _connection_pool(text: str) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {"tcp": {}, "http": {}}
    for key, value in _pairs(text, "e.g. maxConnections=100,http2MaxRequests=1000"):
        if key not in POOL_KEYS:
            raise BadValue(f"unknown key {key!r}; allowed: " + ", ".join(POOL_KEYS))
        section, name, parse = POOL_KEYS[key]
        try:
            out[section][name] = parse(value)
        except BadValue as exc:
            raise BadValue(f"{key}={value!r}: allowed: {exc}") from None
    return out


def _split(text: str) -> Split:
    weights: dict[str, int] = {}
    for key, value in _pairs(text, "version=weight, e.g. v1=90,v2=10"):
        if not is_label_value(key) or not value.isdigit() or int(value) > 100:
            raise BadValue(f"{key}={value}: each pair is a label value and a weight from 0 to 100")
        weights[key] = int(value)
    if sum(weights.values()) != 100:
        raise BadValue(f"the weights sum to {sum(weights.values())}, not 100")
    return Split(weights)


# annotation suffix -> parser. Documented in the README's "Per-Service annotations".
ANNOTATIONS: dict[str, Callable[[str], object]] = {
    "skip": _skip,
    "timeout": _timeout,
    "retries": _retries,
    "tls-mode": _choice(TLS_MODES),
    "load-balancer": _choice(LOAD_BALANCERS),
    "subset-label": _label_key,
    # resilience (issue 13)
    "outlier-detection": _skip,
    "connection-pool": _connection_pool,
    "split": _split,
    "routing-api": _choice(ROUTING_APIS),
}


def read_annotations(item: Item, results: Results) -> dict[str, object]:
    """The valid ``istio-mesh-fn.dev/*`` settings on ``item``; each bad one is an error
    result naming the Service, the annotation and what is allowed."""
    out: dict[str, object] = {}
    for key, text in item.annotations.items():
        if not key.startswith(PREFIX) or key == PREFIX + "generated-by":
            continue
        suffix = key[len(PREFIX):]
        parse = ANNOTATIONS.get(suffix)
        if parse is None:
            results.error(
                f"{item.name}: unknown annotation {key}; allowed: " + ", ".join(PREFIX + a for a in ANNOTATIONS),
                resource_ref=item.ref(), file=item.file_ref(), field={"path": f"metadata.annotations.{key}"},
            )
            continue
        try:
            out[suffix] = parse(text.strip())
        except BadValue as exc:
            results.error(
                f"{item.name}: annotation {key}: {text!r} is not valid; {exc}",
                resource_ref=item.ref(), file=item.file_ref(),
                field={"path": f"metadata.annotations.{key}", "currentValue": text},
            )
    return out


def resolve_retries(base: Retries | None, patch: RetriesOverride | None) -> Retries | None:
    """An override's retries merged field by field over the global ones."""
    if patch is None:
        return base
    merged = base if base is not None else Retries(attempts=3, per_try_timeout=None)
    for name in patch.given:
        merged = replace(merged, **{name: getattr(patch, name)})
    return merged


def override_index(settings: Settings) -> dict[tuple[str | None, str], int]:
    return {(o.namespace, o.name): i for i, o in enumerate(settings.services)}


def find_override(index: Mapping[tuple[str | None, str], int], namespace: str, name: str) -> int | None:
    i = index.get((namespace, name))
    return index.get((None, name)) if i is None else i


def resolve(settings: Settings, override: tuple[int, ServiceOverride] | None,
            annotations: Mapping[str, object]) -> ServiceConfig:
    dr, vs = settings.destination_rule, settings.virtual_service
    values: dict[str, object] = {
        "timeout": vs.timeout, "retries": vs.retries, "load_balancer": dr.load_balancer,
        "tls_mode": dr.tls_mode, "subset_label": dr.subset_label,
        "routing_api": settings.routing.default_api(settings.injection.mode),
    }
    sources = dict.fromkeys(values, "global")
    if settings.routing.api is None:
        sources["routing_api"] = f"global (routing.api unset, injection.mode {settings.injection.mode})"
    if override is not None:
        i, o = override
        for name in o.given & values.keys():
            values[name] = resolve_retries(vs.retries, o.retries) if name == "retries" else getattr(o, name)
            sources[name] = f"spec.services[{i}]"
    for suffix, value in annotations.items():
        name = suffix.replace("-", "_")
        if name == "retries":
            current = values["retries"]
            base = current if isinstance(current, Retries) else Retries(attempts=3, per_try_timeout=None)
            value = replace(base, attempts=int(str(value)))
        if name in values:
            values[name] = value
            sources[name] = f"annotation {PREFIX}{suffix}"
    resilience = _resilience(settings, override, annotations, sources)
    retries = values["retries"]
    return ServiceConfig(
        timeout=values["timeout"] if isinstance(values["timeout"], str) else None,
        retries=retries if isinstance(retries, Retries) else None,
        load_balancer=values["load_balancer"] if isinstance(values["load_balancer"], str) else None,
        tls_mode=str(values["tls_mode"]),
        subset_label=str(values["subset_label"]),
        routing_api=str(values["routing_api"]),
        sources=sources,
        **resilience,
    )


def merge_pool(base: ConnectionPool, patch: Mapping[str, Any] | None) -> ConnectionPool:
    if patch is None:
        return ConnectionPool()
    tcp, http = patch.get("tcp"), patch.get("http")
    return ConnectionPool(replace(base.tcp, **tcp) if isinstance(tcp, dict) else base.tcp,
                          replace(base.http, **http) if isinstance(http, dict) else base.http)


def merge_outlier(base: OutlierDetection, patch: Mapping[str, Any] | None) -> OutlierDetection:
    """An override's outlierDetection block switches it on unless it says enabled: false;
    an explicit null switches it off."""
    if patch is None:
        return replace(base, enabled=False)
    return replace(base, **{"enabled": True, **patch})


def _resilience(settings: Settings, override: tuple[int, ServiceOverride] | None,
                annotations: Mapping[str, object], sources: dict[str, str]) -> dict[str, Any]:
    res = settings.resilience
    outlier, pool = res.outlier_detection, res.connection_pool
    split: Split | None = None
    ports: tuple[PortOverride, ...] = ()
    for name in ("outlier_detection", "connection_pool", "split", "ports"):
        sources[name] = "global"
    if override is not None:
        i, o = override
        where = f"spec.services[{i}]"
        if "outlier_detection" in o.given:
            outlier, sources["outlier_detection"] = merge_outlier(outlier, o.outlier_detection), where
        if "connection_pool" in o.given:
            pool, sources["connection_pool"] = merge_pool(pool, o.connection_pool), where
        if o.split is not None:
            split, sources["split"] = o.split, where
        if o.ports:
            ports, sources["ports"] = o.ports, where
    if "outlier-detection" in annotations:
        outlier = replace(outlier, enabled=annotations["outlier-detection"] is True)
        sources["outlier_detection"] = f"annotation {PREFIX}outlier-detection"
    patch = annotations.get("connection-pool")
    if isinstance(patch, dict):
        pool, sources["connection_pool"] = merge_pool(pool, patch), f"annotation {PREFIX}connection-pool"
    by_annotation = annotations.get("split")
    if isinstance(by_annotation, Split):
        split, sources["split"] = by_annotation, f"annotation {PREFIX}split"
    return {
        "outlier_detection": outlier if outlier.enabled else None,
        "connection_pool": None if pool.empty else pool,
        "locality_failover": res.locality_failover,
        "split": split,
        "ports": ports,
    }
