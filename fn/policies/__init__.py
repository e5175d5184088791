"""The policies, one module per generated kind, in the order they run. Adding a kind means
adding a module with ``generate(model, settings)``, its config section, and one entry
here saying what it makes and when it runs.

The registry names each module rather than importing it: a run imports only the
policies its settings switch on and its model gives something to do (issue 15,
start-up). tests/test_policy_registry.py checks every entry against its module.
"""

from __future__ import annotations

from ..mesh.types import AMBIENT, GATEWAY_API_ROUTING
from .base import OWNER_ANNOTATION, OWNER_VALUE, Generated, Output, Policy

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..mesh import MeshModel
    from ..settings import Settings

ISTIO_NETWORKING = "networking.istio.io/v1"
ISTIO_SECURITY = "security.istio.io/v1"
GATEWAY_API = "gateway.networking.k8s.io/v1"


def _on(settings: Settings) -> bool:
    return True


def _routes(settings: Settings) -> bool:
    # Routes render the virtualService section (timeout, retries, nameTemplate, labels)
    # in the Gateway API, so they are on and off with it; which Services use the Gateway
    # API is decided per Service (annotation, override, global).
    return settings.virtual_service.enabled


def _gateway_api_services(model: MeshModel, settings: Settings) -> bool:
    return any(svc.skip is None and svc.config.routing_api == GATEWAY_API_ROUTING for svc in model.services)


def _ambient_namespaces(model: MeshModel, settings: Settings) -> bool:
    return any(ns.dataplane == AMBIENT for ns in model.namespaces.values())


POLICIES: tuple[Policy, ...] = (
    # Always runs: with injection.mode disabled the model plans no label, and the summary
    # still says so.
    Policy("namespacelabels", "v1", None, _on),
    Policy("destinationrule", ISTIO_NETWORKING, "DestinationRule", lambda s: s.destination_rule.enabled),
    Policy("virtualservice", ISTIO_NETWORKING, "VirtualService", lambda s: s.virtual_service.enabled),
    Policy("peerauthentication", ISTIO_SECURITY, "PeerAuthentication", lambda s: s.mtls.scope != "none"),
    Policy("httproute", GATEWAY_API, "HTTPRoute", _routes, _gateway_api_services, quiet=True),
    Policy("grpcroute", GATEWAY_API, "GRPCRoute", lambda s: _routes(s) and s.routing.grpc == "GRPCRoute",
           _gateway_api_services, quiet=True),
    Policy("tcproute", GATEWAY_API, "TCPRoute", _routes, _gateway_api_services, quiet=True),
    Policy("versionservice", "v1", "Service", lambda s: s.routing.version_services, quiet=True),
    Policy("waypoint", GATEWAY_API, "Gateway", _on, lambda m, s: bool(m.waypoints), quiet=True),
    Policy("ambientmigration", "v1", None, _on, _ambient_namespaces),
    Policy("authorizationpolicy", ISTIO_SECURITY, "AuthorizationPolicy", lambda s: s.authorization.mode != "off",
           opt_in=True),
    Policy("requestauthentication", ISTIO_SECURITY, "RequestAuthentication",
           lambda s: bool(s.request_authentication.providers), opt_in=True),
    Policy("serviceentry", ISTIO_NETWORKING, "ServiceEntry", lambda s: s.egress.mode != "off", opt_in=True),
    Policy("sidecar", ISTIO_NETWORKING, "Sidecar", lambda s: s.egress.mode == "registry-only", opt_in=True),
    # Always: with the setting back to keep, the model still plans the ServiceAccounts an
    # earlier run generated that workloads run as; otherwise it plans none.
    Policy("serviceaccount", "v1", "ServiceAccount", _on,
           lambda m, s: bool(m.service_accounts) or s.authorization.service_accounts == "per-workload", quiet=True),
)

__all__ = ["POLICIES", "Policy", "Output", "Generated", "OWNER_ANNOTATION", "OWNER_VALUE"]
