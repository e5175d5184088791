"""RequestAuthentication: which JWT issuers a workload accepts, and where a token is
required.

A RequestAuthentication only rejects a request whose token is invalid; a request with no
token passes, unauthenticated. ``requireJwt`` therefore pairs each covered workload with
a DENY AuthorizationPolicy on ``notRequestPrincipals: ["*"]``, restricted to its HTTP
ports: ``notRequestPrincipals`` is an HTTP-only field, and a DENY rule drops HTTP-only
fields on TCP ports, which would deny every TCP connection.

Reads: the model's workloads, Services and namespaces, and the ``requestAuthentication``
and ``authorization`` sections."""

from __future__ import annotations

from typing import Any

from ..mesh import AMBIENT, HTTP, MeshModel, Workload
from ..settings import JwtProvider, Settings
from . import authorizationpolicy as ap
from .base import Generated, Output, metadata

API_VERSION = "security.istio.io/v1"
KIND = "RequestAuthentication"


def enabled(settings: Settings) -> bool:
    return bool(settings.request_authentication.providers)


def _rule(p: JwtProvider) -> dict[str, Any]:
    rule: dict[str, Any] = {"issuer": p.issuer}
    if p.jwks_uri is not None:
        rule["jwksUri"] = p.jwks_uri
    else:
        rule["jwks"] = p.jwks
    if p.audiences:
        rule["audiences"] = list(p.audiences)
    if p.forward_original_token:
        rule["forwardOriginalToken"] = True
    return rule


def _targets(p: JwtProvider, model: MeshModel, out: Output) -> tuple[list[str], list[Workload]]:
    """(namespaces covered namespace-wide, workloads covered one by one)."""
    workloads = []
    for i, spec in enumerate(p.workloads):
        ns, _, name = spec.rpartition("/")
        found = [w for w in model.workloads if w.name == name and (not ns or w.namespace == ns)]
        if not found:
            out.results.warning(f"requestAuthentication {p.name}: workloads[{i}] {spec!r} matches no workload in the input",
                                field={"path": f"spec.requestAuthentication.providers[{p.name}].workloads[{i}]"})
        workloads.extend(found)
    namespaces = list(p.namespaces)
    if not p.workloads and not p.namespaces:
        namespaces = [n for n in model.mesh_namespaces if n and n != model.root_namespace]
    return namespaces, workloads


def _http_ports(model: MeshModel, w: Workload) -> tuple[list[int], list[str]]:
    ports, other = set(), []
    for svc in model.services:
        if w not in svc.workloads:
            continue
        for port in svc.ports:
            target = port.target if port.target is not None else port.number
            number = target if isinstance(target, int) else w.container_ports.get(str(target))
            if port.protocol == HTTP and number is not None:
                ports.add(number)
            else:
                other.append(f"{svc.name}:{port.number}")
    return sorted(ports), other


def generate(model: MeshModel, settings: Settings) -> Output:
    out = Output()
    dry_run = settings.authorization.mode == "dry-run"
    for p in settings.request_authentication.providers:
        namespaces, workloads = _targets(p, model, out)
        spec = {"jwtRules": [_rule(p)]}
        for ns in namespaces:
            obj = {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata(f"jwt-{p.name}", ns), "spec": spec}
            out.objects.append(Generated(obj, f"istio/{ns}/jwt-{p.name}.yaml"))
        for w in workloads:
            obj = {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata(f"jwt-{p.name}-{w.name}", w.namespace),
                   "spec": {"selector": {"matchLabels": dict(w.pod_labels)}, **spec}}
            out.objects.append(Generated(obj, f"istio/{w.namespace}/jwt-{p.name}-{w.name}.yaml"))
        if not p.require_jwt:
            out.results.info(f"requestAuthentication {p.name}: requests without a token still pass (a "
                             "RequestAuthentication only rejects invalid tokens); set requireJwt to require one")
            continue
        required = list(workloads) + [w for w in model.workloads if w.namespace in namespaces and w not in workloads]
        for w in required:
            ports, other = _http_ports(model, w)
            if model.namespace(w.namespace).dataplane == AMBIENT:
                out.results.warning(f"{w.namespace}/{w.name}: requireJwt in an ambient namespace needs a waypoint "
                                    "proxy; ztunnel enforces only L4 rules and skips requestPrincipals")
            if other:
                out.results.info(f"{w.namespace}/{w.name}: requireJwt covers only its HTTP ports; not "
                                 f"{', '.join(other)} (a JWT rule cannot apply to TCP or unnamed ports)")
            if not ports:
                continue
            rule = {"from": [{"source": {"notRequestPrincipals": ["*"]}}],
                    "to": [{"operation": {"ports": [str(n) for n in ports]}}]}
            body = {"selector": {"matchLabels": dict(w.pod_labels)}, "action": "DENY", "rules": [rule]}
            obj = ap._obj(f"require-jwt-{p.name}-{w.name}", w.namespace, body, dry_run)
            out.objects.append(Generated(obj, f"istio/{w.namespace}/require-jwt-{p.name}-{w.name}.yaml"))
    return out
