"""HTTPRoute (Gateway API, GAMMA): the timeout and retries of a Service's HTTP-family
ports, for Services routed with ``routing.api: gateway-api``.

Reads: the model's Services (ports, per-Service config with its ``routing_api``) and the
``routing`` section. ``timeouts.request`` is the route timeout; ``timeouts.backendRequest``
the per-try timeout. ``retry`` exists only in the experimental channel's CRDs (a
standard-channel API server prunes it without a word), so on standard it is dropped and
said so once per run."""

from __future__ import annotations


from ..durations import parse_duration
from ..mesh import HTTP, TCP, UNKNOWN, MeshModel, Port, Service
from ..settings import Settings
from . import gamma
from .base import Output

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

API_VERSION = gamma.API_VERSION
KIND = "HTTPRoute"


def ports_of(svc: Service, settings: Settings) -> list[Port]:
    # Unnamed ports are sniffed by Istio; an HTTP route applies once traffic is HTTP.
    return [p for p in svc.ports if p.protocol in (HTTP, UNKNOWN)
            and (not p.grpc or settings.routing.grpc == "HTTPRoute")]


def rule(svc: Service, port: Port, settings: Settings, dropped: dict[str, list[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {
        # The CRD's default match, written out so the applied object equals this one.
        "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
        "backendRefs": gamma.backend_refs(svc, port.number),
    }
    timeouts: dict[str, str] = {}
    request = gamma.gateway_duration(svc.config.timeout) if svc.config.timeout else None
    if request:
        timeouts["request"] = request
    retries = svc.config.retries
    if retries is not None and retries.attempts > 0:
        per_try = gamma.gateway_duration(retries.per_try_timeout) if retries.per_try_timeout else None
        limit, per_try_s = parse_duration(svc.config.timeout), parse_duration(retries.per_try_timeout)
        if per_try and limit is not None and per_try_s is not None and per_try_s > limit:
            # The CRD refuses backendRequest > request.
            dropped.setdefault("backendRequest longer than the request timeout", []).append(svc.name)
        elif per_try:
            timeouts["backendRequest"] = per_try
        if settings.routing.gateway_api_channel == "experimental":
            out["retry"] = {"attempts": retries.attempts}
        else:
            dropped.setdefault("retries (HTTPRoute retry is experimental-channel only)", []).append(svc.name)
        if retries.retry_on:
            dropped.setdefault(f"retryOn {retries.retry_on} (the Gateway API retries on HTTP codes, not Envoy "
                               "conditions)", []).append(svc.name)
    if timeouts:
        out["timeouts"] = timeouts
    return out


def generate(model: MeshModel, settings: Settings) -> Output:
    dropped: dict[str, list[str]] = {}
    out = gamma.generate_routes(model, settings, KIND, settings.paths.http_route,
                                lambda svc: ports_of(svc, settings),
                                lambda svc, port, o: rule(svc, port, settings, dropped))
    for what, names in dropped.items():
        unique = sorted(set(names))
        hint = " (set routing.gatewayApiChannel: experimental when the cluster has those CRDs)" \
            if what.startswith("retries") else ""
        out.results.info(f"HTTPRoute: dropped {what} for {len(unique)} Service(s): {', '.join(unique)}{hint}")
    for svc in model.services:
        if svc.skip is None and svc.config.routing_api == gamma.GATEWAY_API:
            why = gamma.routable(svc)
            if why:
                out.note(svc, why)
            if not svc.ports:
                out.decline(svc, "the Service has no ports")
            elif all(p.protocol not in (HTTP, UNKNOWN, TCP) for p in svc.ports):
                out.decline(svc, "no port a Gateway API route can carry")
    return out
