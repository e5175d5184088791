"""What a person wrote for sidecars that ambient mode ignores or treats differently, after
Istio's "migrate policies" guide for ambient. It generates nothing: each object gets one
result naming what to migrate. (Objects this function generated are replaced on their
own: they are pruned and regenerated for the ambient data plane.)

Reads: the model's namespaces (data plane) and the Istio objects a person wrote."""

from __future__ import annotations


from ..items import Item
from ..mesh import AMBIENT, MeshModel
from ..mesh.waypoints import l7_rules
from ..settings import Settings
from .base import Output

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

def advice(item: Item) -> str | None:
    kind = item.kind
    spec = item.get("spec")
    spec = spec if isinstance(spec, dict) else {}
    if kind == "VirtualService":
        return ("VirtualService is only Alpha on waypoints and ztunnel ignores it: move its routes to an HTTPRoute "
                "with the Service as parentRef (routing.api gateway-api generates one) and a waypoint")
    if kind == "DestinationRule":
        tls = (spec.get("trafficPolicy") or {}).get("tls") if isinstance(spec.get("trafficPolicy"), dict) else None
        parts = []
        if isinstance(tls, dict) and tls.get("mode") == "ISTIO_MUTUAL":
            parts.append("drop trafficPolicy.tls ISTIO_MUTUAL (ztunnel does mTLS)")
        if spec.get("subsets"):
            parts.append("replace subsets with per-version Services and route weights (waypoints do not support "
                         "subsets)")
        return "; ".join(parts) or None
    if kind == "Sidecar":
        return "Sidecar resources have no effect in ambient mode: remove it"
    if kind == "EnvoyFilter":
        return "EnvoyFilter is not supported in ambient mode: use a waypoint's Gateway API or WasmPlugin config"
    if kind in ("AuthorizationPolicy", "RequestAuthentication") and spec.get("selector") is not None \
            and not spec.get("targetRefs") and not spec.get("targetRef"):
        if kind == "RequestAuthentication":
            return ("RequestAuthentication needs a waypoint in ambient mode: attach it with targetRefs (the waypoint "
                    "Gateway or the Service) instead of selector")
        if l7_rules(spec.get("rules")):
            return ("its L7 rules (methods, paths, request principals) with a selector are enforced by ztunnel as "
                    "deny-all: attach them to the waypoint with targetRefs; keep L4 rules (principals, ports) on "
                    "selector")
    return None


def generate(model: MeshModel, settings: Settings) -> Output:
    out = Output()
    for facts in model.namespaces.values():
        if facts.item is None or facts.dataplane != AMBIENT:
            continue
        injection = {k: v for k, v in facts.labels.items() if (k, v) == ("istio-injection", "enabled") or k == "istio.io/rev"}
        if injection:
            # The function only ever adds labels; one a sidecar-mode run left behind is
            # for the person to remove.
            labels = ", ".join(f"{k}={v}" for k, v in injection.items())
            out.results.warning(f"namespace {facts.name} is ambient but still labelled {labels}: pods keep getting "
                                "sidecars and ztunnel does not capture them; remove the label and restart them",
                                resource_ref=facts.item.ref(), file=facts.item.file_ref())
    for ns, item in model.user.istio:
        if model.namespace(ns).dataplane != AMBIENT:
            continue
        text = advice(item)
        if text:
            out.results.warning(f"{item.describe()} in ambient namespace {ns or '(none set)'}: {text}",
                                resource_ref=item.ref(), file=item.file_ref())
    return out
