"""The zero-trust sections (issue 12): authorization, request authentication, egress."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from ..configbase import Model
from .fields import DnsLabel
from .sections import _subdomain


AuthzMode = Literal["off", "dry-run", "enforce"]


def _principal(value: str) -> str:
    if not value or any(c.isspace() for c in value) or value.count("/") < 4:
        raise ValueError("must be a SPIFFE-style principal <trustDomain>/ns/<namespace>/sa/<serviceAccount>")
    return value


Principal = Annotated[str, AfterValidator(_principal)]


class AllowRule(Model):
    """A call the manifests cannot show: ``caller`` (name, ns/name or Kind/ns/name) calls ``to``."""

    caller: str = Field(min_length=1, description="The calling workload: name, namespace/name or Kind/namespace/name.")
    to: str = Field(min_length=1, description="Addresses as in the istio-mesh-fn.dev/calls annotation: host, host:port, URLs, comma-separated.")


class IngressGateway(Model):
    """An ingress gateway: how its Gateway objects are named and which identity it runs as."""

    name: DnsLabel = Field(description="The gateway's name, as Gateway objects and routes refer to it.")
    namespace: DnsLabel = Field(description="The gateway's namespace.")
    principal: Principal = Field(description="The gateway workload's identity, e.g. cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account.")
    services: list[str] = Field(default_factory=list, description="Services it exposes (name or namespace/name), besides those its routes in the input name.")


class Authorization(Model):
    """Least-privilege AuthorizationPolicies from the call graph."""

    mode: AuthzMode = Field("off", description="off: none; dry-run: policies annotated istio.io/dry-run (logged, not enforced); enforce.")
    trust_domain: Annotated[str, AfterValidator(lambda v: _subdomain(v))] = Field(
        "cluster.local", description="Trust domain of source principals (<trustDomain>/ns/<ns>/sa/<sa>).")
    infer_calls: bool = Field(True, description="Infer calls from the manifests; false: only declared calls (allow and the calls annotation).")
    allow: list[AllowRule] = Field(default_factory=list, description="Declared calls, merged with the inferred ones.")
    ingress_gateways: list[IngressGateway] = Field(default_factory=list, description="Ingress gateways and their principals.")
    metrics_principals: list[Principal] = Field(
        default_factory=list,
        description="Identities allowed to scrape a pod's prometheus.io/port where the scrape passes the proxy (ambient, or metrics merging off).")
    service_accounts: Literal["keep", "per-workload"] = Field(
        "keep", description="keep: workloads run as written; per-workload: a workload in an application namespace that "
                            "runs as default or shares its ServiceAccount gets a generated ServiceAccount of its own.")


class JwtProvider(Model):
    """One RequestAuthentication: a JWT issuer and where it applies."""

    name: DnsLabel = Field(description="Names the generated objects (jwt-<name>).")
    issuer: str = Field(min_length=1, description="The iss claim.")
    jwks_uri: str | None = Field(None, description="URL of the issuer's public keys.")
    jwks: str | None = Field(None, description="Inline JSON Web Key Set, instead of jwksUri.")
    audiences: list[str] = Field(default_factory=list, description="Accepted aud values; empty: any.")
    forward_original_token: bool = Field(False, description="Pass the Authorization header on to the workload.")
    workloads: list[str] = Field(default_factory=list, description="Workloads it covers (name or namespace/name); with namespaces empty and this empty: every managed namespace.")
    namespaces: list[DnsLabel] = Field(default_factory=list, description="Namespaces it covers, namespace-wide.")
    require_jwt: bool = Field(False, description="Also deny HTTP requests without a valid token (a DENY policy on notRequestPrincipals).")

    @model_validator(mode="after")
    def _one_key_source(self) -> "JwtProvider":
        if (self.jwks_uri is None) == (self.jwks is None):
            raise ValueError("set exactly one of jwksUri and jwks")
        return self


class RequestAuthentication(Model):
    providers: list[JwtProvider] = Field(default_factory=list, description="JWT issuers; empty: no RequestAuthentication.")


class Egress(Model):
    """Outbound traffic: ServiceEntries for external dependencies and Sidecars."""

    mode: Literal["off", "registry-only"] = Field(
        "off", description="registry-only: a ServiceEntry per external host and a Sidecar per sidecar namespace.")
