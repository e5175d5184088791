"""Field types of the function config: names, label keys, durations and templates, each
checked when the config is read, with a message that says what is allowed."""

from __future__ import annotations

import posixpath
import string
from typing import Annotated, Any, Callable, Literal

from pydantic import AfterValidator, BeforeValidator

from .. import k8snames as k8s
from ..durations import parse_duration


def _dns_label(value: str) -> str:
    if not k8s.is_dns_label(value):
        raise ValueError(k8s.DNS_LABEL_RULE)
    return value


def _label_key(value: str) -> str:
    problem = k8s.label_key_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _label_value(value: str) -> str:
    if not k8s.is_label_value(value):
        raise ValueError(k8s.LABEL_VALUE_RULE)
    return value


_DURATION_HINT = "must be a duration such as 30s, 1.5s, 500ms or 1m30s"


def _duration_text(value: Any) -> Any:
    # Without this a bare 30 gets pydantic's "Input should be a valid string", which
    # says neither that a unit is missing nor what would be accepted.
    if not isinstance(value, str):
        raise ValueError(f"{_DURATION_HINT}: a quoted string with a unit")
    return value


def _duration(value: str) -> str:
    seconds = parse_duration(value)
    if seconds is None:
        raise ValueError(_DURATION_HINT)
    if seconds < 0.001:
        raise ValueError("must be at least 1ms")
    return value


# Stand-ins for what templates are filled with, to check what a template produces.
_SAMPLE = {"name": "svc", "namespace": "ns", "dir": "apps/svc", "mode": "strict"}


def _template(allowed: tuple[str, ...], produces: Callable[[str], None] | None = None) -> Callable[[str], str]:
    """A str.format template using only ``allowed`` placeholders. ``produces`` checks what
    it renders to, so a template that could never give a valid name fails here, not as a
    crash or an object the API server refuses."""

    # The check lives in a module-level function because this factory runs once, at
    # import, where mutation testing cannot switch a mutant on; what is left here is
    # only the call, which every template test goes through.
    def check(value: str) -> str:
        return _check_template(value, allowed, produces)  # pragma: no mutate

    return check


def _check_template(value: str, allowed: tuple[str, ...], produces: Callable[[str], None] | None) -> str:
    try:
        parts = list(string.Formatter().parse(value))
    except ValueError as exc:
        raise ValueError(f"is not a valid template ({exc}); write {{{{ or }}}} for a literal brace") from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in allowed or spec or conversion:
            whole = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            raise ValueError(
                f"unknown placeholder {{{whole}}}; allowed: " + ", ".join("{" + a + "}" for a in allowed)
            )
    if produces is not None:
        produces(value.format(**{a: _SAMPLE[a] for a in allowed}))
        if "dir" in allowed:
            # {dir} is empty for a Service in a file at the package root, and the path is
            # then normalized as placement does it (fn.policies.base.path_for): "{dir}.yml"
            # would give the hidden file ".yml".
            at_root = value.format(**{a: "" if a == "dir" else _SAMPLE[a] for a in allowed})
            try:
                produces(posixpath.normpath(at_root.lstrip("/")) if at_root else at_root)
            except ValueError as exc:
                raise ValueError(f"{exc} for a Service in a file at the package root") from None
    return value


def _renders_name(rendered: str) -> None:
    if not k8s.is_dns_subdomain(rendered):
        raise ValueError(
            f"must render to a DNS-1123 name (lowercase letters, digits, '-' and '.'); "
            f"for a Service {_SAMPLE['name']!r} it gives {rendered!r}"
        )


def _renders_label_value(rendered: str) -> None:
    try:
        _label_value(rendered)
    except ValueError as exc:
        raise ValueError(f"{exc}; for a Service {_SAMPLE['name']!r} it gives {rendered!r}") from None


def _renders_path(rendered: str) -> None:
    parts = rendered.split("/")
    if rendered.startswith("/") or ".." in parts or not rendered.strip("/") or rendered.endswith("/"):
        raise ValueError(
            "must render to a relative file path inside the package (no leading '/', no '..'); "
            f"it gives {rendered!r}"
        )
    if not rendered.endswith((".yaml", ".yml")) or parts[-1].startswith("."):
        # kpt reads only YAML files back: anything else (README.md, a dotfile it skips)
        # would be a file it overwrites but never shows the user again.
        raise ValueError(f"must render to a .yaml or .yml file that is not hidden; it gives {rendered!r}")


DnsLabel = Annotated[str, AfterValidator(_dns_label)]
LabelKey = Annotated[str, AfterValidator(_label_key)]
LabelValue = Annotated[str, AfterValidator(_label_value)]
Duration = Annotated[str, BeforeValidator(_duration_text), AfterValidator(_duration)]
NameTemplate = Annotated[str, AfterValidator(_template(("name", "namespace"), _renders_name))]
LabelTemplate = Annotated[str, AfterValidator(_template(("name", "namespace"), _renders_label_value))]
PathTemplate = Annotated[str, AfterValidator(_template(("dir", "name", "namespace", "mode"), _renders_path))]
LoadBalancer = Literal["ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "PASSTHROUGH"]
RoutingApi = Literal["istio", "gateway-api"]
TlsMode = Literal["ISTIO_MUTUAL", "auto"]

SYSTEM_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease", "istio-system"]
