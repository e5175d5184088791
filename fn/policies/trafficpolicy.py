"""A DestinationRule's resilience settings: outlier detection (circuit breaking), the
connection pool and the locality switch outlier detection implies, plus the warnings
that go with them. Everything here lands in the one generated DestinationRule of a host,
because Istio applies only the oldest rule's trafficPolicy when several cover it."""

from __future__ import annotations


from ..items import Item
from ..mesh import Service
from ..settings import ConnectionPool, OutlierDetection
from .base import Output

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# What each generated field is called in Istio's API, in the order it is written.
_TCP = (("max_connections", "maxConnections"), ("connect_timeout", "connectTimeout"))
_HTTP = (("http1_max_pending_requests", "http1MaxPendingRequests"), ("http2_max_requests", "http2MaxRequests"),
         ("max_requests_per_connection", "maxRequestsPerConnection"), ("max_retries", "maxRetries"),
         ("idle_timeout", "idleTimeout"))


def outlier_field(od: OutlierDetection) -> dict[str, Any]:
    # Every count is written out, 0 included: an unset consecutive5xxErrors is Envoy's 5,
    # which would silently disable a gateway-error count of 5 or more.
    return {
        "consecutive5xxErrors": od.consecutive_5xx_errors,
        "consecutiveGatewayErrors": od.consecutive_gateway_errors,
        "interval": od.interval,
        "baseEjectionTime": od.base_ejection_time,
        "maxEjectionPercent": od.max_ejection_percent,
    }


def pool_field(pool: ConnectionPool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for section, names in (("tcp", _TCP), ("http", _HTTP)):
        values = getattr(pool, section)
        fields = {api: getattr(values, name) for name, api in names if getattr(values, name) is not None}
        if fields:
            out[section] = fields
    return out


def traffic_policy(svc: Service, *, load_balancer: str | None, tls_mutual: bool) -> dict[str, Any]:
    """trafficPolicy for the host; keys appear only when set, so a Service without
    resilience settings gets exactly the rule it got before."""
    cfg = svc.config
    policy: dict[str, Any] = {}
    lb: dict[str, Any] = {}
    if load_balancer:
        lb["simple"] = load_balancer
    if cfg.outlier_detection is not None:
        # Any outlierDetection switches Istio's locality failover on; say which is meant.
        lb["localityLbSetting"] = {"enabled": cfg.locality_failover}
    if lb:
        policy["loadBalancer"] = lb
    if cfg.connection_pool is not None:
        policy["connectionPool"] = pool_field(cfg.connection_pool)
    if cfg.outlier_detection is not None:
        policy["outlierDetection"] = outlier_field(cfg.outlier_detection)
    if tls_mutual:
        policy["tls"] = {"mode": "ISTIO_MUTUAL"}
    return policy


def wanted(svc: Service) -> list[str]:
    """The resilience settings this Service asks for, by their config names."""
    cfg = svc.config
    names = []
    if cfg.outlier_detection is not None:
        names.append("outlierDetection")
    if cfg.connection_pool is not None:
        names.append("connectionPool")
    return names


def report_unapplied(svc: Service, existing: Item | None, out: Output) -> None:
    """A person's DestinationRule covers the host: a second rule would have its
    trafficPolicy ignored, so the settings are not applied, and the user hears it."""
    names = wanted(svc)
    if existing is None or not names:
        return
    out.results.warning(
        f"{svc.name}: {' and '.join(names)} could not be applied: {existing.describe()} already covers this "
        "host, and Istio uses only one DestinationRule's trafficPolicy per host; add the settings to that rule",
        resource_ref=svc.item.ref(), file=svc.item.file_ref())


def check(svc: Service, out: Output) -> None:
    """Warnings on settings that are legal but work against the user."""
    cfg = svc.config
    where = {"resource_ref": svc.item.ref(), "file": svc.item.file_ref()}
    od, replicas = cfg.outlier_detection, svc.replicas
    if od is not None and replicas is not None and 0 < replicas <= 2:
        out.results.warning(
            f"{svc.name}: outlier detection with {replicas} endpoint(s): Envoy ejects at least one endpoint "
            f"whatever maxEjectionPercent ({od.max_ejection_percent}%) says, so one failing pod takes "
            f"{100 // replicas}% of the capacity away for {od.base_ejection_time} or more; run 3 or more "
            "replicas", **where)
    storm = retry_storm(svc)
    if storm:
        out.results.warning(f"{svc.name}: {storm}", **where)


def retry_storm(svc: Service) -> str | None:
    """Retries multiply load: with A attempts each request may be sent 1 + A times. Envoy
    caps retries in flight at connectionPool.http.maxRetries (unlimited in Istio unless
    set); warn when the retries allowed can exceed the pool's own request limit."""
    cfg = svc.config
    pool = cfg.connection_pool
    attempts = max([cfg.retries.attempts if cfg.retries else 0]
                   + [p.retries.attempts for p in cfg.ports if p.retries is not None and p.retries.attempts is not None])
    if pool is None or attempts == 0:
        return None
    limit = pool.http.http2_max_requests or pool.http.http1_max_pending_requests
    if limit is None:
        return None
    retries = limit * attempts if pool.http.max_retries is None else min(limit * attempts, pool.http.max_retries)
    if retries <= limit:
        return None
    cap = "no maxRetries, which Istio leaves unlimited" if pool.http.max_retries is None \
        else f"maxRetries {pool.http.max_retries}"
    return (f"retry storm: {attempts} retry attempts per request can add {retries} retries on top of the pool's "
            f"{limit} requests with {cap}; set connectionPool.http.maxRetries at or below {limit}, or fewer attempts")
