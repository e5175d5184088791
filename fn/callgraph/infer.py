"""Who calls whom, from the manifests alone.

For every workload, the addresses its containers are given (env values after ``$(VAR)``
expansion, command and args, and the whole data of the ConfigMaps it references) are
matched against the Services in the input the way cluster DNS resolves them. Secrets are
never read. See docs/callgraph.md for the rules and their reasons.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from ..items import Item
from . import addresses as ad
from .model import (
    CallGraph, Declared, Edge, Evidence, External, Note, Service, ServicePort, ServiceRef, Workload,
    WorkloadRef,
)

CALLS_ANNOTATION = "istio-mesh-fn.dev/calls"

# kind -> path of the pod template under the item ("" for a Pod itself).
_POD_TEMPLATES: dict[tuple[str, str], tuple[str, ...]] = {
    ("apps", "Deployment"): ("spec", "template"),
    ("apps", "StatefulSet"): ("spec", "template"),
    ("apps", "DaemonSet"): ("spec", "template"),
    ("apps", "ReplicaSet"): ("spec", "template"),
    ("", "ReplicationController"): ("spec", "template"),
    ("batch", "Job"): ("spec", "template"),
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template"),
    ("argoproj.io", "Rollout"): ("spec", "template"),
    ("apps.openshift.io", "DeploymentConfig"): ("spec", "template"),
    ("", "Pod"): (),
}
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")


@dataclass
class _Pod:
    item: Item
    ref: WorkloadRef
    labels: dict[str, str]
    annotations: dict[str, str]
    spec: dict[str, Any]
    prefix: str  # field path of the pod spec under the item


@dataclass
class _Found:
    caller: WorkloadRef
    addr: ad.Address
    evidence: Evidence
    declared: bool = False


@dataclass
class _Acc:
    ports: set[int] = field(default_factory=set)
    evidence: set[Evidence] = field(default_factory=set)


def infer(items: Iterable[Item], cluster_domain: str = "cluster.local", *,
          declared: Iterable[Declared] = (), default_namespace: str = "",
          infer_edges: bool = True) -> CallGraph:
    """The call graph of ``items``. ``infer_edges=False`` keeps only declared edges
    (annotations and ``declared``)."""
    items = list(items)
    domain = cluster_domain.strip(".").lower() or "cluster.local"
    pods = _pods(items, default_namespace)
    configmaps = {(_ns(i, default_namespace), i.name): i for i in items
                  if i.kind == "ConfigMap" and i.api_version == "v1"}
    workloads = {p.ref: _workload(p) for p in pods}
    services = _services(items, default_namespace, list(workloads.values()))
    index = _ServiceIndex(services, domain, workloads)

    links = _service_links(services)
    found: list[_Found] = []
    for pod in pods:
        if infer_edges:
            found.extend(_from_pod(pod, configmaps, links.get(pod.ref.namespace, {})))
        found.extend(_from_annotation(pod))
    notes: list[Note] = []
    found.extend(_from_config(declared, workloads, notes))

    edges: dict[tuple[WorkloadRef, ServiceRef], _Acc] = defaultdict(_Acc)
    externals: dict[tuple[str, int | None, str], tuple[set[WorkloadRef], set[Evidence]]] = {}
    for f in found:
        _resolve(f, index, domain, edges, externals, notes)

    by_ref = {s.ref: s for s in services}
    edge_list = []
    for (caller, sref), acc in edges.items():
        svc = by_ref[sref]
        # A bare name adds no port when another reference names one: HOST and PORT are
        # often separate settings (RABBIT_HOST=rabbitmq, RABBIT_URL=amqp://rabbitmq:5672).
        ports = tuple(sorted(acc.ports or {p.port for p in svc.ports}))
        edge_list.append(Edge(caller, sref, ports, tuple(sorted(acc.evidence))))
    ext_list = [External(host, port, scheme, tuple(sorted(callers)), tuple(sorted(ev)))
                for (host, port, scheme), (callers, ev) in externals.items()]
    return CallGraph(
        cluster_domain=domain,
        workloads=tuple(sorted(workloads.values(), key=lambda w: w.ref)),
        services=tuple(sorted(services, key=lambda s: s.ref)),
        edges=tuple(sorted(edge_list, key=lambda e: (e.caller, e.service))),
        externals=tuple(sorted(ext_list, key=lambda x: (x.host, x.port or 0, x.scheme))),
        notes=tuple(_dedupe_notes(notes)),
    )


# ---------------------------------------------------------------- inputs

def _ns(item: Item, default_namespace: str) -> str:
    return item.namespace or default_namespace


def _pods(items: list[Item], default_namespace: str) -> list[_Pod]:
    by_name = {(i.kind, _ns(i, default_namespace), i.name): i for i in items}
    out = []
    for item in items:
        path = _POD_TEMPLATES.get((item.group, item.kind))
        if path is None:
            continue
        ns = _ns(item, default_namespace)
        template = item.get(*path) if path else item.obj
        prefix = ".".join(path)
        if item.kind == "Rollout" and not isinstance(template, dict):
            # A Rollout may borrow a Deployment's pod template (spec.workloadRef).
            ref = item.get("spec", "workloadRef")
            target = by_name.get((str(ref.get("kind") or "Deployment"), ns, str(ref.get("name")))) \
                if isinstance(ref, dict) else None
            template = target.get("spec", "template") if target is not None else None
        if not isinstance(template, dict):
            continue
        raw_meta, raw_spec = template.get("metadata"), template.get("spec")
        meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
        spec: dict[str, Any] = raw_spec if isinstance(raw_spec, dict) else {}
        labels = _str_map(meta.get("labels"))
        annotations = dict(item.annotations)
        annotations.update(_str_map(meta.get("annotations")))
        out.append(_Pod(item, WorkloadRef(item.kind, ns, item.name), labels, annotations, spec,
                        f"{prefix}.spec" if prefix else "spec"))
    return out


def _workload(pod: _Pod) -> Workload:
    sa = str(pod.spec.get("serviceAccountName") or pod.spec.get("serviceAccount") or "default")
    ports = []
    for c in _containers(pod.spec):
        for p in _list(c[1].get("ports")):
            if isinstance(p, dict) and p.get("name") and isinstance(p.get("containerPort"), int):
                ports.append((str(p["name"]), p["containerPort"]))
    return Workload(pod.ref, tuple(sorted(pod.labels.items())), sa, tuple(sorted(set(ports))))


def _services(items: list[Item], default_namespace: str, workloads: list[Workload]) -> list[Service]:
    # Workloads by (namespace, label, value): a selector is checked against its smallest
    # bucket, not against every workload.
    by_label: dict[tuple[str, str, str], list[Workload]] = defaultdict(list)
    for w in workloads:
        for k, v in w.pod_labels:
            by_label[(w.ref.namespace, k, v)].append(w)
    out = []
    for item in items:
        if item.kind != "Service" or item.api_version != "v1":
            continue
        spec = item.get("spec")
        spec = spec if isinstance(spec, dict) else {}
        ns = _ns(item, default_namespace)
        selector = _str_map(spec.get("selector"))
        ports = []
        for p in _list(spec.get("ports")):
            if not isinstance(p, dict):
                continue
            try:
                number = int(str(p.get("port")))
            except (TypeError, ValueError):
                continue
            target = p.get("targetPort", number)
            target = target if isinstance(target, int) else (int(target) if str(target).isdigit() else str(target))
            ports.append(ServicePort(number, str(p.get("name") or ""), str(p.get("protocol") or "TCP").upper(),
                                     target))
        buckets = [by_label.get((ns, k, v), []) for k, v in selector.items()]
        smallest = min(buckets, key=len) if buckets else []
        backing = tuple(sorted(
            w.ref for w in smallest if all((k, v) in w.pod_labels for k, v in selector.items())
        ))
        out.append(Service(
            ref=ServiceRef(ns, item.name), type=str(spec.get("type") or "ClusterIP"),
            headless=str(spec.get("clusterIP") or "") == "None", selector=tuple(sorted(selector.items())),
            ports=tuple(ports), workloads=backing, external_name=str(spec.get("externalName") or ""),
        ))
    return out


def _containers(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for key in ("initContainers", "containers"):
        for i, c in enumerate(_list(spec.get(key))):
            if isinstance(c, dict):
                yield f"{key}[{i}]", c


def _str_map(value: Any) -> dict[str, str]:
    return {str(k): _str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    # As YAML wrote it: a label `true` read as a bool is still the string "true".
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _list(value: Any) -> list[Any]:
    """A list field, or nothing: malformed input is for the analyzers to report."""
    return value if isinstance(value, list) else []


# ---------------------------------------------------------------- sources

def _from_pod(pod: _Pod, configmaps: dict[tuple[str, str], Item], service_links: dict[str, str]) -> Iterator[_Found]:
    ns = pod.ref.namespace
    item_name = pod.item.describe()
    links = service_links if pod.spec.get("enableServiceLinks") is not False else {}
    used: dict[str, str] = {}  # ConfigMap name -> the first field that references it

    def cm_data(name: Any) -> dict[str, str] | None:
        cm = configmaps.get((ns, str(name)))
        return _str_map(cm.get("data")) if cm is not None else None

    for cpath, c in _containers(pod.spec):
        base = dict(links)
        for j, src in enumerate(_list(c.get("envFrom"))):
            ref = src.get("configMapRef") if isinstance(src, dict) else None
            if isinstance(ref, dict) and ref.get("name"):
                used.setdefault(str(ref["name"]), f"{pod.prefix}.{cpath}.envFrom[{j}].configMapRef")
                prefix = str(src.get("prefix") or "")
                for k, v in (cm_data(ref["name"]) or {}).items():
                    if _ENV_NAME.match(prefix + k):
                        base[prefix + k] = v
        entries: list[tuple[str, str | None]] = []
        literal: list[tuple[int, str]] = []
        for j, e in enumerate(_list(c.get("env"))):
            if not isinstance(e, dict) or not e.get("name"):
                continue
            name = str(e["name"])
            if "value" in e and e["value"] is not None:
                entries.append((name, _str(e["value"])))
                literal.append((j, name))
                continue
            ref = (e.get("valueFrom") or {}).get("configMapKeyRef") if isinstance(e.get("valueFrom"), dict) else None
            if isinstance(ref, dict) and ref.get("name"):
                used.setdefault(str(ref["name"]), f"{pod.prefix}.{cpath}.env[{j}].valueFrom.configMapKeyRef")
                value = (cm_data(ref["name"]) or {}).get(str(ref.get("key")))
                entries.append((name, value))  # not expanded by Kubernetes; scanned with the ConfigMap
            else:
                entries.append((name, None))  # Secrets and fieldRefs: never read, so undefined
        values = ad.expand_env(entries, base)
        env_map = dict(base)
        env_map.update(values)
        for name, raw in entries:
            if raw is None:
                env_map.pop(name, None)
        for j, name in literal:
            yield from _scan(pod.ref, values[name], "env", item_name, pod.item.path,
                             f"{pod.prefix}.{cpath}.env[{j}].value")
        for key in ("command", "args"):
            for j, arg in enumerate(_list(c.get(key))):
                if arg is None:
                    continue
                text = ad.expand(_str(arg), env_map.get)
                yield from _scan(pod.ref, text, key, item_name, pod.item.path, f"{pod.prefix}.{cpath}.{key}[{j}]")
    for j, vol in enumerate(_list(pod.spec.get("volumes"))):
        if not isinstance(vol, dict):
            continue
        if isinstance(vol.get("configMap"), dict) and vol["configMap"].get("name"):
            used.setdefault(str(vol["configMap"]["name"]), f"{pod.prefix}.volumes[{j}].configMap")
        raw_projected = vol.get("projected")
        projected: dict[str, Any] = raw_projected if isinstance(raw_projected, dict) else {}
        for n, source in enumerate(_list(projected.get("sources"))):
            if isinstance(source, dict) and isinstance(source.get("configMap"), dict) \
                    and source["configMap"].get("name"):
                used.setdefault(str(source["configMap"]["name"]),
                                f"{pod.prefix}.volumes[{j}].projected.sources[{n}].configMap")
    for name, via in sorted(used.items()):
        cm = configmaps.get((ns, name))
        if cm is None:
            continue
        for key, value in sorted(_str_map(cm.get("data")).items()):
            yield from _scan(pod.ref, value, "configmap", cm.describe(), cm.path, _data_path(key), via)


def _data_path(key: str) -> str:
    return f"data.{key}" if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f"data[{key}]"


def _service_links(services: list[Service]) -> dict[str, dict[str, str]]:
    """Per namespace, the ``<SVC>_SERVICE_HOST``/``_PORT`` variables the kubelet injects
    for its Services. The host is really the ClusterIP; the Service's name stands in for
    it so that ``$(CART_SERVICE_HOST)`` still names the Service."""
    by_ns: dict[str, dict[str, str]] = defaultdict(dict)
    for s in services:
        if s.headless or s.type == "ExternalName" or not s.ports:
            continue
        out = by_ns[s.ref.namespace]
        env = s.ref.name.upper().replace("-", "_")
        out[f"{env}_SERVICE_HOST"] = s.ref.name
        out[f"{env}_SERVICE_PORT"] = str(s.ports[0].port)
        for p in s.ports:
            if p.name:
                out[f"{env}_SERVICE_PORT_{p.name.upper().replace('-', '_')}"] = str(p.port)
    return by_ns


def _scan(caller: WorkloadRef, text: str, source: str, item: str, file: str, path: str,
          via: str = "") -> Iterator[_Found]:
    seen = set()
    for addr in _addresses(text, source == "configmap"):
        if (addr.host, addr.port, addr.scheme) in seen:
            continue
        seen.add((addr.host, addr.port, addr.scheme))
        yield _Found(caller, addr, Evidence(source, item, file, path, addr.text, via, addr.effective_port))


def _addresses(text: str, is_file: bool) -> Iterator[ad.Address]:
    """Addresses in a value. A multi-line ConfigMap value is a file: there a line whose
    value is prose (words separated by spaces, e.g. a JSON "description") yields only
    addresses with a port or a ``.svc`` name, since its bare words and links are text,
    not connections; and JSON Schema references (``$schema``, ``$id``) are skipped."""
    if not is_file or "\n" not in text.strip():
        for tok in ad.tokens(text):
            addr = ad.parse(tok)
            if addr is not None:
                yield addr
        return
    for line in text.splitlines():
        key, value = _split_line(line)
        if key.strip("\"' ") in ("$schema", "$id"):
            continue
        prose = " " in _PROSE_SPACES.sub(",", value.strip().strip("\"',"))
        for tok in ad.tokens(line):
            addr = ad.parse(tok)
            if addr is None:
                continue
            if prose and addr.port is None and not _cluster_name(addr.host):
                continue
            yield addr


_PROSE_SPACES = re.compile(r"\s*[,;]\s*|\s*=\s*")


def _split_line(line: str) -> tuple[str, str]:
    """``key`` and ``value`` of a properties, YAML or JSON line (``key=v``, ``key: v``,
    ``"key": v``, ``- v``); the whole line is the value when it has no key."""
    stripped = line.strip()
    if stripped.startswith("- "):
        return "", stripped[2:]
    for sep in ("=", ": ", ":\t"):
        head, found, tail = stripped.partition(sep)
        if found and " " not in head.strip().strip("\"'"):
            return head, tail
    if stripped.endswith(":"):
        return stripped[:-1], ""
    return "", stripped


def _cluster_name(host: str) -> bool:
    return host.endswith(".svc") or ".svc." in host


def _declared_addresses(text: str) -> list[tuple[str, ad.Address | None]]:
    return [(tok, ad.parse(tok)) for tok in re.split(r"[\s,]+", text) if tok]


def _from_annotation(pod: _Pod) -> Iterator[_Found]:
    value = pod.annotations.get(CALLS_ANNOTATION)
    if not value:
        return
    for tok, addr in _declared_addresses(value):
        ev = Evidence("annotation", pod.item.describe(), pod.item.path,
                      f"metadata.annotations[{CALLS_ANNOTATION}]", tok, "", addr.effective_port if addr else None)
        if addr is not None:
            yield _Found(pod.ref, addr, ev, declared=True)


def _from_config(declared: Iterable[Declared], workloads: dict[WorkloadRef, Workload],
                 notes: list[Note]) -> Iterator[_Found]:
    for d in declared:
        callers = _match_workload(d.caller, workloads)
        for tok, addr in _declared_addresses(d.to):
            ev = Evidence("declared", d.origin, "", f"{d.caller} -> {d.to}", tok, "",
                          addr.effective_port if addr else None)
            if not callers:
                notes.append(Note(None, f"declared caller {d.caller!r} is no workload in the input", ev))
                break
            if addr is None:
                notes.append(Note(None, f"declared callee {tok!r} is not an address", ev))
                continue
            for ref in callers:
                yield _Found(ref, addr, ev, declared=True)


def _match_workload(spec: str, workloads: dict[WorkloadRef, Workload]) -> list[WorkloadRef]:
    parts = spec.strip().split("/")
    out = []
    for ref in workloads:
        if (len(parts) == 1 and ref.name == parts[0]) \
                or (len(parts) == 2 and (ref.namespace, ref.name) == tuple(parts)) \
                or (len(parts) == 3 and (ref.kind, ref.namespace, ref.name) == tuple(parts)):
            out.append(ref)
    return sorted(out)


# ---------------------------------------------------------------- resolution

class _ServiceIndex:
    def __init__(self, services: list[Service], domain: str, workloads: dict[WorkloadRef, Workload]):
        self.by_name = {(s.ref.namespace, s.ref.name): s for s in services}
        self.domain = domain
        self.workloads = workloads

    def target_ports(self, svc: Service, port: ServicePort) -> set[int]:
        """The container port numbers behind a Service port (a named targetPort may
        differ between the workloads it selects)."""
        if isinstance(port.target_port, int):
            return {port.target_port}
        out: set[int] = set()
        for ref in svc.workloads:
            out.update(n for name, n in self.workloads[ref].container_ports if name == port.target_port)
        return out

    def lookup(self, host: str, caller_ns: str) -> Service | None:
        """The Service ``host`` resolves to from a pod in ``caller_ns``.

        Pod resolv.conf searches ``<ns>.svc.<domain> svc.<domain> <domain>``, so a name
        reaches a Service as ``svc``, ``svc.ns``, ``svc.ns.svc`` or the full name; a
        headless Service's pods also as ``pod.svc[.ns[.svc[.<domain>]]]``."""
        labels = ad.dns_labels(host)
        if labels is None:
            return None
        full = host.endswith(".svc." + self.domain) or host.endswith(".svc")
        if host.endswith(".svc." + self.domain):
            labels = labels[: -(2 + self.domain.count("."))]
        elif host.endswith(".svc"):
            labels = labels[:-1]
        get = self.by_name.get
        if full:
            if len(labels) == 2:
                return get((labels[1], labels[0]))
            if len(labels) == 3:
                return self._headless(labels[2], labels[1])
            return None
        if len(labels) == 1:
            return get((caller_ns, labels[0]))
        if len(labels) == 2:
            return get((labels[1], labels[0])) or self._headless(caller_ns, labels[1])
        if len(labels) == 3:
            return self._headless(labels[2], labels[1])
        return None

    def _headless(self, ns: str, name: str) -> Service | None:
        svc = self.by_name.get((ns, name))
        return svc if svc is not None and svc.headless else None


