"""Build the mesh model from the input, once. Problems in what is read (a port that is
not a number, a name YAML reads as a boolean) become error results naming the item and
the field, and the object they belong to is left out of the model, never half-read."""

from __future__ import annotations


from .. import yamlnodes as yn
from ..records import replace
from ..items import Item
from ..k8snames import is_dns_label
from ..results import Results
from ..settings import Settings
from . import ingress
from . import namespaces as nsd
from . import serviceaccounts as sas, serviceconfig, workloads as wl
from . import versions
from . import waypoints as wp
from .ingress import IngressRoute
from .ports import is_grpc, is_stream, port_protocol
from .types import AMBIENT, ANY_NAMESPACE, MeshModel, Namespace, Port, Service, UserObjects, Workload

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Sequence

    from ..callgraph import CallGraph

NETWORKING = "networking.istio.io"
SECURITY = "security.istio.io"
GATEWAY_API = "gateway.networking.k8s.io"
ROUTE_KINDS = ("HTTPRoute", "GRPCRoute", "TCPRoute")
# Istio kinds a person may write for a host, and where the host is.
# Bounds the work: N Services that each select the same N workloads would otherwise
# give N^2 subsets from an input of a few hundred kilobytes.
MIN_MATCH_BUDGET = 10_000
MATCHES_PER_ITEM = 16
HOST_FIELDS = {"DestinationRule": ("host",), "VirtualService": ("hosts",)}


def _user_objects(items: list[Item], default_ns: str, results: Results) -> tuple[UserObjects, dict[str, Item]]:
    names: set[tuple[str, str, str]] = set()
    hosts: dict[str, dict[tuple[str, str], Item]] = {k: {} for k in HOST_FIELDS}
    peer_auth: dict[str, Item] = {}
    routes: dict[str, dict[tuple[str, str], Item]] = {k: {} for k in ROUTE_KINDS}
    waypoints: dict[tuple[str, str], Item] = {}
    istio: list[tuple[str, Item]] = []
    paths = set()
    for item in items:
        if item.path:
            paths.add(item.path)
        group, kind = item.group, item.kind
        if group == GATEWAY_API:
            _gateway_api_object(item, default_ns, names, routes, waypoints)
            continue
        if group not in (NETWORKING, SECURITY):
            continue
        ns = item.namespace or default_ns
        names.add((kind, ns, item.name))
        istio.append((ns, item))
        if kind == "PeerAuthentication" and not item.get("spec", "selector"):
            # Only a policy without a selector covers a whole namespace (or, in the root
            # namespace, the mesh); a selector-scoped one named "default" does not.
            peer_auth.setdefault(ns, item)
        for key in HOST_FIELDS.get(kind, ()):
            value = item.get("spec", key)
            # DestinationRule.host is one name: a list there is as wrong as a number.
            values = value if isinstance(value, list) and key == "hosts" else [value]
            if value is not None and not all(isinstance(v, str) for v in values):
                results.error(f"{item.describe()}: spec.{key} must be " + ("a list of host names" if key == "hosts" else "a host name")
                              + f", got {value!r}", resource_ref=item.ref(), file=item.file_ref(),
                              field={"path": f"spec.{key}", "currentValue": str(value)})
                continue
            for host in values:
                if isinstance(host, str):
                    hosts[kind][(ns, host)] = item
                    if "." in host:
                        # Qualified hosts mean the same Service from whichever namespace.
                        hosts[kind][(ANY_NAMESPACE, host)] = item
    return UserObjects(frozenset(names), hosts, frozenset(paths), routes, waypoints, tuple(istio)), peer_auth


def _gateway_api_object(item: Item, default_ns: str, names: set[tuple[str, str, str]],
                        routes: dict[str, dict[tuple[str, str], Item]],
                        waypoints: dict[tuple[str, str], Item]) -> None:
    """A person's route attached to a Service (GAMMA: a parentRef of group "" and kind
    Service), or a person's waypoint."""
    ns = item.namespace or default_ns
    names.add((item.kind, ns, item.name))
    if item.kind == "Gateway" and item.get("spec", "gatewayClassName") == wp.WAYPOINT_CLASS:
        waypoints[(ns, item.name)] = item
    if item.kind not in routes:
        return
    refs = item.get("spec", "parentRefs")
    for ref in refs if isinstance(refs, list) else []:
        if isinstance(ref, dict) and ref.get("kind") == "Service" and ref.get("group") in ("", "core") \
                and isinstance(ref.get("name"), str):
            routes[item.kind].setdefault((str(ref.get("namespace") or ns), ref["name"]), item)


