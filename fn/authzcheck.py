"""An offline evaluator of Istio AuthorizationPolicies, and a checker of the generated
ones against the call graph.

``Evaluator(items, root_namespace)`` answers: may principal P reach workload W on
container port N? It follows Istio's order: CUSTOM is out of scope; a matching DENY rule
denies; with no ALLOW policy on the workload everything is allowed; otherwise a matching
ALLOW rule is needed. A policy applies to a workload when it is in the root namespace or
the workload's namespace, and has no selector or one its pod labels match. The request
is an mTLS connection; on an HTTP port it carries a valid JWT (``requestPrincipals: ["*"]``
matches, ``notRequestPrincipals: ["*"]`` does not), since a caller is expected to forward
one where a token is required. An ALLOW rule with an HTTP-only field never matches on a
TCP port (Istio skips it); methods, paths and hosts are not modelled, so such an ALLOW
rule does not match on HTTP ports either; a DENY rule ignores its HTTP-only fields on TCP
ports (denies more), as Istio does. ``istio.io/dry-run`` policies are evaluated as if enforced: what the checker
answers is what enforce mode would do.

``check(items, graph, routes, trust_domain, root)`` computes the allowed (principal,
workload, port) triples over every workload a policy applies to and compares them with
the triples the call graph and ingress routes need.

Ambient waypoints. A Service labelled ``istio.io/use-waypoint`` (or in a Namespace so
labelled; ``none`` opts out) sends the calls addressed to it through that waypoint, which
evaluates the policies attached to the Service with ``targetRefs`` (or to the waypoint
Gateway, or in the root namespace to the ``istio-waypoint`` GatewayClass) on the Service's
port; the waypoint then connects to the pod with its own identity
(``<trustDomain>/ns/<ns>/sa/<waypoint>``), which the pod's ``selector`` policies see at
ztunnel on the container port. A caller reaches a workload on a port when either path
allows it: directly (ztunnel sees the caller), or through a waypoint Service in front of
it (the waypoint's policies allow the caller, and ztunnel allows the waypoint). Policies
with ``targetRefs`` never apply at ztunnel. A headless Service's callers address the pods
themselves, so no waypoint is in their way.
"""

from __future__ import annotations

from .records import field, mutable_record, record
from typing import Any

from .callgraph import CallGraph, Workload, WorkloadRef
from .items import Item
from .mesh.access import caller_principal, compute, service_callers, target_port, through_waypoint
from .mesh.ingress import IngressRoute, principal
from .mesh.ports import port_protocol
from .mesh.types import HTTP

HTTP_ONLY_OPERATION = ("hosts", "notHosts", "methods", "notMethods", "paths", "notPaths")
HTTP_ONLY_SOURCE = ("requestPrincipals", "notRequestPrincipals")
STRANGER = "stranger.example/ns/elsewhere/sa/anyone"
USE_WAYPOINT = "istio.io/use-waypoint"
GATEWAY_API = "gateway.networking.k8s.io"
WAYPOINT_CLASS = "istio-waypoint"


@record
class Policy:
    namespace: str
    name: str
    selector: tuple[tuple[str, str], ...] | None
    action: str
    rules: tuple[Any, ...]
    # (group, kind, name) of each targetRefs entry; () for a policy bound by selector (or
    # namespace-wide), which only ztunnel (or a sidecar) enforces.
    targets: tuple[tuple[str, str, str], ...] = ()