def _resolve(f: _Found, index: _ServiceIndex, domain: str,
             edges: dict[tuple[WorkloadRef, ServiceRef], _Acc],
             externals: dict[tuple[str, int | None, str], tuple[set[WorkloadRef], set[Evidence]]],
             notes: list[Note]) -> None:
    addr = f.addr
    svc = index.lookup(addr.host, f.caller.namespace)
    if svc is not None:
        if f.caller in svc.workloads and addr.bare and not f.declared:
            return  # its own name (APP_NAME=cart), not a call to itself
        port = addr.effective_port
        if port is None:
            edges[(f.caller, svc.ref)].evidence.add(f.evidence)
            return
        matched = _service_port(svc, port, index)
        if matched is None:
            if not svc.ports and svc.type == "ExternalName":
                edges[(f.caller, svc.ref)].evidence.add(f.evidence)
                return
            notes.append(Note(f.caller, f"{addr.text!r} names Service {svc.ref} on port {port}, which it does not "
                                        f"expose (ports: {', '.join(str(p.port) for p in svc.ports) or 'none'})",
                              f.evidence))
            return
        acc = edges[(f.caller, svc.ref)]
        acc.ports.add(matched)
        acc.evidence.add(f.evidence)
        return
    if ad.looks_external(addr, domain):
        port = addr.effective_port
        key = (addr.host, port, addr.scheme)
        callers, ev = externals.setdefault(key, (set(), set()))
        callers.add(f.caller)
        ev.add(f.evidence)
        return
    if f.declared or _cluster_shaped(addr, domain):
        notes.append(Note(f.caller, f"{addr.text!r} names no Service in the input", f.evidence))


def _service_port(svc: Service, port: int, index: _ServiceIndex) -> int | None:
    """The Service port a connection to ``port`` uses. Through a ClusterIP only the
    Service's ``port`` answers; a headless Service's name resolves to pod IPs, so there
    the pods' port (``targetPort``) is what a client dials."""
    for p in svc.ports:
        if p.port == port:
            return p.port
    if svc.headless:
        for p in svc.ports:
            if port in index.target_ports(svc, p):
                return p.port
    return None


def _cluster_shaped(addr: ad.Address, domain: str) -> bool:
    host = addr.host
    if host.endswith(".svc") or host.endswith(".svc." + domain):
        return True
    return False


def _dedupe_notes(notes: list[Note]) -> list[Note]:
    seen = set()
    out = []
    for n in sorted(notes, key=lambda n: (n.caller or WorkloadRef("", "", ""), n.message, n.evidence)):
        key = (n.caller, n.message, n.evidence)
        if key not in seen:
            seen.add(key)
            out.append(n)
    return out
