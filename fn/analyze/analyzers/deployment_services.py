"""A Deployment behind several Services must not see one port with two protocols, nor
one target port reached through different Service ports."""

from __future__ import annotations

from ..model import DEPLOYMENT, SERVICE, Analyzer, Context, Resource, register
from ..util import PodLike, as_dict, as_int, as_list, as_str, in_mesh, pod_template, selects, str_map

WAYPOINT_LABEL = "gateway.istio.io/managed"
WAYPOINT_VALUE = "istio.io-mesh-controller"


@register
class ServiceAssociationAnalyzer(Analyzer):
    name = "deployment.ServiceAssociationAnalyzer"
    description = "Checks association between services and pods"

    def analyze(self, ctx: Context, report) -> None:
        # Services indexed by one pair of their selector: a Deployment is only checked
        # against Services that could select it.
        by_pair: dict[tuple[str, str, str], list[tuple[Resource, dict[str, str]]]] = {}
        for svc in ctx.of(SERVICE):
            sel = str_map(svc.spec.get("selector"))
            if sel:
                k = min(sel)
                by_pair.setdefault((svc.ns, k, sel[k]), []).append((svc, sel))
        for dep in ctx.of(DEPLOYMENT):
            if dep.labels.get(WAYPOINT_LABEL) == WAYPOINT_VALUE:
                continue
            tpl = pod_template(dep) or {}
            meta = as_dict(tpl.get("metadata"))
            pod = PodLike(dep, dep.ns, str_map(meta.get("labels")), str_map(meta.get("annotations")),
                          as_dict(tpl.get("spec")), True)
            if not in_mesh(ctx, pod):
                continue
            candidates = [c for pair in pod.labels.items() for c in by_pair.get((dep.ns, *pair), ())]
            matching = [svc for svc, sel in candidates if selects(sel, pod.labels)]
            if not matching:
                continue
            self._protocols(report, dep, matching)
            self._target_ports(report, dep, matching)

    @staticmethod
    def _protocols(report, dep, matching) -> None:
        by_port: dict[int, dict[str, list[str]]] = {}
        for svc in matching:
            for p in as_list(svc.spec.get("ports")):
                p = as_dict(p)
                number = as_int(p.get("port"))
                if number is None:
                    continue
                proto = as_str(p.get("protocol")) or "TCP"
                by_port.setdefault(number, {}).setdefault(proto, []).append(svc.full_name())
        for number, protocols in by_port.items():
            if len(protocols) > 1:
                names = sorted(n for ns in protocols.values() for n in ns)
                report("DeploymentAssociatedToMultipleServices", dep, dep.name, number, names)

    @staticmethod
    def _target_ports(report, dep, matching) -> None:
        by_target: dict[str, dict[int, str]] = {}
        for svc in matching:
            for p in as_list(svc.spec.get("ports")):
                p = as_dict(p)
                number = as_int(p.get("port"))
                if number is None:
                    continue
                target = as_str(p.get("targetPort"))
                if target in ("", "0"):
                    target = str(number)
                by_target.setdefault(target, {})[number] = svc.full_name()
        for target, ports in by_target.items():
            if len(ports) > 1:
                report("DeploymentConflictingPorts", dep, dep.name, sorted(ports.values()), target, sorted(ports))