def root_namespace(items: list[Item], settings: Settings) -> tuple[str, str]:
    """The mesh config in the input (ConfigMap istio, key mesh) says where mesh-wide
    policy lives; a PeerAuthentication anywhere else covers one namespace only."""
    for item in items:
        if item.kind == "ConfigMap" and item.name == "istio" and item.api_version == "v1":
            mesh = item.get("data", "mesh")
            if isinstance(mesh, str):
                try:
                    docs = yn.compose_all(mesh)
                except yn.YamlError:
                    continue
                root = yn.to_py(docs[0]) if docs else None
                value = root.get("rootNamespace") if isinstance(root, dict) else None
                if isinstance(value, str) and is_dns_label(value):
                    return value, f"rootNamespace in the mesh config of {item.describe()}"
    return settings.mtls.root_namespace, "mtls.rootNamespace"


def _name_problem(item: Item, field: str) -> str | None:
    # From the item's Python values: its node is composed again only for the message.
    meta = item.meta
    if field not in meta:
        return None if field == "namespace" else "is missing"
    value = meta[field]
    if field == "namespace" and value in ("", None):
        return None
    if not isinstance(value, str):
        text = getattr(yn.get_path(item.node, "metadata", field), "value", value)
        return f"{text!r} is read by YAML as {type(value).__name__}, not a name; quote it"
    if not is_dns_label(value):
        return f"{value!r} is not a DNS-1123 label (lowercase letters, digits and '-', at most 63)"
    return None


def _ports(item: Item, spec: dict[str, Any], results: Results) -> tuple[Port, ...] | None:
    raw = spec.get("ports")
    if raw is None:
        return ()
    where = {"resource_ref": item.ref(), "file": item.file_ref()}
    if not isinstance(raw, list):
        results.error(f"{item.describe()}: spec.ports must be a list, got {raw!r}",
                      field={"path": "spec.ports", "currentValue": str(raw)}, **where)
        return None
    out = []
    for i, p in enumerate(raw):
        number = p.get("port") if isinstance(p, dict) else None
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 65535:
            results.error(f"{item.describe()}: spec.ports[{i}].port must be a port number from 1 to 65535, got {number!r}",
                          field={"path": f"spec.ports[{i}].port", "currentValue": str(number)}, **where)
            return None
        target = p.get("targetPort", number)
        target = target if isinstance(target, int) and not isinstance(target, bool) else str(target)
        out.append(Port(number, str(p.get("name") or ""), port_protocol(p), stream=is_stream(p),
                        target=int(target) if isinstance(target, str) and target.isdigit() else target,
                        grpc=is_grpc(p)))
    return tuple(out)


def _sidecar(selector: dict[str, str], pods: list[Workload], ns: Namespace) -> tuple[bool, str]:
    if not selector:
        return False, ("the Service has no selector, so its endpoints are managed by hand and may not "
                       "have sidecars")
    said = [w.sidecar for w in pods]
    if pods and all(s is False for s in said):
        return False, f"{pods[0].sidecar_reason}, and an explicit ISTIO_MUTUAL breaks calls to pods without a sidecar"
    if ns.mtls == "DISABLE":
        return False, f"mTLS is disabled in namespace {ns.name or '(none set)'} by {ns.mtls_reason}"
    if pods and all(s is True for s in said):
        return True, pods[0].sidecar_reason
    if ns.dataplane == AMBIENT:
        return False, (f"namespace {ns.name or '(none set)'} is ambient ({ns.dataplane_reason}): ztunnel does "
                       "mTLS between workloads, and ISTIO_MUTUAL is a sidecar setting")
    if ns.injected:
        return True, ns.dataplane_reason
    return False, (f"namespace {ns.name or '(none set)'} is not known to be sidecar-injected, and an explicit "
                   "ISTIO_MUTUAL breaks calls to pods without a sidecar; Istio's auto-mTLS applies instead")


def _excluded(settings: Settings, item: Item, ns: str, name: str, kind: str) -> str | None:
    ex = settings.exclude
    if ns in ex.namespaces:
        return f"namespace {ns} is excluded (exclude.namespaces)"
    for entry in ex.names:
        if entry == name or entry == f"{ns}/{name}":
            return f"excluded by name (exclude.names: {entry})"
    if ex.selector is not None and ex.selector.matches(item.labels):
        return "excluded by label selector (exclude.selector)"
    if kind == "ExternalName":
        return "ExternalName Services point outside the cluster: no mesh policy is generated for them"
    return None


