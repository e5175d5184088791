"""A CallGraph as Mermaid (renders on GitHub), Graphviz DOT, or JSON.

In the pictures a call goes from the calling workload to the workloads behind the Service
it names, labelled ``service:ports``; a Service with no workload in the input is drawn as
a node of its own. Declared-only edges are dashed.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from .model import CallGraph, Edge, Evidence, External, ServiceRef, WorkloadRef

FORMATS = ("mermaid", "dot", "json")


def render(graph: CallGraph, fmt: str) -> str:
    if fmt == "mermaid":
        return mermaid(graph)
    if fmt == "dot":
        return dot(graph)
    if fmt == "json":
        return json.dumps(to_json(graph), indent=2, ensure_ascii=False) + "\n"
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")


# ---------------------------------------------------------------- shared layout

class _Layout:
    """Stable node ids (n0, n1, ...) in sorted order, grouped by namespace."""

    def __init__(self, graph: CallGraph):
        self.graph = graph
        self.ids: dict[Any, str] = {}
        self.labels: dict[str, str] = {}
        self.kinds: dict[str, str] = {}  # id -> workload | service | external
        self.namespaces: dict[str, list[str]] = {}
        for w in graph.workloads:
            label = w.ref.name if w.ref.kind == "Deployment" else f"{w.ref.name} ({w.ref.kind})"
            self._add(w.ref, w.ref.namespace, label, "workload")
        backed = {s.ref for s in graph.services if s.workloads}
        for e in graph.edges:
            if e.service not in backed and e.service not in self.ids:
                self._add(e.service, e.service.namespace, f"Service {e.service.name}", "service")
        for x in graph.externals:
            self._add(_ext_key(x), None, _ext_label(x), "external")
        self.arrows: list[tuple[str, str, str, bool]] = []
        by_ref = {s.ref: s for s in graph.services}
        for e in graph.edges:
            svc = by_ref[e.service]
            label = _edge_label(e, e.service.namespace != e.caller.namespace)
            targets = [self.ids[t] for t in svc.workloads if t in self.ids] or [self.ids[e.service]]
            dashed = all(ev.source in ("annotation", "declared") for ev in e.evidence)
            for t in targets:
                self.arrows.append((self.ids[e.caller], t, label, dashed))
        for x in graph.externals:
            dashed = all(ev.source in ("annotation", "declared") for ev in x.evidence)
            for c in x.callers:
                self.arrows.append((self.ids[c], self.ids[_ext_key(x)], "", dashed))

    def _add(self, key: Any, namespace: str | None, label: str, kind: str) -> None:
        node_id = f"n{len(self.ids)}"
        self.ids[key] = node_id
        self.labels[node_id] = label
        self.kinds[node_id] = kind
        if namespace is not None:
            self.namespaces.setdefault(namespace, []).append(node_id)

    def outside(self) -> list[str]:
        grouped = {i for ids in self.namespaces.values() for i in ids}
        return [i for i in self.ids.values() if i not in grouped]


def _ext_key(x: External) -> tuple[str, str, int | None, str]:
    return ("external", x.host, x.port, x.scheme)


def _ext_label(x: External) -> str:
    scheme = f"{x.scheme}://" if x.scheme else ""
    return f"{scheme}{x.host}" + (f":{x.port}" if x.port is not None else "")


def _edge_label(e: Edge, qualify: bool) -> str:
    name = str(e.service) if qualify else e.service.name
    return f"{name}:{','.join(str(p) for p in e.ports)}" if e.ports else name


# ---------------------------------------------------------------- Mermaid

def _mq(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def mermaid(graph: CallGraph) -> str:
    lay = _Layout(graph)
    lines = ["flowchart LR"]
    shapes = {"workload": ("([", "])"), "service": ("[[", "]]"), "external": ("{{", "}}")}

    def node(i: str, indent: str) -> str:
        open_, close = shapes[lay.kinds[i]]
        return f"{indent}{i}{open_}{_mq(lay.labels[i])}{close}"

    for k, (ns, ids) in enumerate(sorted(lay.namespaces.items())):
        if ns:
            lines.append(f"  subgraph ns{k}[{_mq('namespace ' + ns)}]")
            lines.extend(node(i, "    ") for i in ids)
            lines.append("  end")
        else:
            lines.extend(node(i, "  ") for i in ids)
    lines.extend(node(i, "  ") for i in lay.outside())
    for src, dst, label, dashed in lay.arrows:
        arrow = "-.->" if dashed else "-->"
        lines.append(f"  {src} {arrow}|{_mq(label)}| {dst}" if label else f"  {src} {arrow} {dst}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- DOT

def _dq(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot(graph: CallGraph) -> str:
    lay = _Layout(graph)
    shapes = {"workload": "box, style=rounded", "service": "box", "external": "hexagon"}
    lines = ["digraph callgraph {", "  rankdir=LR;", "  node [fontname=Helvetica];", "  edge [fontname=Helvetica];"]

    def node(i: str, indent: str) -> str:
        return f"{indent}{i} [label={_dq(lay.labels[i])}, shape={shapes[lay.kinds[i]]}];"

    for k, (ns, ids) in enumerate(sorted(lay.namespaces.items())):
        if ns:
            lines.append(f"  subgraph cluster_{k} {{")
            lines.append(f"    label={_dq('namespace ' + ns)};")
            lines.extend(node(i, "    ") for i in ids)
            lines.append("  }")
        else:
            lines.extend(node(i, "  ") for i in ids)
    lines.extend(node(i, "  ") for i in lay.outside())
    for src, dst, label, dashed in lay.arrows:
        attrs = [f"label={_dq(label)}"] if label else []
        if dashed:
            attrs.append("style=dashed")
        lines.append(f"  {src} -> {dst}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- JSON

def _evidence(ev: Evidence) -> dict[str, Any]:
    return {k: v for k, v in asdict(ev).items() if v not in ("", None)}


def _wid(ref: WorkloadRef) -> str:
    return ref.id


def _sid(ref: ServiceRef) -> str:
    return ref.id


def to_json(graph: CallGraph) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = []
    for w in graph.workloads:
        nodes.append({
            "id": _wid(w.ref), "type": "workload", "kind": w.ref.kind, "namespace": w.ref.namespace,
            "name": w.ref.name, "serviceAccountName": w.service_account, "podLabels": dict(w.pod_labels),
        })
    for s in graph.services:
        entry: dict[str, Any] = {
            "id": _sid(s.ref), "type": "service", "namespace": s.ref.namespace, "name": s.ref.name,
            "serviceType": s.type, "headless": s.headless, "selector": dict(s.selector),
            "ports": [{"port": p.port, "name": p.name, "protocol": p.protocol, "targetPort": p.target_port}
                      for p in s.ports],
            "workloads": [_wid(r) for r in s.workloads],
        }
        if s.external_name:
            entry["externalName"] = s.external_name
        nodes.append(entry)
    by_ref = {s.ref: s for s in graph.services}
    edges = [{
        "from": _wid(e.caller), "to": _sid(e.service), "ports": list(e.ports),
        "targets": [_wid(r) for r in by_ref[e.service].workloads],
        "declared": e.declared, "evidence": [_evidence(ev) for ev in e.evidence],
        # Filled in once authorization policies are generated: does the policy allow it?
        "allowed": None,
    } for e in graph.edges]
    external = [{
        "host": x.host, "port": x.port, "scheme": x.scheme or None, "callers": [_wid(c) for c in x.callers],
        "evidence": [_evidence(ev) for ev in x.evidence],
    } for x in graph.externals]
    notes = [{"caller": _wid(n.caller) if n.caller else None, "message": n.message,
              "evidence": _evidence(n.evidence)} for n in graph.notes]
    return {"clusterDomain": graph.cluster_domain, "nodes": nodes, "edges": edges, "external": external,
            "notes": notes}