def _d(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _l(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def _match(value: str, patterns: list[Any]) -> bool:
    """Istio's string match: exact, ``prefix*``, ``*suffix`` or ``*``."""
    for p in patterns:
        p = str(p)
        if p == "*" or p == value or (p.endswith("*") and value.startswith(p[:-1])) \
                or (p.startswith("*") and value.endswith(p[1:])):
            return True
    return False


def policies_in(items: list[Item], default_namespace: str = "") -> list[Policy]:
    out = []
    for item in items:
        if item.group != "security.istio.io" or item.kind != "AuthorizationPolicy":
            continue
        spec = _d(item.get("spec"))
        sel = spec.get("selector")
        labels = None if sel is None else tuple(sorted((str(k), str(v)) for k, v in _d(_d(sel).get("matchLabels")).items()))
        refs = _l(spec.get("targetRefs")) + ([spec["targetRef"]] if isinstance(spec.get("targetRef"), dict) else [])
        targets = tuple((str(_d(r).get("group") or ""), str(_d(r).get("kind") or ""), str(_d(r).get("name") or ""))
                        for r in refs)
        out.append(Policy(item.namespace or default_namespace, item.name, labels, str(spec.get("action") or "ALLOW"),
                          tuple(_l(spec.get("rules"))), targets))
    return out


def waypoints_in(items: list[Item], default_namespace: str = "") -> dict[tuple[str, str], str]:
    """(namespace, Service) -> the waypoint its calls pass through, from the
    ``istio.io/use-waypoint`` labels of the Services and their Namespaces."""
    by_ns = {i.name: i.labels.get(USE_WAYPOINT) for i in items if i.kind == "Namespace" and i.api_version == "v1"}
    out = {}
    for i in items:
        if i.kind != "Service" or i.api_version != "v1":
            continue
        ns = i.namespace or default_namespace
        name = i.labels.get(USE_WAYPOINT) or by_ns.get(ns)
        if name and name != "none":
            out[(ns, i.name)] = name
    return out


class Evaluator:
    def __init__(self, policies: list[Policy], root_namespace: str):
        self.policies = policies
        self.root = root_namespace
        # (namespace, None) -> policies without a selector; (namespace, (key, value)) ->
        # policies whose selector has that pair: a workload is checked against the
        # policies that could select it, not against all of them.
        self._index: dict[tuple[str, tuple[str, str] | None], list[int]] = {}
        # (namespace, (group, kind, name)) -> policies attached there with targetRefs.
        self._attached: dict[tuple[str, tuple[str, str, str]], list[int]] = {}
        for i, p in enumerate(policies):
            if p.targets:
                for t in p.targets:
                    self._attached.setdefault((p.namespace, t), []).append(i)
                continue
            pairs: tuple[tuple[str, str] | None, ...] = p.selector or (None,)  # {} selects all, as no selector
            for pair in pairs:
                self._index.setdefault((p.namespace, pair), []).append(i)

    def at_waypoint(self, namespace: str, service: str, waypoint: str) -> list[Policy]:
        """The policies a waypoint applies to calls addressed to this Service: attached to
        the Service or to the waypoint, or (root namespace) to every waypoint."""
        seen = set(self._attached.get((namespace, ("", "Service", service)), ()))
        seen.update(self._attached.get((namespace, (GATEWAY_API, "Gateway", waypoint)), ()))
        seen.update(self._attached.get((self.root, (GATEWAY_API, "GatewayClass", WAYPOINT_CLASS)), ()))
        return [self.policies[i] for i in sorted(seen)]

    def applicable(self, w: Workload) -> list[Policy]:
        labels = dict(w.pod_labels)
        seen: set[int] = set()
        for ns in {self.root, w.ref.namespace}:
            seen.update(self._index.get((ns, None), ()))
            for pair in w.pod_labels:
                seen.update(self._index.get((ns, pair), ()))
        return [p for p in (self.policies[i] for i in sorted(seen))
                if p.selector is None or all(labels.get(k) == v for k, v in p.selector)]

    def allowed(self, who: str, w: Workload, port: int, http: bool = False,
                applicable: list[Policy] | None = None) -> bool:
        pols = [p for p in (self.applicable(w) if applicable is None else applicable) if p.action in ("ALLOW", "DENY")]
        ns = who.split("/ns/", 1)[1].split("/", 1)[0] if "/ns/" in who else ""
        if any(_rule(r, who, ns, port, http, deny=True) for p in pols if p.action == "DENY" for r in p.rules):
            return False
        allows = [p for p in pols if p.action == "ALLOW"]
        if not allows:
            return True
        return any(_rule(r, who, ns, port, http, deny=False) for p in allows for r in p.rules)


def _rule(rule: Any, who: str, ns: str, port: int, http: bool, deny: bool) -> bool:
    """Does this rule match a JWT-less mTLS connection from ``who`` to ``port``?"""
    rule = _d(rule)
    froms, tos, whens = _l(rule.get("from")), _l(rule.get("to")), _l(rule.get("when"))
    if froms and not any(_source(_d(_d(f).get("source")), who, ns, http, deny) for f in froms):
        return False
    if tos and not any(_operation(_d(_d(t).get("operation")), port, http, deny) for t in tos):
        return False
    if whens:
        # Conditions are not modelled: an ALLOW with one does not match, a DENY does
        # (the conservative answer either way).
        return deny
    return True


def _source(src: dict[str, Any], who: str, ns: str, http: bool, deny: bool) -> bool:
    if any(k in src for k in HTTP_ONLY_SOURCE):
        if not http:
            if not deny:
                return False  # an ALLOW rule with HTTP-only fields is skipped on TCP
            # a DENY rule drops them on TCP (and so denies more)
        else:
            # An HTTP request is taken to carry a valid token from some issuer: the call
            # graph's callers are expected to forward one where a JWT is required.
            if "requestPrincipals" in src and not _match("issuer/subject", src["requestPrincipals"]):
                return False
            if "notRequestPrincipals" in src and _match("issuer/subject", src["notRequestPrincipals"]):
                return False
    if "principals" in src and not _match(who, src["principals"]):
        return False
    if "notPrincipals" in src and _match(who, src["notPrincipals"]):
        return False
    if "namespaces" in src and not _match(ns, src["namespaces"]):
        return False
    if "notNamespaces" in src and _match(ns, src["notNamespaces"]):
        return False
    if any(k in src for k in ("ipBlocks", "remoteIpBlocks")) and not deny:
        return False
    return True


def _operation(op: dict[str, Any], port: int, http: bool, deny: bool) -> bool:
    if any(k in op for k in HTTP_ONLY_OPERATION):
        if not deny:
            return False  # TCP: skipped; HTTP: needs a request we do not model
        if http:
            return False
    if "ports" in op and not _match(str(port), op["ports"]):
        return False
    if "notPorts" in op and _match(str(port), op["notPorts"]):
        return False
    return True


Triple = tuple[str, WorkloadRef, int]


@mutable_record
class Report:
    checked: list[WorkloadRef] = field(default_factory=list)  # workloads some policy applies to
    needed: set[Triple] = field(default_factory=set)
    allowed: set[Triple] = field(default_factory=set)
    # Needed calls denied on the path they take, though another path would allow them
    # (a call through a waypoint that only a direct connection would pass, or back).
    denied_on_path: set[Triple] = field(default_factory=set)

    @property
    def denied(self) -> set[Triple]:
        """Calls the graph needs that the policies deny."""
        return (self.needed - self.allowed) | self.denied_on_path

    @property
    def beyond(self) -> set[Triple]:
        """Calls the policies allow that the graph does not need."""
        return self.allowed - self.needed


def check(items: list[Item], graph: CallGraph, routes: tuple[IngressRoute, ...], trust_domain: str,
          root_namespace: str, extra_principals: tuple[str, ...] = (), default_namespace: str = "") -> Report:
    ev = Evaluator(policies_in(items, default_namespace), root_namespace)
    # What the calls need end to end, caller to workload, whichever path they take.
    access = compute(graph, routes, trust_domain)
    who_all = set(caller_principal(graph, trust_domain).values()) | {r.principal for r in routes}
    who_all |= set(extra_principals) | {STRANGER}
    http_ports, served = _ports(graph)
    principals = _Principals(who_all)
    waypoints = waypoints_in(items, default_namespace)
    fronts = _waypoint_fronts(graph, waypoints)
    # The same calls by the path each takes: direct (ztunnel sees the caller; the waypoint
    # itself stands for the calls it carries), and per waypoint Service, its callers.
    direct = compute(graph, routes, trust_domain, waypoints)
    hops = {principal(trust_domain, s.ref.namespace, wp) for fr in fronts.values() for s, wp in fr}
    via_callers = service_callers(graph, trust_domain, waypoints)
    report = Report()
    for w in graph.workloads:
        applicable = ev.applicable(w)
        mine = fronts.get(w.ref, [])
        if not applicable and not any(ev.at_waypoint(s.ref.namespace, s.ref.name, wp) for s, wp in mine):
            continue
        report.checked.append(w.ref)
        via = _via_waypoints(ev, w, mine, applicable, principals, trust_domain)
        acc = access[w.ref]
        ports = set(acc.ports) | {n for _, n in w.container_ports} | served.get(w.ref, set())
        for port, needed_by in acc.ports.items():
            report.needed |= {(p, w.ref, port) for p in needed_by}
        groups = _groups(principals, applicable)
        matched = {m for _, members in groups if members for m in members}
        allowed_direct: set[Triple] = set()
        for port in ports:
            for rep, members in groups:
                if ev.allowed(rep, w, port, (w.ref, port) in http_ports, applicable):
                    rest = members if members is not None else \
                        [m for m in principals.by_ns[_namespace(rep)] if m not in matched]
                    allowed_direct |= {(p, w.ref, port) for p in rest}
        report.allowed |= allowed_direct
        for port, who in direct[w.ref].ports.items():
            report.denied_on_path |= {(p, w.ref, port) for p in who - hops if (p, w.ref, port) not in allowed_direct}
        for svc, wp in mine:
            allowed_via = via.get(svc.ref, set())
            report.allowed |= allowed_via
            for p in svc.ports:
                n = target_port(w, p)
                if n is None or p.protocol != "TCP":
                    continue
                callers = via_callers.get(svc.ref, {}).get(p.port, set())
                report.denied_on_path |= {(c, w.ref, n) for c in callers if (c, w.ref, n) not in allowed_via}
    return report


def _waypoint_fronts(graph: CallGraph, waypoints: dict[tuple[str, str], str]) -> dict[WorkloadRef, list[tuple[Any, str]]]:
    """workload -> the (Service, waypoint) pairs through which calls reach it."""
    out: dict[WorkloadRef, list[tuple[Any, str]]] = {}
    for s in graph.services:
        wp = through_waypoint(s, waypoints)
        if wp is not None:
            for ref in s.workloads:
                out.setdefault(ref, []).append((s, wp))
    return out


def _via_waypoints(ev: Evaluator, w: Workload, fronts: list[tuple[Any, str]], applicable: list[Policy],
                   principals: "_Principals", trust_domain: str) -> dict[Any, set[Triple]]:
    """Per waypoint Service, the triples allowed through it: the waypoint's policies for
    the Service allow the caller on the Service port, and ztunnel's for the pod allow the
    waypoint on the container port behind it."""
    out: dict[Any, set[Triple]] = {}
    for svc, wp in fronts:
        allowed = out.setdefault(svc.ref, set())
        ns = svc.ref.namespace
        hop = principal(trust_domain, ns, wp)
        at_waypoint = ev.at_waypoint(ns, svc.ref.name, wp)
        groups = _groups(principals, at_waypoint)
        matched = {m for _, members in groups if members for m in members}
        for p in svc.ports:
            n = target_port(w, p)
            if n is None or p.protocol != "TCP":
                continue
            http = port_protocol(_port_spec(p)) == HTTP
            if not ev.allowed(hop, w, n, http, applicable):
                continue
            for rep, members in groups:
                if ev.allowed(rep, w, p.port, http, at_waypoint):
                    rest = members if members is not None else \
                        [m for m in principals.by_ns[_namespace(rep)] if m not in matched]
                    allowed |= {(m, w.ref, n) for m in rest}
    return out


def _port_spec(p: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": p.name, "port": p.port, "protocol": p.protocol}
    if p.app_protocol:
        spec["appProtocol"] = p.app_protocol
    return spec


class _Principals:
    """Principals by namespace, and exact ones by name, built once per check."""

    def __init__(self, principals: set[str]):
        self.all = principals
        self.by_ns: dict[str, list[str]] = {}
        for who in sorted(principals):
            self.by_ns.setdefault(_namespace(who), []).append(who)


def _namespace(who: str) -> str:
    return who.split("/ns/", 1)[1].split("/", 1)[0] if "/ns/" in who else ""


def _groups(pr: _Principals, policies: list[Policy]) -> list[tuple[str, list[str] | None]]:
    """Principals that no pattern of these policies tells apart, by namespace: one
    evaluation stands for the whole group (the answer depends only on which principal
    patterns match and on the namespace). ``None`` members: the rest of that namespace,
    listed only if the representative is allowed."""
    patterns = {str(x) for p in policies for r in p.rules
                for f in _l(_d(r).get("from")) for k in ("principals", "notPrincipals")
                for x in _l(_d(_d(f).get("source")).get(k))}
    exact = {x for x in patterns if "*" not in x}
    wild = [x for x in patterns if "*" in x]
    matched = exact & pr.all
    if wild:
        matched |= {who for who in pr.all if _match(who, wild)}
    out: list[tuple[str, list[str] | None]] = [(who, [who]) for who in sorted(matched)]
    for ns, members in pr.by_ns.items():
        rep = next((m for m in members if m not in matched), None)
        if rep is not None:
            out.append((rep, None))
    return out

def _ports(graph: CallGraph) -> tuple[set[tuple[WorkloadRef, int]], dict[WorkloadRef, set[int]]]:
    """(workload, port) pairs a Service names as HTTP; every port a Service sends to."""
    wl = {w.ref: w for w in graph.workloads}
    http: set[tuple[WorkloadRef, int]] = set()
    served: dict[WorkloadRef, set[int]] = {}
    for s in graph.services:
        for p in s.ports:
            for ref in s.workloads:
                n = target_port(wl[ref], p)
                if n is None:
                    continue
                served.setdefault(ref, set()).add(n)
                if port_protocol(_port_spec(p)) == HTTP:
                    http.add((ref, n))
    return http, served


def edges_allowed(items: list[Item], graph: CallGraph, trust_domain: str, root_namespace: str,
                  default_namespace: str = "") -> dict[tuple[WorkloadRef, Any], bool] | None:
    """Per call-graph edge, whether the AuthorizationPolicies in ``items`` allow every
    port of it to every workload behind the Service; None when there are no policies."""
    pols = policies_in(items, default_namespace)
    if not pols:
        return None
    ev = Evaluator(pols, root_namespace)
    workloads = {w.ref: w for w in graph.workloads}
    services = {s.ref: s for s in graph.services}
    http, _ = _ports(graph)
    who = caller_principal(graph, trust_domain)
    waypoints = waypoints_in(items, default_namespace)
    out: dict[tuple[WorkloadRef, Any], bool] = {}
    for e in graph.edges:
        svc = services[e.service]
        wp = through_waypoint(svc, waypoints)
        ok = True
        for ref in svc.workloads:
            w = workloads[ref]
            for p in svc.ports:
                n = target_port(w, p) if p.port in e.ports else None
                if n is None:
                    continue
                if wp is None:
                    ok = ok and ev.allowed(who[e.caller], w, n, (ref, n) in http)
                else:
                    # The waypoint checks the caller on the Service port; the pod sees the waypoint.
                    at = ev.at_waypoint(svc.ref.namespace, svc.ref.name, wp)
                    ok = ok and ev.allowed(who[e.caller], w, p.port, (ref, n) in http, at) \
                        and ev.allowed(principal(trust_domain, svc.ref.namespace, wp), w, n, (ref, n) in http)
        out[(e.caller, e.service)] = ok
    return out
