"""What a VirtualService route needs beyond the defaults: a canary split over version
subsets (with a header match ahead of it and a mirror), and per-port timeouts and retries.
Subset names come from destinationrule.subsets, so a split names exactly the subsets the
generated DestinationRule defines."""

from __future__ import annotations

from ..records import record

from ..mesh import HTTP, UNKNOWN, MeshModel, Service
from ..mesh.serviceconfig import resolve_retries
from ..settings import Retries, Settings
from .base import Output
from .destinationrule import KIND as DR_KIND, subsets

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping


@record
class Split:
    """A split with subset names in place of label values."""

    weights: tuple[tuple[str, int], ...]
    headers: Mapping[str, Mapping[str, str]] | None = None
    match_subset: str | None = None
    mirror: str | None = None
    mirror_percentage: float | None = None


@record
class PortRoute:
    timeout: str | None
    retries: Retries | None


def resolve_split(svc: Service, model: MeshModel, settings: Settings, out: Output) -> tuple[Split | None, bool]:
    """The Service's split in subset names; (None, False) after an error result when it
    names a version no workload has, or subsets nobody will define."""
    split = svc.config.split
    if split is None:
        return None, True
    label = svc.config.subset_label
    names = {s["labels"][label]: s["name"] for s in subsets(label, [w.pod_labels for w in svc.workloads])}
    versions = list(split.weights) + [v for v in (split.mirror, split.match.subset if split.match else None) if v]
    where = {"resource_ref": svc.item.ref(), "file": svc.item.file_ref()}
    source = svc.config.sources.get("split", "split")
    missing = sorted({v for v in versions if v not in names})
    if missing:
        out.results.error(
            f"{svc.name}: the split ({source}) sends traffic to {label}={', '.join(missing)}, but no workload "
            f"the Service selects has that label (it has: {', '.join(sorted(names)) or 'none'}); generated no "
            "VirtualService for it, since its traffic would fail with 503 no healthy upstream", **where)
        return None, False
    person = model.user.for_host(DR_KIND, svc, settings.hosts.cluster_domain)
    if person is not None:
        defined = {str(s.get("name")) for s in person.get("spec", "subsets") or [] if isinstance(s, dict)}
        absent = sorted({names[v] for v in versions} - defined)
        if absent:
            out.results.error(
                f"{svc.name}: the split could not be applied: {person.describe()} covers this host but defines no "
                f"subset {', '.join(absent)}; add them there (or let the function generate the rule)", **where)
            return None, False
    elif not settings.destination_rule.enabled:
        out.results.error(f"{svc.name}: a split needs the version subsets of a DestinationRule, and "
                          "destinationRule.enabled is false; generated no VirtualService for it", **where)
        return None, False
    match = split.match
    headers = None
    if match is not None:
        headers = {k: {kind: v for kind, v in (("exact", m.exact), ("prefix", m.prefix), ("regex", m.regex))
                       if v is not None} for k, m in match.headers.items()}
    return Split(
        weights=tuple((names[v], w) for v, w in split.weights.items()),
        headers=headers, match_subset=names[match.subset] if match else None,
        mirror=names[split.mirror] if split.mirror else None, mirror_percentage=split.mirror_percentage,
    ), True


def port_routes(svc: Service, out: Output) -> dict[int, PortRoute]:
    """Per-port timeout and retries from ``services[].ports[]``, by port number; an entry
    that names no port of the Service is a warning."""
    found: dict[int, PortRoute] = {}
    for i, entry in enumerate(svc.config.ports):
        ports = [p for p in svc.ports if entry.port in (p.number, p.name)]
        if not ports:
            known = ", ".join(f"{p.number}" + (f"/{p.name}" if p.name else "") for p in svc.ports) or "none"
            out.results.warning(f"{svc.name}: ports[{i}] names port {entry.port!r}, which the Service does not "
                                f"have (it has: {known}); ignored", resource_ref=svc.item.ref(),
                                file=svc.item.file_ref())
            continue
        routed = [p for p in ports if p.protocol in (HTTP, UNKNOWN)]
        if not routed:
            out.results.warning(f"{svc.name}: ports[{i}] ({entry.port!r}) is not an HTTP-family port, and Envoy "
                                "applies no route timeout or retries to TCP; ignored", resource_ref=svc.item.ref(),
                                file=svc.item.file_ref())
            continue
        ports = routed
        timeout = entry.timeout if "timeout" in entry.given else svc.config.timeout
        retries = svc.config.retries
        if "retries" in entry.given:
            retries = resolve_retries(retries, entry.retries) if entry.retries is not None else None
        for p in ports:
            found[p.number] = PortRoute(timeout, retries)
    return found


def destination(host: str, port: int, subset: str | None = None) -> dict[str, Any]:
    dest: dict[str, Any] = {"host": host}
    if subset:
        dest["subset"] = subset
    dest["port"] = {"number": port}
    return dest


def weighted(host: str, port: int, split: Split | None) -> list[dict[str, Any]]:
    if split is None:
        return [{"destination": destination(host, port), "weight": 100}]
    return [{"destination": destination(host, port, name), "weight": w} for name, w in split.weights]


def canary_rule(host: str, port: int, split: Split, port_match: bool) -> dict[str, Any] | None:
    """The header-matched route that goes ahead of the weighted one."""
    if split.headers is None or split.match_subset is None:
        return None
    match: dict[str, Any] = {"port": port} if port_match else {}
    match["headers"] = {k: dict(v) for k, v in split.headers.items()}
    return {"match": [match], "route": [{"destination": destination(host, port, split.match_subset), "weight": 100}]}


def add_mirror(rule: dict[str, Any], host: str, port: int, split: Split | None) -> None:
    if split is None or split.mirror is None:
        return
    rule["mirror"] = destination(host, port, split.mirror)
    if split.mirror_percentage is not None:
        rule["mirrorPercentage"] = {"value": float(split.mirror_percentage)}

