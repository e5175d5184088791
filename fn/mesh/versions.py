"""Per-version Services: how a Service's split is applied when the Gateway API routes it.

Gateway API routes have no subsets; they weight ``backendRefs``, which name Services.
With ``routing.versionServices`` a split over versions becomes one Service
``<name>-<version>`` per version (the Service's selector plus the subset label) and the
route weights over them, as Istio's "migrate policies" guide describes. Every decision
not to do so keeps its reason, which the versionservice policy reports.
"""

from __future__ import annotations


from ..k8snames import is_dns_1035_label
from ..records import replace
from ..settings import Settings
from .types import GATEWAY_API_ROUTING, Service, VersionPlan, VersionService

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import AbstractSet

GATEWAY_API = GATEWAY_API_ROUTING
OPTION = "routing.versionServices"


def _plan(svc: Service, taken: AbstractSet[tuple[str, str]], settings: Settings) -> VersionPlan:
    split = svc.config.split
    assert split is not None
    source = svc.config.sources.get("split", "split")
    if not settings.routing.version_services:
        return VersionPlan((), f"the split ({source}) is not applied: Gateway API routes have no subsets and split "
                               f"over per-version Services; set {OPTION}: true to generate them", "warning")
    if not settings.virtual_service.enabled:
        return VersionPlan((), f"the split ({source}) is not applied: routes are off (virtualService.enabled: false)",
                           "warning")
    if not svc.selector:
        return VersionPlan((), f"the split ({source}) is not applied: the Service has no selector to extend with "
                               "the version label", "warning")
    label = svc.config.subset_label
    have = {w.pod_labels[label] for w in svc.workloads if label in w.pod_labels}
    missing = sorted(v for v in split.weights if v not in have)
    if missing:
        return VersionPlan((), f"the split ({source}) sends traffic to {label}={', '.join(missing)}, but no workload "
                               f"the Service selects has that label (it has: {', '.join(sorted(have)) or 'none'}); "
                               "not applied, since that share of its traffic would fail with 503 no healthy "
                               "upstream", "error")
    out, problems = [], []
    for version, weight in split.weights.items():
        name = f"{svc.name}-{version}"
        if not is_dns_1035_label(name):
            problems.append(f"{name!r} is not a valid Service name (DNS-1035: lower case letters, digits and '-', "
                            "starting with a letter, at most 63)")
        elif (svc.namespace, name) in taken:
            problems.append(f"a Service {name} already exists in the input and is not ours to replace")
        else:
            out.append(VersionService(version, name, weight, label))
    if problems:
        return VersionPlan((), f"the split ({source}) is not applied: " + "; ".join(problems), "warning")
    unsupported = [what for what, given in (("match", split.match is not None), ("mirror", split.mirror is not None))
                   if given]
    note = (f"; its {' and '.join(unsupported)} is not applied (only the weights are, under the Gateway API)"
            if unsupported else "")
    return VersionPlan(tuple(out), f"the split ({source}) is applied over per-version Services "
                                   + ", ".join(f"{v.name} ({v.weight}%)" for v in out) + f" ({OPTION})" + note,
                       "warning" if unsupported else "info")


def plan(services: list[Service], taken: AbstractSet[tuple[str, str]], settings: Settings) -> list[Service]:
    """``taken``: (namespace, name) of every Service in the input."""
    out = []
    for svc in services:
        if svc.skip is None and svc.config.split is not None and svc.config.routing_api == GATEWAY_API:
            svc = replace(svc, versions=_plan(svc, taken, settings))
        out.append(svc)
    return out
