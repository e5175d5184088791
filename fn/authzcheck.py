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
"""

from __future__ import annotations

from .records import field, mutable_record, record
from typing import Any

from .callgraph import CallGraph, Workload, WorkloadRef
from .items import Item
from .mesh.access import caller_principal, compute, target_port
from .mesh.ingress import IngressRoute
from .mesh.ports import port_protocol
from .mesh.types import HTTP

HTTP_ONLY_OPERATION = ("hosts", "notHosts", "methods", "notMethods", "paths", "notPaths")
HTTP_ONLY_SOURCE = ("requestPrincipals", "notRequestPrincipals")
STRANGER = "stranger.example/ns/elsewhere/sa/anyone"


@record
class Policy:
    namespace: str
    name: str
    selector: tuple[tuple[str, str], ...] | None
    action: str
    rules: tuple[Any, ...]


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
        out.append(Policy(item.namespace or default_namespace, item.name, labels, str(spec.get("action") or "ALLOW"),
                          tuple(_l(spec.get("rules")))))
    return out


class Evaluator:
    def __init__(self, policies: list[Policy], root_namespace: str):
        self.policies = policies
        self.root = root_namespace
        # (namespace, None) -> policies without a selector; (namespace, (key, value)) ->
        # policies whose selector has that pair: a workload is checked against the
        # policies that could select it, not against all of them.
        self._index: dict[tuple[str, tuple[str, str] | None], list[int]] = {}
        for i, p in enumerate(policies):
            pairs: tuple[tuple[str, str] | None, ...] = p.selector or (None,)  # {} selects all, as no selector
            for pair in pairs:
                self._index.setdefault((p.namespace, pair), []).append(i)

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

    @property
    def denied(self) -> set[Triple]:
        """Calls the graph needs that the policies deny."""
        return self.needed - self.allowed

    @property
    def beyond(self) -> set[Triple]:
        """Calls the policies allow that the graph does not need."""
        return self.allowed - self.needed


def check(items: list[Item], graph: CallGraph, routes: tuple[IngressRoute, ...], trust_domain: str,
          root_namespace: str, extra_principals: tuple[str, ...] = (), default_namespace: str = "") -> Report:
    ev = Evaluator(policies_in(items, default_namespace), root_namespace)
    access = compute(graph, routes, trust_domain)
    who_all = set(caller_principal(graph, trust_domain).values()) | {r.principal for r in routes}
    who_all |= set(extra_principals) | {STRANGER}
    http_ports, served = _ports(graph)
    principals = _Principals(who_all)
    report = Report()
    for w in graph.workloads:
        applicable = ev.applicable(w)
        if not applicable:
            continue
        report.checked.append(w.ref)
        acc = access[w.ref]
        ports = set(acc.ports) | {n for _, n in w.container_ports} | served.get(w.ref, set())
        for port, needed_by in acc.ports.items():
            report.needed |= {(p, w.ref, port) for p in needed_by}
        groups = _groups(principals, applicable)
        matched = {m for _, members in groups if members for m in members}
        for port in ports:
            for rep, members in groups:
                if ev.allowed(rep, w, port, (w.ref, port) in http_ports, applicable):
                    rest = members if members is not None else \
                        [m for m in principals.by_ns[_namespace(rep)] if m not in matched]
                    report.allowed |= {(p, w.ref, port) for p in rest}
    return report


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
                spec: dict[str, Any] = {"name": p.name, "port": p.port, "protocol": p.protocol}
                if p.app_protocol:
                    spec["appProtocol"] = p.app_protocol
                if port_protocol(spec) == HTTP:
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
    out: dict[tuple[WorkloadRef, Any], bool] = {}
    for e in graph.edges:
        svc = services[e.service]
        ok = True
        for ref in svc.workloads:
            w = workloads[ref]
            for p in svc.ports:
                n = target_port(w, p) if p.port in e.ports else None
                if n is not None and not ev.allowed(who[e.caller], w, n, (ref, n) in http):
                    ok = False
        out[(e.caller, e.service)] = ok
    return out
