"""Per-Service settings: the Service's annotation, then its ``spec.services[]`` override,
then the global setting. App teams often cannot edit the platform's function config, but
they own their Service, so the annotation wins."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Mapping

from ..durations import parse_duration
from ..k8snames import label_key_problem
from ..items import Item
from ..results import Results
from ..settings import Retries, RetriesOverride, ServiceOverride, Settings
from .types import ServiceConfig

PREFIX = "istio-mesh-fn.dev/"
LOAD_BALANCERS = ("ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "PASSTHROUGH")
TLS_MODES = ("ISTIO_MUTUAL", "auto")
NO_TIMEOUT = ("0s", "0", "none")
ROUTING_APIS = ("istio", "gateway-api")


class BadValue(ValueError):
    """An annotation value outside what is allowed; the message says what is."""


def _skip(text: str) -> bool:
    if text not in ("true", "false"):
        raise BadValue("allowed: true, false")
    return text == "true"


def _timeout(text: str) -> str | None:
    if text in NO_TIMEOUT:
        return None
    seconds = parse_duration(text)
    if seconds is None or seconds < 0.001:
        raise BadValue("allowed: a duration of at least 1ms such as 30s, 1.5s or 500ms, or 0s / none for no timeout")
    return text


def _retries(text: str) -> int:
    if not text.isdigit() or int(text) > 1000:
        raise BadValue("allowed: a whole number of attempts from 0 (no retries) to 1000")
    return int(text)


def _choice(allowed: tuple[str, ...]) -> Callable[[str], str]:
    def check(text: str) -> str:
        if text not in allowed:
            raise BadValue("allowed: " + ", ".join(allowed))
        return text
    return check


def _label_key(text: str) -> str:
    problem = label_key_problem(text)
    if problem:
        raise BadValue(problem)
    return text


# annotation suffix -> parser. Documented in the README's "Per-Service annotations".
ANNOTATIONS: dict[str, Callable[[str], object]] = {
    "skip": _skip,
    "timeout": _timeout,
    "retries": _retries,
    "tls-mode": _choice(TLS_MODES),
    "load-balancer": _choice(LOAD_BALANCERS),
    "subset-label": _label_key,
    "routing-api": _choice(ROUTING_APIS),
}


def read_annotations(item: Item, results: Results) -> dict[str, object]:
    """The valid ``istio-mesh-fn.dev/*`` settings on ``item``; each bad one is an error
    result naming the Service, the annotation and what is allowed."""
    out: dict[str, object] = {}
    for key, text in item.annotations.items():
        if not key.startswith(PREFIX) or key == PREFIX + "generated-by":
            continue
        suffix = key[len(PREFIX):]
        parse = ANNOTATIONS.get(suffix)
        if parse is None:
            results.error(
                f"{item.name}: unknown annotation {key}; allowed: " + ", ".join(PREFIX + a for a in ANNOTATIONS),
                resource_ref=item.ref(), file=item.file_ref(), field={"path": f"metadata.annotations.{key}"},
            )
            continue
        try:
            out[suffix] = parse(text.strip())
        except BadValue as exc:
            results.error(
                f"{item.name}: annotation {key}: {text!r} is not valid; {exc}",
                resource_ref=item.ref(), file=item.file_ref(),
                field={"path": f"metadata.annotations.{key}", "currentValue": text},
            )
    return out


def resolve_retries(base: Retries | None, patch: RetriesOverride | None) -> Retries | None:
    """An override's retries merged field by field over the global ones."""
    if patch is None:
        return base
    merged = base if base is not None else Retries(attempts=3, per_try_timeout=None)
    for name in patch.given:
        merged = replace(merged, **{name: getattr(patch, name)})
    return merged


def override_index(settings: Settings) -> dict[tuple[str | None, str], int]:
    return {(o.namespace, o.name): i for i, o in enumerate(settings.services)}


def find_override(index: Mapping[tuple[str | None, str], int], namespace: str, name: str) -> int | None:
    i = index.get((namespace, name))
    return index.get((None, name)) if i is None else i


def resolve(settings: Settings, override: tuple[int, ServiceOverride] | None,
            annotations: Mapping[str, object]) -> ServiceConfig:
    dr, vs = settings.destination_rule, settings.virtual_service
    values: dict[str, object] = {
        "timeout": vs.timeout, "retries": vs.retries, "load_balancer": dr.load_balancer,
        "tls_mode": dr.tls_mode, "subset_label": dr.subset_label,
        "routing_api": settings.routing.default_api(settings.injection.mode),
    }
    sources = dict.fromkeys(values, "global")
    if settings.routing.api is None:
        sources["routing_api"] = f"global (routing.api unset, injection.mode {settings.injection.mode})"
    if override is not None:
        i, o = override
        for name in o.given & values.keys():
            values[name] = resolve_retries(vs.retries, o.retries) if name == "retries" else getattr(o, name)
            sources[name] = f"spec.services[{i}]"
    for suffix, value in annotations.items():
        name = suffix.replace("-", "_")
        if name == "retries":
            current = values["retries"]
            base = current if isinstance(current, Retries) else Retries(attempts=3, per_try_timeout=None)
            value = replace(base, attempts=int(str(value)))
        if name in values:
            values[name] = value
            sources[name] = f"annotation {PREFIX}{suffix}"
    retries = values["retries"]
    return ServiceConfig(
        timeout=values["timeout"] if isinstance(values["timeout"], str) else None,
        retries=retries if isinstance(retries, Retries) else None,
        load_balancer=values["load_balancer"] if isinstance(values["load_balancer"], str) else None,
        tls_mode=str(values["tls_mode"]),
        subset_label=str(values["subset_label"]),
        routing_api=str(values["routing_api"]),
        sources=sources,
    )
