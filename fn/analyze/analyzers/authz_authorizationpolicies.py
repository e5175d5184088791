"""An AuthorizationPolicy should select some workload, and the namespaces its rules
name should exist.

Two departures from istioctl, both for manifests read before they are applied: a pod in a
namespace labelled for ambient counts as on the mesh (istioctl looks for the annotation
the CNI adds to running pods, which a manifest never has), and a policy attached with
``targetRefs`` (to a Service or a waypoint) selects no pods, so it is not expected to."""

from __future__ import annotations

from ..model import AUTHORIZATION_POLICY, NAMESPACE, Analyzer, Context, register
from ..util import (as_dict, as_list, as_str, in_mesh, namespace_in_ambient, namespace_labels, pod_in_ambient, pods,
                    selector_string, selects, str_map)


@register
class AuthorizationPoliciesAnalyzer(Analyzer):
    name = "authz.AuthorizationPoliciesAnalyzer"
    description = "Checks the validity of authorization policies"

    def analyze(self, ctx: Context, report) -> None:
        policies = ctx.of(AUTHORIZATION_POLICY)
        if not policies:
            return
        # Workloads a policy can apply to: those on the mesh (sidecar or ambient).
        mesh_pods: dict[str, list[dict[str, str]]] = {}
        for pod in pods(ctx):
            if in_mesh(ctx, pod) or pod_in_ambient(pod) or namespace_in_ambient(namespace_labels(ctx, pod.namespace)):
                mesh_pods.setdefault(pod.namespace, []).append(pod.labels)
        namespaces = [ns.name for ns in ctx.of(NAMESPACE)]
        root = ctx.root_namespace

        for ap in policies:
            selector = ap.spec.get("selector")
            labels = str_map(as_dict(selector).get("matchLabels"))
            if ap.spec.get("targetRefs") or ap.spec.get("targetRef"):
                pass
            elif ap.ns == root:
                if selector is not None and not any(
                        selects(labels, pl) for pls in mesh_pods.values() for pl in pls):
                    report("NoMatchingWorkloadsFound", ap, selector_string(labels), field="spec.selector")
            elif selector is None:
                if not mesh_pods.get(ap.ns):
                    report("NoMatchingWorkloadsFound", ap, "")
            elif not any(selects(labels, pl) for pl in mesh_pods.get(ap.ns, ())):
                report("NoMatchingWorkloadsFound", ap, selector_string(labels), field="spec.selector")

            for i, rule in enumerate(as_list(ap.spec.get("rules"))):
                for j, frm in enumerate(as_list(as_dict(rule).get("from"))):
                    source = as_dict(as_dict(frm).get("source"))
                    for key in ("namespaces", "notNamespaces"):
                        for k, expr in enumerate(as_list(source.get(key))):
                            expr = as_str(expr)
                            if not any(_namespace_match(ns, expr) for ns in namespaces):
                                report("ReferencedResourceNotFound", ap, "namespace", expr,
                                       field=f"spec.rules[{i}].from[{j}].source.{key}[{k}]")


def _namespace_match(ns: str, expr: str) -> bool:
    if expr == "*":
        return True
    if expr.startswith("*"):
        return ns.endswith(expr[1:])
    if expr.endswith("*"):
        return ns.startswith(expr[:-1])
    return ns.lower() == expr.lower()
