"""Typed resilience settings (issue 13), mirroring fn/config/resilience.py."""

from __future__ import annotations

from .records import field, record

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Mapping

    from .settings import RetriesOverride



@record
class OutlierDetection:
    enabled: bool = False
    consecutive_5xx_errors: int = 0
    consecutive_gateway_errors: int = 5
    interval: str = "10s"
    base_ejection_time: str = "30s"
    max_ejection_percent: int = 10


@record
class TcpPool:
    max_connections: int | None = None
    connect_timeout: str | None = None


@record
class HttpPool:
    http1_max_pending_requests: int | None = None
    http2_max_requests: int | None = None
    max_requests_per_connection: int | None = None
    max_retries: int | None = None
    idle_timeout: str | None = None


@record
class ConnectionPool:
    tcp: TcpPool = field(default_factory=TcpPool)
    http: HttpPool = field(default_factory=HttpPool)

    @property
    def empty(self) -> bool:
        return self == ConnectionPool()


@record
class Resilience:
    outlier_detection: OutlierDetection = field(default_factory=OutlierDetection)
    connection_pool: ConnectionPool = field(default_factory=ConnectionPool)
    locality_failover: bool = False


@record
class StringMatch:
    exact: str | None = None
    prefix: str | None = None
    regex: str | None = None


@record
class SplitMatch:
    headers: Mapping[str, StringMatch]
    subset: str


@record
class Split:
    weights: Mapping[str, int]
    match: SplitMatch | None = None
    mirror: str | None = None
    mirror_percentage: float | None = None


@record
class PortOverride:
    """One ``services[].ports[]`` entry; ``given`` as in ServiceOverride."""

    port: int | str
    timeout: str | None = None
    retries: RetriesOverride | None = None
    given: frozenset[str] = frozenset()


