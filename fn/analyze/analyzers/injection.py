"""Sidecar injection: namespaces with no injection label (or several that disagree),
and pods in injected namespaces that run without the proxy."""

from __future__ import annotations

import json

from ..model import CONFIG_MAP, NAMESPACE, POD, Analyzer, Context, register
from ..util import (
    DATAPLANE_MODE,
    INJECTION_LABEL,
    REV_LABEL,
    SIDECAR_INJECT,
    as_dict,
    as_str,
    has_istio_proxy,
)

INJECTOR_CONFIG_MAP = "istio-sidecar-injector"
SYSTEM_NAMESPACE = "istio-system"


def _namespaces_by_default(ctx: Context, revision: str) -> bool | None:
    """sidecarInjectorWebhook.enableNamespacesByDefault of the injector for ``revision``;
    None when the input holds no such injector ConfigMap."""
    name = INJECTOR_CONFIG_MAP if revision in ("", "default") else f"{INJECTOR_CONFIG_MAP}-{revision}"
    for cm in ctx.of(CONFIG_MAP):
        if cm.name != name:
            continue
        try:
            values = json.loads(as_str(as_dict(cm.obj.get("data")).get("values")))
        except ValueError:
            return False
        enabled = as_dict(as_dict(values).get("sidecarInjectorWebhook")).get("enableNamespacesByDefault")
        return enabled is True
    return None


@register
class InjectionAnalyzer(Analyzer):
    name = "injection.Analyzer"
    description = "Checks conditions related to Istio sidecar injection"

    def analyze(self, ctx: Context, report) -> None:
        by_default = False
        injected: set[str] = set()
        for ns in ctx.of(NAMESPACE):
            if ns.name == SYSTEM_NAMESPACE:
                continue
            labels = ns.labels
            has_injection = INJECTION_LABEL in labels
            injection = labels.get(INJECTION_LABEL, "")
            found = []
            if has_injection:
                found.append(f"{INJECTION_LABEL}={injection}")
            for key in (REV_LABEL, DATAPLANE_MODE):
                # A revision or ambient label next to istio-injection=disabled is moot.
                if key in labels and (not has_injection or injection == "enabled"):
                    found.append(f"{key}={labels[key]}")
            if len(found) > 1:
                report("NamespaceMultipleInjectionLabels", ns, found, field="metadata.labels")
            if labels.get(DATAPLANE_MODE) == "ambient":
                continue
            # Like istioctl, the last injector found keeps deciding for later namespaces.
            setting = _namespaces_by_default(ctx, labels.get(REV_LABEL, ""))
            if setting is not None:
                by_default = setting
            if not injection and REV_LABEL not in labels:
                if by_default:
                    report("NamespaceInjectionEnabledByDefault", ns)
                else:
                    report("NamespaceNotInjected", ns, ns.name, ns.name)
                continue
            if injection == "enabled":
                injected.add(ns.name)

        for pod in ctx.of(POD):
            if pod.ns not in injected:
                continue
            inject = pod.annotations.get(SIDECAR_INJECT, "")
            if SIDECAR_INJECT in pod.labels:
                inject = pod.labels[SIDECAR_INJECT]
            if inject.lower() == "false" or pod.spec.get("hostNetwork") is True:
                continue
            if not has_istio_proxy(pod.spec):
                report("PodMissingProxy", pod, pod.full_name())
