"""Building objects for the schema tests."""

from __future__ import annotations

from typing import Any

from fn.analyze.schema import Issue, validate

API = {
    "VirtualService": "networking.istio.io/v1",
    "DestinationRule": "networking.istio.io/v1",
    "Gateway": "networking.istio.io/v1",
    "ServiceEntry": "networking.istio.io/v1",
    "Sidecar": "networking.istio.io/v1",
    "WorkloadEntry": "networking.istio.io/v1",
    "WorkloadGroup": "networking.istio.io/v1",
    "EnvoyFilter": "networking.istio.io/v1alpha3",
    "ProxyConfig": "networking.istio.io/v1beta1",
    "AuthorizationPolicy": "security.istio.io/v1",
    "PeerAuthentication": "security.istio.io/v1",
    "RequestAuthentication": "security.istio.io/v1",
    "Telemetry": "telemetry.istio.io/v1",
    "WasmPlugin": "extensions.istio.io/v1alpha1",
    "TrafficExtension": "extensions.istio.io/v1alpha1",
}


def obj(kind: str, spec: Any, api: str | None = None, name: str = "x", **extra: Any) -> dict[str, Any]:
    o = {"apiVersion": api or API[kind], "kind": kind, "metadata": {"name": name, "namespace": "default"}, "spec": spec}
    o.update(extra)
    return o


def texts(issues: list[Issue]) -> list[str]:
    return [i.text for i in issues]


def by_path(issues: list[Issue]) -> dict[str, list[Issue]]:
    out: dict[str, list[Issue]] = {}
    for i in issues:
        out.setdefault(i.path, []).append(i)
    return out


def assert_clean(o: dict[str, Any]) -> None:
    issues = validate(o)
    assert issues == [], "\n".join(texts(issues))
