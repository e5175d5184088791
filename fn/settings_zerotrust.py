"""Typed zero-trust settings (issue 12), mirroring fn/config/zerotrust.py."""

from __future__ import annotations

from .records import record

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping



@record
class AllowRule:
    caller: str
    to: str


@record
class IngressGateway:
    name: str
    namespace: str
    principal: str
    services: tuple[str, ...] = ()


@record
class Authorization:
    mode: str = "off"
    trust_domain: str = "cluster.local"
    infer_calls: bool = True
    allow: tuple[AllowRule, ...] = ()
    ingress_gateways: tuple[IngressGateway, ...] = ()
    metrics_principals: tuple[str, ...] = ()
    service_accounts: str = "keep"


@record
class JwtProvider:
    name: str
    issuer: str
    jwks_uri: str | None = None
    jwks: str | None = None
    audiences: tuple[str, ...] = ()
    forward_original_token: bool = False
    workloads: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    require_jwt: bool = False


@record
class RequestAuthentication:
    providers: tuple[JwtProvider, ...] = ()


@record
class Egress:
    mode: str = "off"


def _authorization(data: Mapping[str, Any] | None) -> Authorization:
    if not data:
        return Authorization()
    d = dict(data)
    d["allow"] = tuple(AllowRule(**a) for a in d.get("allow") or ())
    d["ingress_gateways"] = tuple(IngressGateway(**{**g, "services": tuple(g.get("services") or ())})
                                  for g in d.get("ingress_gateways") or ())
    d["metrics_principals"] = tuple(d.get("metrics_principals") or ())
    return Authorization(**d)


def _request_authentication(data: Mapping[str, Any] | None) -> RequestAuthentication:
    providers = []
    for p in (data or {}).get("providers") or ():
        p = dict(p)
        for key in ("audiences", "workloads", "namespaces"):
            p[key] = tuple(p.get(key) or ())
        providers.append(JwtProvider(**p))
    return RequestAuthentication(tuple(providers))

