"""AuthorizationPolicy: least privilege from the call graph.

Per application namespace one ``allow-nothing`` policy (``spec: {}``), never in the root
namespace, where it would deny the whole mesh. Per workload an ALLOW policy selecting its
pod labels, with one rule per set of ports: ``source.principals`` of its callers (and of
the ingress gateways that route to it) and ``to.operation.ports`` as strings. Only L4
fields are used, so a rule is never skipped on a TCP port (an ALLOW rule with an HTTP-only
field is ignored there, and the traffic denied). ``dry-run`` adds ``istio.io/dry-run``.

Reads: the model's call graph, ingress routes, namespaces and user objects, and the
``authorization`` section. In ambient namespaces, callers of a Service that uses a
waypoint are checked by the waypoint instead (waypointauthz.py)."""

from __future__ import annotations

import posixpath
from collections import Counter

from ..items import Item
from ..mesh import AMBIENT, NO_MESH, MeshModel
from ..settings import Settings
from . import waypointauthz
from .base import Generated, Output, metadata

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ..callgraph import WorkloadRef
    from ..mesh.access import Access

API_VERSION = "security.istio.io/v1"
KIND = "AuthorizationPolicy"
DRY_RUN = "istio.io/dry-run"
ALLOW_NOTHING = "allow-nothing"
PROM_PORT = "prometheus.io/port"
MERGE_METRICS = "prometheus.istio.io/merge-metrics"
FILE = "istio-authorizationpolicy.yaml"


def application_namespaces(model: MeshModel, settings: Settings) -> list[str]:
    """Mesh namespaces with workloads, minus the root namespace (an allow-nothing there
    is mesh-wide) and excluded ones."""
    graph = model.calls
    with_workloads = {w.ref.namespace for w in graph.workloads} if graph else set()
    return [ns for ns in model.mesh_namespaces
            if ns and ns in with_workloads and ns != model.root_namespace and ns not in settings.exclude.namespaces]


def _obj(name: str, ns: str, spec: dict[str, Any], dry_run: bool) -> dict[str, Any]:
    meta = metadata(name, ns)
    if dry_run:
        meta["annotations"][DRY_RUN] = "true"
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": meta, "spec": spec}


def _rules(ports: dict[int, set[str]]) -> list[dict[str, Any]]:
    """One rule per distinct set of principals, listing every port they may use."""
    by_who: dict[tuple[str, ...], list[int]] = {}
    for port, who in sorted(ports.items()):
        if who:
            by_who.setdefault(tuple(sorted(who)), []).append(port)
    rules = [{"from": [{"source": {"principals": list(who)}}],
              "to": [{"operation": {"ports": [str(p) for p in sorted(nums)]}}]}
             for who, nums in by_who.items()]
    return sorted(rules, key=lambda r: r["to"][0]["operation"]["ports"])


def _where(item: Item | None) -> dict[str, Any]:
    return {"resource_ref": item.ref(), "file": item.file_ref()} if item is not None else {}


def _metrics(acc: Access, annotations: dict[str, str], ambient: bool, settings: Settings, out: Output,
             ref: WorkloadRef, where: dict[str, Any]) -> None:
    """Scrapes of the merged metrics port (15020) and kubelet probes (rewritten to 15020 for
    sidecars; exempted by the node for ambient) never pass the policy. A scrape of the
    application's own port does in ambient mode, or with metrics merging off."""
    port = annotations.get(PROM_PORT, "")
    if not port.isdigit() or not (ambient or annotations.get(MERGE_METRICS) == "false"):
        return
    why = "its namespace is ambient" if ambient else f"{MERGE_METRICS}=false"
    if settings.authorization.metrics_principals:
        acc.ports[int(port)].update(settings.authorization.metrics_principals)
    else:
        out.results.warning(f"{ref}: Prometheus scrapes port {port} through the proxy ({why}); in enforce mode the "
                            "scrape is denied unless authorization.metricsPrincipals names the scraper's identity", **where)


