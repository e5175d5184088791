"""Per-version Services (``routing.versionServices``): ``<name>-<version>`` with the
Service's selector plus the subset label and the Service's ports, which the Gateway API
routes' ``backendRefs`` weight a split over (routes have no subsets).

Reads: the model's Services and their version plans (fn/mesh/versions.py decides whether
a split applies, and why not) and ``paths.versionService``. The ports are copied as the
Service writes them (name, appProtocol, targetPort), so Istio reads the same protocol on
both."""

from __future__ import annotations


from ..mesh import MeshModel, Service
from ..settings import Settings
from .base import Generated, Output, metadata, service_path

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

API_VERSION = "v1"
KIND = "Service"
PORT_FIELDS = ("name", "protocol", "appProtocol", "port", "targetPort")


def _ports(svc: Service) -> list[dict[str, Any]]:
    raw = svc.item.get("spec", "ports")
    # The model read these ports already (a list of mappings with a valid port).
    return [{k: p[k] for k in PORT_FIELDS if k in p} for p in raw if isinstance(p, dict)] \
        if isinstance(raw, list) else []


def build(svc: Service, name: str, label: str, version: str) -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata(name, svc.namespace),
            "spec": {"selector": {**svc.selector, label: version}, "ports": _ports(svc)}}


def generate(model: MeshModel, settings: Settings) -> Output:
    out = Output()
    for svc in model.services:
        plan = svc.versions
        if svc.skip is not None or plan is None:
            continue
        level = {"error": out.results.error, "warning": out.results.warning}.get(plan.level, out.results.info)
        level(f"{svc.name}: {plan.reason}", resource_ref=svc.item.ref(), file=svc.item.file_ref())
        for v in plan.services:
            out.objects.append(Generated(build(svc, v.name, v.label, v.version),
                                         service_path(settings.paths.version_service, settings, svc)))
    return out
