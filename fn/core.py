"""The pure core: ``transform(items, settings) -> (items, results)``. No I/O here.

Generator rules, as in the kpt catalog's generator functions: prune what we generated
last time (by the owner annotation), regenerate from the current input, and never touch,
duplicate or shadow what a person wrote. That makes ``run(run(x)) == run(x)``.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from typing import Any

from . import discovery
from .builders import destinationrule, namespace as nsb, peerauthentication, virtualservice
from .builders.common import OWNER_ANNOTATION, OWNER_VALUE
from .discovery import HTTP, TCP, TLS, UDP, UNKNOWN, Service
from .durations import parse_duration
from .items import INDEX, LEGACY_INDEX, LEGACY_PATH, PATH, Item
from .results import Results

NETWORKING = "networking.istio.io"
SECURITY = "security.istio.io"


def is_generated(item: Item) -> bool:
    return item.annotations.get(OWNER_ANNOTATION) == OWNER_VALUE


def transform(items: list[Item], settings: Any) -> tuple[list[Item], Results]:
    results = Results()
    kept = [i for i in items if not is_generated(i)]
    run = _Run(kept, settings, results)
    generated = run.generate()
    return kept + generated, results


class _Run:
    def __init__(self, items: list[Item], s: Any, results: Results):
        self.items = items
        self.s = s
        self.results = results
        self.default_ns = s.default_namespace or ""
        self.generated: list[dict[str, Any]] = []
        self.counts: Counter[str] = Counter()
        self.taken: set[tuple[str, str, str]] = set()  # (kind, namespace, name) of user objects
        self.user_paths: set[str] = set()
        self.dr_hosts: dict[tuple[str, str], Item] = {}
        self.vs_hosts: dict[tuple[str, str], Item] = {}
        self.user_pa: set[tuple[str, str]] = set()
        for item in items:
            if item.path:
                self.user_paths.add(item.path)
            group, kind = item.group, item.kind
            if group == NETWORKING and kind in ("DestinationRule", "VirtualService"):
                ns = discovery.resolve_namespace(item, self.default_ns)
                self.taken.add((kind, ns, item.name))
                if kind == "DestinationRule":
                    host = item.get("spec", "host")
                    if isinstance(host, str):
                        _index_host(self.dr_hosts, ns, host, item)
                else:
                    for host in item.get("spec", "hosts") or []:
                        if isinstance(host, str):
                            _index_host(self.vs_hosts, ns, host, item)
            elif group == SECURITY and kind == "PeerAuthentication":
                ns = discovery.resolve_namespace(item, self.default_ns)
                self.taken.add((kind, ns, item.name))
                if not item.get("spec", "selector"):
                    self.user_pa.add((ns, item.name))

    # ----------------------------------------------------------------- main
    def generate(self) -> list[Item]:
        s = self.s
        labelled, injected_ns = self.label_namespaces()
        services = discovery.discover(self.items, self.default_ns)
        overrides = self._override_index()
        used_overrides: set[int] = set()
        mesh_namespaces: list[str] = []
        self.check_retry_budget()
        for svc in services:
            reason = self.excluded(svc)
            if reason:
                self.skip(svc, reason)
                continue
            idx, ov = self._override_for(svc, overrides)
            if idx is not None:
                used_overrides.add(idx)
            if self.generate_for(svc, ov, injected_ns):
                mesh_namespaces.append(svc.namespace)
        for i, o in enumerate(s.services):
            if i not in used_overrides:
                where = f"{o.namespace}/{o.name}" if getattr(o, "namespace", None) else o.name
                self.results.warning(
                    f"services override for {where!r} matches no Service in the input",
                    field={"path": f"spec.services[{i}]"},
                )
        if mesh_namespaces or self.on_mesh:
            self.peer_authentication(mesh_namespaces + self.on_mesh)
        if s.mtls.mode != "STRICT" and s.mtls.scope != "none":
            self.results.warning(
                f"mTLS mode {s.mtls.mode} was chosen explicitly: workloads accept plaintext. "
                "STRICT is the secure default."
            )
        out = self.to_items()
        self.summary(labelled)
        return out

    # ------------------------------------------------------------ namespaces
    def label_namespaces(self) -> tuple[list[str], set[str]]:
        """Label Namespace items; return (labelled names, namespaces known to be injected)."""
        inj = self.s.injection
        wanted = nsb.wanted_labels(inj.mode, inj.revision)
        chosen = set(inj.namespaces)
        system = set(self.s.exclude.namespaces) | {self.s.mtls.root_namespace}
        labelled: list[str] = []
        self.on_mesh: list[str] = []
        injected: set[str] = set()
        namespaces = [i for i in self.items if i.kind == "Namespace" and i.api_version == "v1"]
        for item in namespaces:
            name = item.name
            labels = item.labels
            targeted = name in chosen if chosen else name not in system
            if wanted and targeted:
                why = nsb.conflict(labels, wanted)
                if why:
                    self.results.info(
                        f"left namespace {name} unlabelled: {why}",
                        resource_ref=item.ref(), file=item.file_ref(),
                    )
                elif any(labels.get(k) != v for k, v in wanted.items()):
                    for k, v in wanted.items():
                        item.set_label(k, v)
                    labels = item.labels
                    labelled.append(name)
                if not why:
                    # Labelled now or by an earlier run, it is on the mesh either way: the
                    # PeerAuthentication must not depend on which run this is.
                    self.on_mesh.append(name)
            if nsb.sidecar_injected(labels):
                injected.add(name)
        if inj.mode in ("enabled", "revision"):
            # Listed namespaces count as injected even when their Namespace object lives
            # in another repository: the user told us they are on the mesh.
            injected |= chosen
        # Items without a namespace get one later (kustomize's namespace:, kpt's
        # set-namespace). When the package holds a single application namespace, that is
        # where they will land.
        app_namespaces = [i.name for i in namespaces if i.name not in system]
        if not self.default_ns and len(app_namespaces) == 1 and app_namespaces[0] in injected:
            injected.add("")
        return labelled, injected

    # ------------------------------------------------------------- services
    def excluded(self, svc: Service) -> str | None:
        ex = self.s.exclude
        if svc.namespace in ex.namespaces:
            return f"namespace {svc.namespace} is excluded (exclude.namespaces)"
        for entry in ex.names:
            if entry == svc.name or entry == f"{svc.namespace}/{svc.name}":
                return f"excluded by name (exclude.names: {entry})"
        if ex.selector is not None and _selector_matches(ex.selector, svc.item.labels):
            return "excluded by label selector (exclude.selector)"
        if svc.type == "ExternalName":
            return "ExternalName Services point outside the cluster: no mesh policy is generated for them"
        return None

    def generate_for(self, svc: Service, ov: dict[str, Any], injected_ns: set[str]) -> bool:
        """Generate what ``svc`` needs; True when anything was generated."""
        s = self.s
        host = self.host(svc)
        values = {"name": svc.name, "namespace": svc.namespace}
        folder = posixpath.dirname(svc.item.path)
        why_not: list[str] = []
        made = False
        if s.destination_rule.enabled:
            obj = self.destination_rule(svc, ov, host, values, injected_ns, why_not)
            if obj is not None:
                self.emit(obj, s.paths.destination_rule, folder, values)
                made = True
        if s.virtual_service.enabled:
            obj = self.virtual_service(svc, ov, host, values, why_not)
            if obj is not None:
                self.emit(obj, s.paths.virtual_service, folder, values)
                made = True
        if not made:
            self.skip(svc, "; ".join(why_not) or "DestinationRules and VirtualServices are disabled")
        return made

    def _blocked(self, kind: str, index: dict[tuple[str, str], Item], svc: Service, host: str, name: str,
                 why_not: list[str]) -> bool:
        """True (and said why) when a person's object already covers this host or name."""
        existing = self._user_rule(index, svc, host)
        if existing is not None:
            reason = f"kept the {existing.describe()} written for this host"
        elif (kind, svc.namespace, name) in self.taken:
            reason = f"a {kind} named {name} already exists and is not ours to replace"
        else:
            return False
        self.note(svc, reason)
        why_not.append(reason)
        return True

    def _free_name(self, kind: str, cfg: Any, index: dict[tuple[str, str], Item], svc: Service, host: str,
                   values: dict[str, str], why_not: list[str]) -> str | None:
        """The object's name, or None (said why) when it renders invalid or a person's
        object already covers it."""
        name = cfg.name_template.format(**values)
        if self._bad_render(kind, cfg, name, values, svc, why_not):
            return None
        if self._blocked(kind, index, svc, host, name, why_not):
            return None
        return name

    def destination_rule(self, svc, ov, host, values, injected_ns, why_not) -> dict[str, Any] | None:
        cfg = self.s.destination_rule
        name = self._free_name("DestinationRule", cfg, self.dr_hosts, svc, host, values, why_not)
        if name is None:
            return None
        mutual = ov.get("tls_mode", cfg.tls_mode) == "ISTIO_MUTUAL"
        if mutual and not svc.selector:
            mutual = False
            self.note(svc, "no ISTIO_MUTUAL: the Service has no selector, so its endpoints are "
                           "managed by hand and may not have sidecars")
        elif mutual and not self._injected(svc, injected_ns):
            mutual = False
            self.note(svc, f"no ISTIO_MUTUAL: namespace {svc.namespace or '(none set)'} is not known to be "
                           "sidecar-injected, and an explicit ISTIO_MUTUAL breaks calls to pods without "
                           "a sidecar; Istio's auto-mTLS applies instead")
        subset_label = ov.get("subset_label", cfg.subset_label)
        obj = destinationrule.build(
            name=name,
            namespace=svc.namespace,
            labels={k: v.format(**values) for k, v in _as_dict(cfg.labels).items()},
            host=host,
            tls_mutual=mutual,
            load_balancer=ov.get("load_balancer", cfg.load_balancer),
            subset_list=destinationrule.subsets(subset_label, [w.pod_labels for w in svc.workloads]),
        )
        if obj is None:
            why_not.append("a DestinationRule would only restate Istio's defaults (no TLS, load balancer or subsets to set)")
        return obj

    def _bad_render(self, kind: str, cfg: Any, name: str, values: dict[str, str], svc: Service,
                    why_not: list[str]) -> bool:
        """True (with a warning) when the templates give this Service no valid name or label
        value, e.g. '{namespace}-{name}' for a Service that sets no namespace: better no
        object than one the API server refuses."""
        bad = [] if len(name) <= 253 and _DNS_SUBDOMAIN.match(name) else [f"nameTemplate gives {name!r}"]
        for key, template in _as_dict(cfg.labels).items():
            value = template.format(**values)
            if value and (len(value) > 63 or not _LABEL_VALUE.match(value)):
                bad.append(f"labels.{key} gives {value!r}")
        if not bad:
            return False
        why = f"no {kind}: {', '.join(bad)}" + ("" if svc.namespace else " (the Service sets no namespace)")
        self.results.warning(f"{svc.name}: {why}", resource_ref=svc.item.ref(), file=svc.item.file_ref())
        why_not.append(why)
        return True

    def virtual_service(self, svc, ov, host, values, why_not) -> dict[str, Any] | None:
        cfg = self.s.virtual_service
        name = self._free_name("VirtualService", cfg, self.vs_hosts, svc, host, values, why_not)
        if name is None:
            return None
        http_ports, tcp_ports, skipped = [], [], []
        for p in svc.ports:
            if p.protocol in (HTTP, UNKNOWN):
                # Unnamed ports are sniffed by Istio: HTTP routes apply once the traffic
                # is detected as HTTP, and are ignored otherwise.
                http_ports.append(p.number)
            elif p.protocol == TCP:
                tcp_ports.append(p.number)
            else:
                skipped.append(p)
        if skipped:
            names = ", ".join(f"{p.number}/{p.name or p.protocol}" for p in skipped)
            self.note(svc, f"no route for port(s) {names}: TLS is routed by SNI and UDP is not proxied")
        obj = virtualservice.build(
            name=name,
            namespace=svc.namespace,
            labels={k: v.format(**values) for k, v in _as_dict(cfg.labels).items()},
            host=host,
            http_ports=http_ports,
            tcp_ports=tcp_ports,
            timeout=ov.get("timeout", cfg.timeout),
            retries=self._retries(ov),
        )
        if obj is None:
            why_not.append("no port a VirtualService can route" if svc.ports else "the Service has no ports")
        return obj

    def note(self, svc: Service, message: str) -> None:
        self.results.info(f"{svc.name}: {message}", resource_ref=svc.item.ref(), file=svc.item.file_ref())

    def check_retry_budget(self) -> None:
        """Warn (not fail) where retries cannot all run: the route timeout bounds the whole
        request, retries included, so perTryTimeout x attempts > timeout means the last
        attempts are cut off. Legal in Istio, hence a warning; checked once for the global
        setting and once per override that sets a timeout or retries."""
        if not self.s.virtual_service.enabled:
            return
        checks: list[tuple[str, dict[str, Any]]] = [("spec.virtualService", {})]
        for i, o in enumerate(self.s.services):
            ov = {k: v for k, v in _as_dict(o).items() if k not in ("name", "namespace")}
            if "timeout" in ov or "retries" in ov:
                checks.append((f"spec.services[{i}]", ov))
        for where, ov in checks:
            timeout = ov.get("timeout", self.s.virtual_service.timeout)
            retries = self._retries(ov)
            if not timeout or not retries or not retries.get("perTryTimeout"):
                continue
            total, limit = parse_duration(retries["perTryTimeout"]), parse_duration(timeout)
            if total is not None and limit is not None and total * retries["attempts"] > limit:
                self.results.warning(
                    f"{where}: perTryTimeout {retries['perTryTimeout']} x {retries['attempts']} attempts "
                    f"exceeds the route timeout {timeout}: the timeout cuts retries short",
                    field={"path": where},
                )

    def _retries(self, ov: dict[str, Any]) -> dict[str, Any] | None:
        base = self.s.virtual_service.retries
        if "retries" not in ov:
            if base is None:
                return None
            merged = _as_dict(base)
        else:
            merged = dict(_as_dict(base)) if base is not None else {"attempts": 3}
            merged.update(_as_dict(ov["retries"]))
        out: dict[str, Any] = {"attempts": merged["attempts"]}
        if merged.get("per_try_timeout") and merged["attempts"] > 0:
            out["perTryTimeout"] = merged["per_try_timeout"]
        if merged.get("retry_on") and merged["attempts"] > 0:
            out["retryOn"] = merged["retry_on"]
        return out

    def host(self, svc: Service) -> str:
        h = self.s.hosts
        if h.style == "fqdn":
            if svc.namespace:
                return f"{svc.name}.{svc.namespace}.svc.{h.cluster_domain}"
            self.results.warning(
                f"{svc.name}: hosts.style fqdn needs a namespace; used the short host "
                "(set metadata.namespace or spec.defaultNamespace)",
                resource_ref=svc.item.ref(), file=svc.item.file_ref(),
            )
        return svc.name

    def _user_rule(self, index: dict[tuple[str, str], Item], svc: Service, host: str) -> Item | None:
        """A person's rule for this Service's host. A short host resolves in the rule's
        own namespace; ``name.ns``, ``name.ns.svc`` and the FQDN resolve from anywhere."""
        ns = svc.namespace
        hit = index.get((ns, svc.name)) or index.get((ns, host))
        if hit is not None or not ns:
            return hit
        for q in (f"{svc.name}.{ns}", f"{svc.name}.{ns}.svc", f"{svc.name}.{ns}.svc.{self.s.hosts.cluster_domain}"):
            hit = index.get((ANY_NAMESPACE, q))
            if hit is not None:
                return hit
        return None

    def _injected(self, svc: Service, injected_ns: set[str]) -> bool:
        pods = [w.pod_labels.get(nsb.SIDECAR_INJECT) for w in svc.workloads]
        if pods and all(v == "false" for v in pods):
            return False
        if pods and all(v == "true" for v in pods):
            return True
        return svc.namespace in injected_ns

    def skip(self, svc: Service, reason: str) -> None:
        self.results.info(
            f"{svc.name}: no Istio config generated: {reason}",
            resource_ref=svc.item.ref(), file=svc.item.file_ref(),
        )

    def _override_index(self) -> dict[tuple[str | None, str], int]:
        return {(getattr(o, "namespace", None), o.name): i for i, o in enumerate(self.s.services)}

    def _override_for(self, svc: Service, index: dict[tuple[str | None, str], int]) -> tuple[int | None, dict[str, Any]]:
        i = index.get((svc.namespace, svc.name))
        if i is None:
            i = index.get((None, svc.name))
        if i is None:
            return None, {}
        o = _as_dict(self.s.services[i])
        return i, {k: v for k, v in o.items() if k not in ("name", "namespace")}

    # -------------------------------------------------------- mesh policy
    def peer_authentication(self, namespaces: list[str]) -> None:
        m = self.s.mtls
        if m.scope == "none":
            return
        targets = [m.root_namespace] if m.scope == "mesh" else sorted(set(namespaces))
        for ns in targets:
            if ("PeerAuthentication", ns, "default") in self.taken:
                self.results.info(
                    f"kept the PeerAuthentication {ns + '/' if ns else ''}default written by hand; generated none",
                    resource_ref={"apiVersion": peerauthentication.API_VERSION, "kind": "PeerAuthentication",
                                  "name": "default", **({"namespace": ns} if ns else {})},
                )
                continue
            obj = peerauthentication.build(namespace=ns, mode=m.mode)
            self.emit(obj, self.s.paths.peer_authentication, "", {"name": "default", "namespace": ns})

    # ------------------------------------------------------------- output
    def emit(self, obj: dict[str, Any], template: str, folder: str, values: dict[str, str]) -> None:
        path = template.format(dir=folder, mode=self.s.mtls.mode.lower(), **values)
        path = posixpath.normpath(path.lstrip("/")) if path else path
        if path in self.user_paths:
            # Never write into a file a person owns: kpt would merge our object into it.
            stem, ext = posixpath.splitext(path)
            path = f"{stem}.generated{ext or '.yaml'}"
        obj["_path"] = path
        self.generated.append(obj)

    def to_items(self) -> list[Item]:
        ordered = sorted(
            self.generated,
            key=lambda o: (o["_path"], o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]),
        )
        seen: set[tuple[str, str, str]] = set()
        per_path: Counter[str] = Counter()
        out = []
        for obj in ordered:
            meta = obj["metadata"]
            identity = (obj["kind"], meta.get("namespace", ""), meta["name"])
            if identity in seen:
                self.results.warning(
                    f"two Services would generate {obj['kind']} {meta['name']}; generated it once "
                    "(make the name template unique, e.g. with {namespace})",
                    resource_ref={"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": meta["name"]},
                )
                continue
            seen.add(identity)
            path = obj.pop("_path")
            if self.user_paths:
                # Only an orchestrator that writes files (kpt) sent paths; in a plain
                # stream they would just be noise applied to the cluster.
                index = str(per_path[path])
                per_path[path] += 1
                meta["annotations"].update({PATH: path, INDEX: index, LEGACY_PATH: path, LEGACY_INDEX: index})
            self.counts[obj["kind"]] += 1
            out.append(Item.from_obj(obj))
        return out

    def summary(self, labelled: list[str]) -> None:
        kinds = ("DestinationRule", "VirtualService", "PeerAuthentication")
        parts = [f"{self.counts[k]} {k}" for k in kinds]
        msg = "generated " + ", ".join(parts)
        msg += "; labelled namespaces: " + (", ".join(labelled) if labelled else "none")
        self.results.info(msg, tags={k: str(self.counts[k]) for k in kinds})


ANY_NAMESPACE = "*"
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")


def _index_host(index: dict[tuple[str, str], Item], ns: str, host: str, item: Item) -> None:
    index[(ns, host)] = item
    if "." in host:
        # Qualified hosts mean the same Service from whichever namespace they are written in.
        index[(ANY_NAMESPACE, host)] = item


def _as_dict(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    return value if isinstance(value, dict) else vars(value)


def _selector_matches(selector: Any, labels: dict[str, str]) -> bool:
    match_labels = _as_dict(selector.match_labels)
    for k, v in match_labels.items():
        if labels.get(k) != v:
            return False
    for req in selector.match_expressions:
        present = req.key in labels
        value = labels.get(req.key)
        if req.operator == "In" and value not in req.values:
            return False
        if req.operator == "NotIn" and present and value in req.values:
            return False
        if req.operator == "Exists" and not present:
            return False
        if req.operator == "DoesNotExist" and present:
            return False
    return not (not match_labels and not selector.match_expressions)
