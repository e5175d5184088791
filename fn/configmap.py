"""The ConfigMap form of the function config: flat ``data`` keys, as users of a ConfigMap
(and of ``kpt fn eval -- key=value``) expect, mapped onto the typed spec."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from .config import MeshSpec
from .configbase import fmt, ref_of, report
from .results import Results


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _selector(value: str) -> dict[str, Any]:
    labels = {}
    for part in _csv(value):
        key, sep, val = part.partition("=")
        if not sep:
            raise _FlatError(f"selector term {part!r} must be key=value")
        labels[key.strip()] = val.strip()
    return {"matchLabels": labels}


def _intish(value: str) -> Any:
    try:
        return int(value)
    except ValueError:
        return value


def _nullable(value: str) -> Any:
    return None if value.strip().lower() in ("", "none", "null") else value


class _FlatError(ValueError):
    pass


# data key -> (path in spec, converter). Flat keys are what users of a ConfigMap expect.
FLAT_KEYS: dict[str, tuple[tuple[str, ...], Any]] = {
    "defaultNamespace": (("defaultNamespace",), str),
    "injection": (("injection", "mode"), str),
    "revision": (("injection", "revision"), str),
    "injectionNamespaces": (("injection", "namespaces"), _csv),
    "mtlsMode": (("mtls", "mode"), str),
    "peerAuthentication": (("mtls", "scope"), str),
    "rootNamespace": (("mtls", "rootNamespace"), str),
    "tlsMode": (("destinationRule", "tlsMode"), str),
    "loadBalancer": (("destinationRule", "loadBalancer"), str),
    "subsetLabel": (("destinationRule", "subsetLabel"), str),
    "destinationRuleName": (("destinationRule", "nameTemplate"), str),
    "virtualServiceName": (("virtualService", "nameTemplate"), str),
    "timeout": (("virtualService", "timeout"), _nullable),
    "retryAttempts": (("virtualService", "retries", "attempts"), _intish),
    "perTryTimeout": (("virtualService", "retries", "perTryTimeout"), _nullable),
    "retryOn": (("virtualService", "retries", "retryOn"), str),
    "hostStyle": (("hosts", "style"), str),
    "clusterDomain": (("hosts", "clusterDomain"), str),
    "excludeNames": (("exclude", "names"), _csv),
    "excludeNamespaces": (("exclude", "namespaces"), _csv),
    "excludeSelector": (("exclude", "selector"), _selector),
    "routingApi": (("routing", "api"), _nullable),
    "gatewayApiChannel": (("routing", "gatewayApiChannel"), str),
    "grpcRoute": (("routing", "grpc"), str),
    "versionServices": (("routing", "versionServices"), str),
    "registerResources": (("kustomize", "registerResources"), str),
    "analyzeSchema": (("analyze", "schema"), str),
    "failOn": (("analyze", "failOn"), str),
}


def load_configmap(obj: dict[str, Any], results: Results) -> MeshSpec | None:
    ref = ref_of(obj)
    data = obj.get("data") or {}
    if not isinstance(data, dict):
        results.error("invalid function config: data must be a mapping of string keys", resource_ref=ref,
                      field={"path": "data"})
        return None
    spec: dict[str, Any] = {}
    origin: dict[tuple[str, ...], str] = {}
    for key, raw in data.items():
        if key not in FLAT_KEYS:
            results.error(
                f"invalid function config: data.{key}: unknown key; allowed: {', '.join(sorted(FLAT_KEYS))}",
                resource_ref=ref, field={"path": f"data.{key}"},
            )
            continue
        path, convert = FLAT_KEYS[key]
        if isinstance(raw, (dict, list)):
            results.error(f"invalid function config: data.{key}: ConfigMap data values are strings "
                          f"(got {fmt(raw)})", resource_ref=ref, field={"path": f"data.{key}"})
            continue
        text = "" if raw is None else (str(raw).lower() if isinstance(raw, bool) else str(raw))
        try:
            value = convert(text)
        except _FlatError as exc:
            results.error(f"invalid function config: data.{key}: {exc} (got {fmt(text)})",
                          resource_ref=ref, field={"path": f"data.{key}", "currentValue": text})
            continue
        node = spec
        for p in path[:-1]:
            node = node.setdefault(p, {})
        node[path[-1]] = value
        origin[path] = key
    if results.has_errors():
        return None

    def remap(loc: tuple[Any, ...]) -> str | None:
        names = tuple(str(p) for p in loc)
        for n in range(len(names), 0, -1):
            if names[:n] in origin:
                return "data." + origin[names[:n]]
        # A check across fields (e.g. injection mode vs revision) names each key involved.
        keys = [f"data.{k}" for p, k in origin.items() if p[: len(names)] == names]
        return ", ".join(sorted(keys)) or None

    try:
        return MeshSpec.model_validate(spec)
    except ValidationError as exc:
        # Report against the data key the user wrote, not the nested spec path.
        report(exc, results, MeshSpec, ref, prefix="spec", remap=remap)
        return None


