"""DestinationRule: client-side TLS, load balancing and version subsets for one host.

Reads: the model's Services (their sidecar decision and per-Service config) and the
``destinationRule`` section. Only the oldest DestinationRule's trafficPolicy applies to a
host, so everything a host needs goes into this one rule, and a person's rule for the
host means none is generated."""

from __future__ import annotations

import re

from ..k8snames import is_dns_label
from ..mesh import MeshModel, Service
from ..settings import Settings
from . import trafficpolicy
from .base import Generated, Output, free_name, metadata, render_labels, service_path

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping, Sequence

API_VERSION = "networking.istio.io/v1"
KIND = "DestinationRule"
# Versions in flight at once are a handful; more is a mistake or an attack on memory.
MAX_SUBSETS = 128


def _natural(value: str) -> list[Any]:
    # v2 before v10, as people number versions.
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", value)]


def subset_name(value: str) -> str:
    """A DNS-1123 label for a label value; Istio's webhook refuses any other subset name.
    A valid value is kept as it is. Otherwise: lower case, every run of other characters
    becomes '-', ends trimmed, at most 63 characters, and a 'v' in front of a leading
    digit so that 1.4.2 reads as the version it is: v1-4-2."""
    if is_dns_label(value):
        return value
    name = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:62].strip("-")
    if not name:
        return "subset"
    return f"v{name}" if name[0].isdigit() else name


def subsets(subset_label: str, pod_labels: Sequence[Mapping[str, str]]) -> list[dict[str, Any]]:
    """One subset per distinct value, named by ``subset_name``; names that would collide
    get -2, -3, ... in the values' natural order."""
    values = sorted({labels[subset_label] for labels in pod_labels if labels.get(subset_label)}, key=_natural)
    taken = {v for v in values if is_dns_label(v)}
    out = []
    for v in values:
        name = subset_name(v)
        if name != v:
            base, n = name, 2
            while name in taken:
                name = f"{base[:60]}-{n}"
                n += 1
            taken.add(name)
        out.append({"name": name, "labels": {subset_label: v}})
    return out


def build(*, name: str, namespace: str, labels: dict[str, str], host: str, tls_mutual: bool,
          load_balancer: str | None, subset_list: list[dict[str, Any]],
          policy: dict[str, Any] | None = None, export_to: list[str] | None = None) -> dict[str, Any] | None:
    """None when the rule would only restate Istio's defaults. ``policy``, when given, is
    the whole trafficPolicy (see trafficpolicy.traffic_policy)."""
    if policy is None:
        policy = {}
        if load_balancer:
            policy["loadBalancer"] = {"simple": load_balancer}
        if tls_mutual:
            policy["tls"] = {"mode": "ISTIO_MUTUAL"}
    if not policy and not subset_list:
        return None
    spec: dict[str, Any] = {"host": host}
    if export_to:
        spec["exportTo"] = list(export_to)
    if policy:
        spec["trafficPolicy"] = policy
    if subset_list:
        spec["subsets"] = subset_list
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata(name, namespace, labels), "spec": spec}


def export_to(settings: Settings) -> list[str] | None:
    """exportTo for exportScope: namespace. "." is the object's own namespace, also for a
    Service that sets none yet: kustomize's namespace: or kpt's set-namespace fills it in
    before the API server (and Istio's webhook) ever sees the object."""
    return ["."] if settings.export_scope == "namespace" else None


def _one(svc: Service, model: MeshModel, settings: Settings, out: Output) -> None:
    cfg = settings.destination_rule
    trafficpolicy.check(svc, out)
    trafficpolicy.report_unapplied(svc, model.user.for_host(KIND, svc, settings.hosts.cluster_domain), out)
    name = free_name(KIND, cfg.name_template, cfg.labels, model, settings, svc, out)
    if name is None:
        return
    mutual = svc.config.tls_mode == "ISTIO_MUTUAL"
    if mutual and not svc.sidecar:
        mutual = False
        out.note(svc, f"no ISTIO_MUTUAL: {svc.sidecar_reason}")
    subset_list = subsets(svc.config.subset_label, [w.pod_labels for w in svc.workloads])
    if svc.ambient and subset_list:
        # Ambient: ztunnel reads no subsets, and waypoints do not support them.
        where = "its waypoint does not support subsets" if svc.waypoint else "ztunnel routes at L4 and reads no subsets"
        out.note(svc, f"no subsets in ambient mode: {where}; split traffic by version with per-version Services "
                 "and route weights (routing.versionServices)")
        subset_list = []
    if len(subset_list) > MAX_SUBSETS:
        out.results.error(f"{svc.name}: {len(subset_list)} distinct {svc.config.subset_label} values would become "
                          f"subsets (limit {MAX_SUBSETS}); generated no DestinationRule for it",
                          resource_ref=svc.item.ref(), file=svc.item.file_ref())
        out.decline(svc, "too many subsets")
        return
    renamed = [f"{s['labels'][svc.config.subset_label]!r} as {s['name']}" for s in subset_list
               if s["name"] != s["labels"][svc.config.subset_label]]
    if renamed:
        out.note(svc, "subset names must be DNS-1123 labels, so the subsets for "
                      f"{svc.config.subset_label} " + ", ".join(renamed) + " are named differently from their values")
    obj = build(
        name=name, namespace=svc.namespace, labels=render_labels(cfg.labels, svc), host=svc.host,
        tls_mutual=mutual, load_balancer=svc.config.load_balancer, subset_list=subset_list,
        policy=trafficpolicy.traffic_policy(svc, load_balancer=svc.config.load_balancer, tls_mutual=mutual),
        export_to=export_to(settings),
    )
    if obj is None:
        why = "a DestinationRule would only restate Istio's defaults (no TLS, load balancer or subsets to set)"
        out.note(svc, f"no DestinationRule: {why}")
        out.decline(svc, why)
        return
    out.objects.append(Generated(obj, service_path(settings.paths.destination_rule, settings, svc)))
    out.covered.add(svc.key)


def generate(model: MeshModel, settings: Settings) -> Output:
    out = Output()
    for svc in model.services:
        if svc.skip is None:
            _one(svc, model, settings, out)
    return out
