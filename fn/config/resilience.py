"""The resilience section (issue 13): outlier detection, connection pools, canary splits
and per-port routes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from ..configbase import Model
from .fields import Duration, LabelValue
from .sections import Retries


def _timeout_or_none(value: Any) -> Any:
    # "0s" (or null) means no timeout on that port: long-lived streams, long polling.
    if value is None or value in ("0s", "0", "none"):
        return None
    return value


PortTimeout = Annotated[Duration | None, BeforeValidator(_timeout_or_none)]


class OutlierDetection(Model):
    """Circuit breaking: eject an endpoint that keeps failing (Envoy's outlier detection).
    Defaults and their sources are in the README ("Resilience defaults")."""

    enabled: bool = Field(False, description="Set trafficPolicy.outlierDetection on generated DestinationRules.")
    consecutive_5xx_errors: int = Field(
        0, ge=0, alias="consecutive5xxErrors",
        description="5xx responses in a row that eject an endpoint; 0 turns the 5xx check off, so an "
        "application's own 500 never ejects it (Admiral's choice).",
    )
    consecutive_gateway_errors: int = Field(
        5, ge=0, description="502, 503 and 504 responses (and connection failures) in a row that eject an "
        "endpoint (Envoy's default count); 0 turns the check off.",
    )
    interval: Duration = Field("10s", description="Time between ejection sweeps (Envoy's default).")
    base_ejection_time: Duration = Field(
        "30s", description="Minimum ejection time, multiplied by the times ejected (Envoy's default)."
    )
    max_ejection_percent: int = Field(
        10, ge=0, le=100, description="Most endpoints ejected at once, in percent (Envoy's default); "
        "Envoy still ejects one endpoint when the percentage rounds to none.",
    )

    @model_validator(mode="after")
    def _both_counts(self) -> "OutlierDetection":
        # Where both counts are written here the problem is this block's; where one is
        # inherited, MeshSpec checks the merged values.
        both = {"consecutive_5xx_errors", "consecutive_gateway_errors"} <= self.model_fields_set
        problem = outlier_problem(self) if both else None
        if problem is not None:
            raise ValueError(problem)
        return self


def outlier_problem(od: OutlierDetection | dict[str, Any]) -> str | None:
    """Gateway errors are a subset of 5xx errors: with consecutiveGatewayErrors at or above
    consecutive5xxErrors the 5xx check always fires first and the gateway check never does."""
    get = od.get if isinstance(od, dict) else (lambda k: getattr(od, k))
    fivexx, gateway = get("consecutive_5xx_errors"), get("consecutive_gateway_errors")
    if fivexx and gateway and gateway >= fivexx:
        return (f"consecutiveGatewayErrors {gateway} >= consecutive5xxErrors {fivexx} silently disables the "
                "gateway-error check (gateway errors are 5xx errors too); set consecutive5xxErrors to 0 "
                "(only gateway errors eject) or above consecutiveGatewayErrors")
    return None


class TcpPool(Model):
    max_connections: int | None = Field(None, ge=1, description="Most HTTP1/TCP connections per endpoint.")
    connect_timeout: Duration | None = Field(None, description="TCP connect timeout.")


class HttpPool(Model):
    http1_max_pending_requests: int | None = Field(None, ge=1, description="Most requests queued for a connection.")
    http2_max_requests: int | None = Field(None, ge=1, description="Most active requests to the destination.")
    max_requests_per_connection: int | None = Field(
        None, ge=1, description="Requests per connection before it is closed; 1 disables keep-alive.")
    max_retries: int | None = Field(
        None, ge=0, description="Most retries outstanding to all endpoints at once (Istio: unlimited).")
    idle_timeout: Duration | None = Field(None, description="Idle time before a connection is closed.")


class ConnectionPool(Model):
    """Per-endpoint limits (trafficPolicy.connectionPool). Unset fields: Istio's defaults."""

    tcp: TcpPool = Field(default_factory=TcpPool)
    http: HttpPool = Field(default_factory=HttpPool)


class Resilience(Model):
    outlier_detection: OutlierDetection = Field(default_factory=OutlierDetection)
    connection_pool: ConnectionPool = Field(default_factory=ConnectionPool)
    locality_failover: bool = Field(
        False, description="loadBalancer.localityLbSetting.enabled wherever outlierDetection is set (outlier "
        "detection alone switches locality failover on in Istio).",
    )

    @model_validator(mode="after")
    def _gateway_below_5xx(self) -> "Resilience":
        problem = outlier_problem(self.outlier_detection)
        if problem is not None:
            raise ValueError(f"outlierDetection: {problem}")
        return self


class StringMatch(Model):
    exact: str | None = None
    prefix: str | None = None
    regex: str | None = None

    @model_validator(mode="after")
    def _one(self) -> "StringMatch":
        if sum(v is not None for v in (self.exact, self.prefix, self.regex)) != 1:
            raise ValueError("set exactly one of exact, prefix, regex")
        return self


def _header_name(value: str) -> str:
    # Istio's webhook refuses upper-case header names in a match (HTTP/2 lower-cases them).
    if not value or value != value.lower() or any(c.isspace() for c in value):
        raise ValueError(f"header name {value!r} must be non-empty lower case without spaces")
    return value


HeaderName = Annotated[str, AfterValidator(_header_name)]


class SplitMatch(Model):
    headers: dict[HeaderName, StringMatch] = Field(min_length=1)
    subset: LabelValue = Field(description="Version (subset label value) the matching requests go to.")


class Split(Model):
    """A canary: weights per version (values of the subset label)."""

    weights: dict[LabelValue, Annotated[int, Field(ge=0, le=100)]] = Field(min_length=1)
    match: SplitMatch | None = Field(None, description="Requests matching these headers go to one version first.")
    mirror: LabelValue | None = Field(None, description="Version that gets a copy of the traffic.")
    mirror_percentage: float | None = Field(None, ge=0, le=100, description="Share mirrored; unset: all.")

    @model_validator(mode="after")
    def _sum(self) -> "Split":
        total = sum(self.weights.values())
        if total != 100:
            raise ValueError(f"weights {dict(self.weights)} sum to {total}, not 100")
        if self.mirror_percentage is not None and self.mirror is None:
            raise ValueError("mirrorPercentage needs mirror")
        return self


class PortOverride(Model):
    """Timeout and retries of one port's route."""

    port: int | str = Field(description="Port number or name.")
    timeout: PortTimeout = Field(None, description="Route timeout; 0s or null: none.")
    retries: Retries | None = None

    @model_validator(mode="after")
    def _port(self) -> "PortOverride":
        if isinstance(self.port, int) and not 1 <= self.port <= 65535:
            raise ValueError(f"port {self.port} is not a port number from 1 to 65535")
        return self


ExportScope = Literal["mesh", "namespace"]