def _host(settings: Settings, item: Item, name: str, ns: str, results: Results) -> str:
    h = settings.hosts
    if h.style == "fqdn":
        if ns:
            return f"{name}.{ns}.svc.{h.cluster_domain}"
        results.warning(f"{name}: hosts.style fqdn needs a namespace; used the short host "
                        "(set metadata.namespace or spec.defaultNamespace)",
                        resource_ref=item.ref(), file=item.file_ref())
    return name


def _warn_about(services: list[Service], namespaces: dict[str, Namespace], results: Results) -> None:
    """What a user must hear about the managed Services, whatever is generated."""
    for svc in services:
        if svc.skip is not None:
            continue
        where = {"resource_ref": svc.item.ref(), "file": svc.item.file_ref()}
        if svc.selector and not svc.workloads:
            results.warning(f"{svc.name}: its selector {dict(svc.selector)} matches no workload in the input, so "
                            "nothing here shows whether its pods get a sidecar (check the selector, or that "
                            "the workloads live in another package)", **where)
        if svc.type in ("NodePort", "LoadBalancer") and namespaces[svc.namespace].mtls == "STRICT":
            results.warning(f"{svc.name}: a {svc.type} Service in a namespace under STRICT mTLS refuses clients "
                            "from outside the mesh unless they come through a gateway (or a PeerAuthentication "
                            "with a portLevelMtls exception)", **where)


