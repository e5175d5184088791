"""Sidecar: per sidecar-injected namespace, the egress hosts its workloads may reach.

``./*`` (its own namespace, which includes the ServiceEntries generated there for its
external hosts: listing them again is a duplicate Istio's validation warns about), the root
namespace (mesh-wide config such as the istiod Services), and the namespaces of the
Services it calls. Named ``default`` with no selector: the namespace's default.
Ambient namespaces have no sidecar to configure.

Reads: the model's call graph, namespaces and user objects, and the ``egress`` section."""

from __future__ import annotations

from ..mesh import SIDECAR, MeshModel
from ..settings import Settings
from .base import Generated, Output, metadata

API_VERSION = "networking.istio.io/v1"
KIND = "Sidecar"


def generate(model: MeshModel, settings: Settings) -> Output:
    out = Output()
    graph = model.calls
    if graph is None:
        return out
    callees: dict[str, set[str]] = {}
    for e in graph.edges:
        callees.setdefault(e.caller.namespace, set()).add(e.service.namespace)
    for ns in model.mesh_namespaces:
        if not ns or ns == model.root_namespace or ns in settings.exclude.namespaces:
            continue
        if model.namespace(ns).dataplane != SIDECAR:
            continue
        if (KIND, ns, "default") in model.user.names:
            out.results.info(f"egress: kept the Sidecar {ns}/default written by hand")
            continue
        hosts = ["./*", f"{model.root_namespace}/*"]
        hosts += [f"{n}/*" for n in sorted(callees.get(ns, set()) - {ns, model.root_namespace, ""})]
        obj = {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata("default", ns),
               "spec": {"egress": [{"hosts": hosts}], "outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}}}
        out.objects.append(Generated(obj, f"istio/{ns}/sidecar.yaml"))
    return out
