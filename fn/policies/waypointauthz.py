"""AuthorizationPolicies for ambient Services whose calls pass through a waypoint.

Istio's ambient docs ("Use a waypoint proxy for L7 authorization policy", "Migrate
policies"): a call addressed to a Service that uses a waypoint reaches the pods from the
waypoint, with the waypoint's identity, so a ``selector`` policy that lists the real
callers denies it. The callers' rules therefore go in a policy attached to the Service
(``targetRefs: [{group: "", kind: Service, name}]``), which the waypoint evaluates on the
Service's port; the pods' ``selector`` policy lets in the waypoint's principal (the
"deny bypass" rule: nothing else reaches them around the waypoint), plus the ingress
gateways and scrapers that reach pods directly (fn/mesh/access.py). A Service nobody calls
gets an attached policy with no rules, which allows nothing at the waypoint.

Reads: the model's Services (their waypoint, fn/mesh/waypoints.py; their per-version
Services, which the waypoint also serves) and call graph."""

from __future__ import annotations


from ..mesh import MeshModel, Service
from ..mesh.ingress import principal
from .base import Generated, Output, service_path

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

    from ..callgraph import CallGraph
    from ..settings import Settings

SUFFIX = "-waypoint"
FILE = "istio-authorizationpolicy.yaml"


def waypointed(model: MeshModel) -> dict[tuple[str, str], str]:
    """(namespace, Service) -> the waypoint its calls pass through."""
    return {svc.key: svc.waypoint for svc in model.services
            if svc.skip is None and svc.ambient and svc.waypoint is not None}


def waypoint_principal(trust_domain: str, namespace: str, waypoint: str) -> str:
    # A waypoint Gateway runs as the ServiceAccount of its own name (Istio's deployment
    # of the istio-waypoint class), as the ambient docs' deny-bypass example shows.
    return principal(trust_domain, namespace, waypoint)


def targets(svc: Service) -> list[dict[str, Any]]:
    names = [svc.name] + ([v.name for v in svc.versions.services] if svc.versions is not None else [])
    return [{"group": "", "kind": "Service", "name": n} for n in names]


def generate(model: MeshModel, graph: CallGraph, settings: Settings, ns: str, taken: set[tuple[str, str, str]],
             obj: Callable[[str, str, dict[str, Any]], dict[str, Any]],
             rules: Callable[[dict[int, set[str]]], list[dict[str, Any]]], out: Output) -> int:
    """One attached policy per Service of namespace ``ns`` that uses a waypoint; returns
    how many were generated. ``obj`` and ``rules`` are the caller's own builders."""
    # Imported here: the no-config run never loads the call graph.
    from ..mesh.access import service_callers, through_waypoint

    ways = waypointed(model)
    callers = service_callers(graph, settings.authorization.trust_domain, ways)
    by_ref = {(s.ref.namespace, s.ref.name): s for s in graph.services}
    made = 0
    for svc in model.services:
        gsvc = by_ref.get(svc.key)
        if svc.namespace != ns or svc.key not in ways or gsvc is None or through_waypoint(gsvc, ways) is None:
            continue
        name = f"{svc.name}{SUFFIX}"
        if ("AuthorizationPolicy", ns, name) in model.user.names:
            out.results.info(f"{svc.name}: an AuthorizationPolicy named {name} already exists and is not ours to "
                             "replace; the waypoint applies that one", resource_ref=svc.item.ref(),
                             file=svc.item.file_ref())
            continue
        # A workload's own policy, generated above, may have the name (a Deployment called
        # <Service>-waypoint): the next free one, since one of the two would be dropped.
        n = 2
        while ("AuthorizationPolicy", ns, name) in taken:
            name, n = f"{svc.name}{SUFFIX}-{n}", n + 1
        taken.add(("AuthorizationPolicy", ns, name))
        found = rules(callers.get(gsvc.ref, {}))
        spec: dict[str, Any] = {"targetRefs": targets(svc)}
        if found:
            spec.update({"action": "ALLOW", "rules": found})
        else:
            out.results.info(f"{svc.name}: no inferred caller addresses it, so its waypoint policy allows nothing",
                             resource_ref=svc.item.ref(), file=svc.item.file_ref())
        out.objects.append(Generated(obj(name, ns, spec), service_path("{dir}/" + FILE, settings, svc)))
        made += 1
    return made