def build(items: list[Item], settings: Settings, previous: Sequence[Item] = ()) -> tuple[MeshModel, Results]:
    """``previous``: what the core pruned as generated by an earlier run."""
    results = Results()
    default_ns = settings.default_namespace or ""
    user, input_pas = _user_objects(items, default_ns, results)
    root, root_why = root_namespace(items, settings)
    ns_items = [i for i in items if i.kind == "Namespace" and i.api_version == "v1" and i.name]
    labelling = nsd.decide_labels(ns_items, settings, root, default_ns)
    pods = wl.collect(items, default_ns, results)
    overrides = serviceconfig.override_index(settings)
    used: set[int] = set()
    drafts = []
    for item in items:
        if item.kind != "Service" or item.api_version != "v1":
            continue
        bad = [(f, p) for f in ("name", "namespace") if (p := _name_problem(item, f))]
        for f, problem in bad:
            results.error(f"Service {item.name!r}: metadata.{f} {problem}", resource_ref=item.ref(),
                          file=item.file_ref(), field={"path": f"metadata.{f}"})
        spec = item.get("spec")
        spec = spec if isinstance(spec, dict) else {}
        ports = _ports(item, spec, results)
        if bad or ports is None:
            continue
        ns, name = item.namespace or default_ns, item.name
        selector = spec.get("selector")
        selector = {str(k): str(v) for k, v in selector.items()} if isinstance(selector, dict) else {}
        errors_before = sum(r.severity == "error" for r in results)
        notes = serviceconfig.read_annotations(item, results)
        invalid = sum(r.severity == "error" for r in results) > errors_before
        i = serviceconfig.find_override(overrides, ns, name)
        if i is not None:
            used.add(i)
        config = serviceconfig.resolve(settings, None if i is None else (i, settings.services[i]), notes)
        kind = str(spec.get("type") or "ClusterIP")
        skip: str | None
        if invalid:
            # Half of what its owner asked for would be worse than nothing: the errors
            # fail the run, and no object pretends otherwise.
            skip = "its istio-mesh-fn.dev/ annotations are invalid (see the errors)"
        elif notes.get("skip") is True:
            skip = "skipped by its annotation istio-mesh-fn.dev/skip"
        else:
            skip = _excluded(settings, item, ns, name, kind)
        drafts.append((item, ns, name, kind, selector, ports, config, skip))
    for i, o in enumerate(settings.services):
        if i not in used:
            where = f"{o.namespace}/{o.name}" if o.namespace else o.name
            results.warning(f"services override for {where!r} matches no Service in the input",
                            field={"path": f"spec.services[{i}]"})
    managed = {d[1] for d in drafts if d[7] is None}
    mesh_ns = sorted(managed | {n for n, lab in labelling.items() if lab.on_mesh})
    # The generated PeerAuthentication covers every namespace when it is mesh-wide, and
    # the mesh namespaces when it is per namespace; none is generated for an empty mesh.
    # A PeerAuthentication named default that a person wrote (with a selector or not)
    # takes the name, so none is generated there.
    mesh_wide = settings.mtls.scope == "mesh"

    def covered(n: str) -> bool:
        where = root if mesh_wide else n
        return (bool(mesh_ns) and (mesh_wide or n in mesh_ns)
                and ("PeerAuthentication", where, "default") not in user.names)

    accounts = sas.plan(items, previous, default_ns, frozenset(n for n in mesh_ns if n and n != root
                                                                and n not in settings.exclude.namespaces),
                        settings.authorization.service_accounts == "per-workload", results)
    runs_as = {(a.kind, a.namespace, a.name): a.account for a in accounts}
    if runs_as:
        pods = [replace(w, service_account=runs_as.get((w.kind, w.namespace, w.name), w.service_account))
                for w in pods]
    index = wl.WorkloadIndex(pods)
    namespaces = nsd.assemble(labelling, {d[1] for d in drafts} | set(input_pas) | {root}, root, input_pas,
                              covered, settings)
    services = []
    budget = max(MIN_MATCH_BUDGET, MATCHES_PER_ITEM * len(items))
    matched = 0
    for item, ns, name, kind, selector, ports, config, skip in drafts:
        selected = index.select(ns, selector)
        matched += len(selected)
        if matched > budget:
            if matched - len(selected) <= budget:
                results.error(f"the Services select more than {budget} workloads in total (a Service matched "
                              f"{len(selected)} at {item.describe()}): refusing the rest rather than generating "
                              "without bound; see the README's limits", resource_ref=item.ref(), file=item.file_ref())
            selected, skip = [], "over the workload-match budget (see the error)"
        facts = namespaces[ns]
        sidecar, why = _sidecar(selector, selected, facts)
        services.append(Service(
            item=item, namespace=ns, name=name, type=kind, selector=selector, ports=ports,
            workloads=tuple(selected), host=_host(settings, item, name, ns, results), config=config,
            skip=skip, sidecar=sidecar, sidecar_reason=why, dataplane=facts.dataplane,
        ))
    _warn_about(services, namespaces, results)
    taken = {(i.namespace or default_ns, i.name) for i in items if i.kind == "Service" and i.api_version == "v1"}
    # Before the waypoints: a split applied over version Services is an L7 feature.
    services = versions.plan(services, taken, settings)
    services, plans = wp.plan(services, namespaces, user, settings)
    root_in_package = any((i.namespace or default_ns) == root or (i.kind == "Namespace" and i.name == root)
                          for i in items)
    calls, ingress = _calls(items, settings, default_ns, pods, results)
    if calls is not None and accounts:
        from ..callgraph import WorkloadRef

        calls = calls.with_service_accounts({WorkloadRef(*k): v for k, v in runs_as.items()})
    model = MeshModel(namespaces=namespaces, services=tuple(services), workloads=tuple(pods), user=user,
                      root_namespace=root, root_namespace_reason=root_why, mesh_namespaces=tuple(mesh_ns),
                      root_in_package=root_in_package, calls=calls, ingress=ingress, waypoints=plans,
                      service_accounts=accounts)
    return model, results


def needs_calls(settings: Settings) -> bool:
    return settings.authorization.mode != "off" or settings.egress.mode != "off"


def _calls(items: list[Item], settings: Settings, default_ns: str, pods: list[Workload],
           results: Results) -> tuple[CallGraph | None, tuple[IngressRoute, ...]]:
    if not needs_calls(settings):
        return None, ()
    from ..callgraph import Declared, infer

    a = settings.authorization
    declared = [Declared(r.caller, r.to, f"authorization.allow[{i}]") for i, r in enumerate(a.allow)]
    graph = infer(items, settings.hosts.cluster_domain, declared=declared, default_namespace=default_ns,
                  infer_edges=a.infer_calls)
    for note in graph.notes:
        where = note.evidence.file or note.evidence.item
        message = f"call graph: {where}: {note.evidence.field}: {note.message}"
        if note.evidence.source == "declared":
            # A call the config declares that reaches nothing is a mistake in the config.
            results.warning(message, field={"path": f"spec.{note.evidence.item}"})
        else:
            results.info(message)
    routes, warnings = ingress.discover(items, settings, default_ns,
                                        [(w.namespace, dict(w.pod_labels), w.service_account) for w in pods])
    for w in warnings:
        results.warning(w)
    return graph, tuple(routes)
