"""Waypoint (a Gateway API Gateway of class ``istio-waypoint``) for each ambient namespace
whose Services ask for L7 features, and the ``istio.io/use-waypoint`` label that sends
their traffic through it.

Reads: the model's waypoint plans (fn/mesh/waypoints.py decides who needs one and why)
and ``paths.waypoint``. In ambient mode ztunnel does mTLS and L4 policy; timeouts,
retries, HTTP routes and L7 authorization are enforced by a waypoint only, for Services
labelled to use it (here: their Namespace item, or the Services when the package holds
no Namespace item). The label goes on the item as an edit, so every other byte of it
stays as written."""

from __future__ import annotations


from ..mesh import MeshModel
from ..mesh.waypoints import USE_WAYPOINT, WAYPOINT_CLASS, WAYPOINT_FOR
from ..settings import Settings
from .base import Edit, Generated, Output, metadata, path_for

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

API_VERSION = "gateway.networking.k8s.io/v1"
KIND = "Gateway"
# The HBONE port waypoints listen on; istioctl waypoint generate writes the same.
HBONE_PORT = 15008


def build(*, name: str, namespace: str) -> dict[str, Any]:
    meta = metadata(name, namespace, {WAYPOINT_FOR: "service"})
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": meta, "spec": {
        "gatewayClassName": WAYPOINT_CLASS,
        # allowedRoutes is the CRD's default, written out so the applied object equals this one.
        "listeners": [{"name": "mesh", "port": HBONE_PORT, "protocol": "HBONE",
                       "allowedRoutes": {"namespaces": {"from": "Same"}}}],
    }}


def generate(model: MeshModel, settings: Settings) -> Output:
    out = Output()
    for ns, plan in sorted(model.waypoints.items()):
        where = ns or "(none set)"
        if not plan.generate:
            out.results.info(f"namespace {where}: used the waypoint {plan.name} written by hand for "
                             + ", ".join(plan.services))
        elif (KIND, ns, plan.name) in model.user.names:
            out.results.warning(f"namespace {where}: a Gateway named {plan.name} that is not an {WAYPOINT_CLASS} "
                                f"waypoint exists; generated no waypoint, so the L7 features of "
                                + ", ".join(plan.services) + " are not enforced")
            continue
        else:
            path = path_for(settings.paths.waypoint, settings, "", {"name": plan.name,
                                                                     "namespace": plan.lands_in or "default"})
            out.objects.append(Generated(build(name=plan.name, namespace=ns), path))
        out.edits.extend(Edit.label(item, USE_WAYPOINT, plan.name) for item in plan.label_items)
    if model.waypoints:
        out.summary.append("waypoints: " + ", ".join(f"{ns or '(none set)'}/{p.name}"
                                                    for ns, p in sorted(model.waypoints.items())))
    return out
