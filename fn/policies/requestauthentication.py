"""RequestAuthentication: which JWT issuers a workload accepts, and where a token is
required.

A RequestAuthentication only rejects a request whose token is invalid; a request with no
token passes, unauthenticated. ``requireJwt`` therefore pairs each covered workload with
a DENY AuthorizationPolicy on ``notRequestPrincipals: ["*"]``, restricted to its HTTP
ports: ``notRequestPrincipals`` is an HTTP-only field, and a DENY rule drops HTTP-only
fields on TCP ports, which would deny every TCP connection.

In ambient mode only a waypoint sees requests: for a workload whose Services use one
(fn/mesh/waypoints.py counts a JWT provider as an L7 feature), the RequestAuthentication
and the DENY attach to each Service with ``targetRefs`` (ports: the Service's), and a
namespace-wide provider attaches to the namespace's waypoint Gateway, as Istio's "migrate
policies" guide requires. Ingress gateways reach pods without the waypoint, so their
requests are not covered there (warning).

Reads: the model's workloads, Services, namespaces, waypoints and ingress routes, and the
``requestAuthentication`` and ``authorization`` sections."""

from __future__ import annotations


from ..mesh import AMBIENT, HTTP, MeshModel, Service, Workload
from ..settings import JwtProvider, Settings
from . import authorizationpolicy as ap
from .base import Generated, Output, metadata
from .waypointauthz import targets

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

GATEWAY_API = "gateway.networking.k8s.io"

API_VERSION = "security.istio.io/v1"
KIND = "RequestAuthentication"


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


def _waypoint_services(model: MeshModel, w: Workload) -> list[Service]:
    """The Services in front of an ambient workload whose requests pass a waypoint."""
    if model.namespace(w.namespace).dataplane != AMBIENT:
        return []
    return [s for s in model.services
            if s.skip is None and s.waypoint is not None and not s.headless and w in s.workloads]


def _attached(model: MeshModel, p: JwtProvider, svc: Service, dry_run: bool, out: Output, made: set[str],
              with_rule: bool = True) -> None:
    """The RequestAuthentication (unless the namespace's waypoint has the provider already)
    and, with requireJwt, the DENY, attached to a Service its waypoint serves; once per
    Service."""
    name = f"{p.name}-{svc.name}"
    if name in made:
        return
    made.add(name)
    refs = targets(svc)
    if with_rule:
        obj = {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata(f"jwt-{name}", svc.namespace),
               "spec": {"targetRefs": refs, "jwtRules": [_rule(p)]}}
        out.objects.append(Generated(obj, f"istio/{svc.namespace}/jwt-{name}.yaml"))
    if any(r.service == svc.key for r in model.ingress):
        out.results.warning(f"{svc.namespace}/{svc.name}: requestAuthentication {p.name} is checked by its waypoint, "
                            "which the ingress gateway's requests do not pass (they go to the pods directly); "
                            "validate the token at the gateway too, or label the Service "
                            "istio.io/ingress-use-waypoint=true", resource_ref=svc.item.ref(), file=svc.item.file_ref())
    if not p.require_jwt:
        return
    ports = [port.number for port in svc.ports if port.protocol == HTTP]
    if not ports:
        return
    rule = {"from": [{"source": {"notRequestPrincipals": ["*"]}}],
            "to": [{"operation": {"ports": [str(n) for n in ports]}}]}
    body = {"targetRefs": refs, "action": "DENY", "rules": [rule]}
    out.objects.append(Generated(ap._obj(f"require-jwt-{name}", svc.namespace, body, dry_run),
                                 f"istio/{svc.namespace}/require-jwt-{name}.yaml"))


def generate(model: MeshModel, settings: Settings) -> Output:
    out = Output()
    dry_run = settings.authorization.mode == "dry-run"
    for p in settings.request_authentication.providers:
        namespaces, workloads = _targets(p, model, out)
        spec: dict[str, Any] = {"jwtRules": [_rule(p)]}
        made: set[str] = set()
        for ns in namespaces:
            plan = model.waypoints.get(ns) if model.namespace(ns).dataplane == AMBIENT else None
            # In ambient only the waypoint validates tokens: attach the provider to it.
            body = spec if plan is None else {
                "targetRefs": [{"group": GATEWAY_API, "kind": "Gateway", "name": plan.name}], **spec}
            obj = {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata(f"jwt-{p.name}", ns), "spec": body}
            out.objects.append(Generated(obj, f"istio/{ns}/jwt-{p.name}.yaml"))
        for w in workloads:
            attached = _waypoint_services(model, w)
            for svc in attached:
                _attached(model, p, svc, dry_run, out, made)
            if attached:
                continue
            obj = {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata(f"jwt-{p.name}-{w.name}", w.namespace),
                   "spec": {"selector": {"matchLabels": dict(w.pod_labels)}, **spec}}
            out.objects.append(Generated(obj, f"istio/{w.namespace}/jwt-{p.name}-{w.name}.yaml"))
        if not p.require_jwt:
            out.results.info(f"requestAuthentication {p.name}: requests without a token still pass (a "
                             "RequestAuthentication only rejects invalid tokens); set requireJwt to require one")
            continue
        required = list(workloads) + [w for w in model.workloads if w.namespace in namespaces and w not in workloads]
        for w in required:
            attached = _waypoint_services(model, w)
            if attached:
                for svc in attached:
                    _attached(model, p, svc, dry_run, out, made, with_rule=w.namespace not in namespaces)
                continue
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