def generate(model: MeshModel, settings: Settings) -> Output:
    out = Output()
    graph = model.calls
    if graph is None:
        return out
    a = settings.authorization
    dry_run = a.mode == "dry-run"
    if settings.mtls.mode != "STRICT":
        out.results.warning(f"authorization with mTLS {settings.mtls.mode}: a plaintext client has no principal, so "
                            "the generated policies deny it; STRICT gives every caller an identity")
    namespaces = []
    for ns in application_namespaces(model, settings):
        if model.namespace(ns).dataplane == NO_MESH:
            # No proxy would enforce them, and istioctl reports them as selecting nothing.
            out.results.warning(f"authorization: no policies for namespace {ns}: {model.namespace(ns).dataplane_reason} "
                                "(label its Namespace item, or list it in injection.namespaces)")
        else:
            namespaces.append(ns)
    if any(not w.ref.namespace for w in graph.workloads):
        out.results.warning("authorization: workloads without a namespace get no AuthorizationPolicy (their "
                            "identity names the namespace); set metadata.namespace or spec.defaultNamespace")
    from ..mesh.access import compute

    # Calls through an ambient waypoint reach the pods as the waypoint (waypointauthz.py).
    access = compute(graph, model.ingress, a.trust_domain, waypointauthz.waypointed(model))
    items = {(w.kind, w.namespace, w.name): w.item for w in model.workloads}
    paths = {k: i.path for k, i in items.items()}
    annotations = {(w.kind, w.namespace, w.name): dict(w.pod_annotations) for w in model.workloads}
    shared = Counter((w.ref.namespace, w.service_account) for w in graph.workloads)
    taken = set(model.user.names)
    made = attached = 0
    for ns in namespaces:
        if (KIND, ns, ALLOW_NOTHING) in taken:
            out.results.info(f"kept the AuthorizationPolicy {ns}/{ALLOW_NOTHING} written by hand")
        else:
            out.objects.append(Generated(_obj(ALLOW_NOTHING, ns, {}, dry_run), f"istio/{ns}/{ALLOW_NOTHING}.yaml"))
        ambient = model.namespace(ns).dataplane == AMBIENT
        mine = [w for w in graph.workloads if w.ref.namespace == ns]
        by_label: dict[tuple[str, str], set[WorkloadRef]] = {}
        for o in mine:
            for pair in o.pod_labels:
                by_label.setdefault(pair, set()).add(o.ref)
        names = Counter(o.ref.name for o in mine)
        for w in mine:
            ref, key = w.ref, (w.ref.kind, w.ref.namespace, w.ref.name)
            acc = access[ref]
            where = _where(items.get(key))
            _metrics(acc, annotations.get(key, {}), ambient, settings, out, ref, where)
            _warn(out, w.service_account, shared[(ns, w.service_account)], ref, acc, where)
            rules = _rules(acc.ports)
            if not rules:
                out.results.warning(f"{ref}: no inferred caller and no ingress route reaches it; under "
                                    f"{a.mode} it receives nothing (declare its callers in authorization.allow "
                                    "or the istio-mesh-fn.dev/calls annotation of the caller)", **where)
                continue
            labels = dict(w.pod_labels)
            others = sorted(set.intersection(*(by_label[pair] for pair in w.pod_labels)) - {ref}) if labels else []
            if others:
                out.results.warning(f"{ref}: its pod labels also select {', '.join(map(str, others))}, so they get "
                                    "its callers too; give each workload a distinguishing label", **where)
            name = ref.name if names[ref.name] == 1 else f"{ref.name}-{ref.kind.lower()}"
            if (KIND, ns, name) in model.user.names:
                out.results.info(f"{ref}: an AuthorizationPolicy named {name} already exists and is not ours to replace")
                continue
            spec = {"selector": {"matchLabels": labels}, "action": "ALLOW", "rules": rules}
            folder = posixpath.dirname(paths.get(key, "")) or f"istio/{ns}"
            out.objects.append(Generated(_obj(name, ns, spec, dry_run), posixpath.join(folder, FILE)))
            taken.add((KIND, ns, name))
            made += 1
        if ambient:
            attached += waypointauthz.generate(model, graph, settings, ns, taken,
                                           lambda n, where, spec: _obj(n, where, spec, dry_run), _rules, out)
    if namespaces:
        waypoints = f", {attached} attached to Services for their waypoint" if attached else ""
        out.summary.append(f"authorization {a.mode}: {made} workload policies{waypoints} in {', '.join(namespaces)}")
        if dry_run:
            out.results.info("authorization dry-run: the policies are evaluated and logged, not enforced; read "
                             "the proxies' 'shadow denied' logs (see the README) before switching to enforce")
    return out


def _warn(out: Output, sa: str, sharers: int, ref: WorkloadRef, acc: Access, where: dict[str, Any]) -> None:
    if sa == "default":
        out.results.warning(f"{ref}: runs as the default ServiceAccount, so its calls cannot be told apart from "
                            "other workloads' that do; give it its own ServiceAccount", **where)
    elif sharers > 1:
        out.results.warning(f"{ref}: shares ServiceAccount {sa} with {sharers - 1} other workload(s); the policies "
                            "cannot tell their calls apart", **where)
    for gw in sorted(acc.assumed_gateways):
        out.results.warning(f"{ref}: the ingress gateway's identity was assumed to be {gw} (Istio's default "
                            "install); set authorization.ingressGateways if yours differs", **where)
    for u in acc.unresolved:
        out.results.warning(f"{ref}: {u}, a port name none of its containers declares; that port is not allowed",
                            **where)
