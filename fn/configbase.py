"""What every function-config kind shares: the CRD-style model base (camelCase aliases,
unknown fields forbidden) and validation errors as KRM error results, one per problem,
each naming the field path, the value and what is allowed."""

from __future__ import annotations

from typing import Any, Callable, get_args

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from .results import Results


class Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
    )


class Metadata(BaseModel):
    # Any metadata a manifest may carry (labels, kpt's annotations) is fine here.
    model_config = ConfigDict(extra="allow")
    name: str | None = None


def json_schema(model: type[BaseModel], title: str) -> dict[str, Any]:
    """The JSON Schema editors validate a config file against (camelCase, as written)."""
    schema = model.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = title
    return schema


def fmt(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def ref_of(obj: dict[str, Any]) -> dict[str, str]:
    """The config's own resourceRef."""
    raw = obj.get("metadata")
    meta: dict[str, Any] = raw if isinstance(raw, dict) else {}
    ref = {"apiVersion": str(obj.get("apiVersion", "")), "kind": str(obj.get("kind", ""))}
    if meta.get("name"):
        ref["name"] = str(meta["name"])
    return ref


def report(
    exc: ValidationError,
    results: Results,
    root: type[BaseModel],
    ref: dict[str, str],
    prefix: str = "",
    remap: Callable[[tuple[Any, ...]], str | None] | None = None,
) -> None:
    """Add an error result per problem in ``exc``. ``root`` is the model that was
    validated (to list the allowed fields); ``remap`` turns a location into the name the
    user wrote (ConfigMap keys) when the model's path would mislead."""
    for err in exc.errors(include_url=False):
        # Drop pydantic's validator steps from the path; "[key]" marks a bad mapping key,
        # which the message already says, and would read as part of the field name.
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and (
            p.startswith(("function-after", "function-before")) or p == "[key]")))
        path = where(loc)
        mapped = remap(loc) if remap else None
        full = mapped or (f"{prefix}.{path}" if prefix and path else (path or prefix))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            allowed = allowed_fields(root, loc[:-1]) if remap is None else []
            msg = "unknown field" + (f"; allowed here: {', '.join(allowed)}" if allowed else "")
        value = err.get("input")
        shown = "" if err["type"] == "missing" else f" (got {fmt(value)})"
        results.error(
            f"invalid function config: {full}: {msg}{shown}",
            resource_ref=ref,
            field={"path": full, "currentValue": value if isinstance(value, (str, int, float, bool)) else None},
        )


def allowed_fields(root: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The camelCase fields of the model at ``loc`` under ``root``."""
    model: Any = root
    for part in loc:
        if isinstance(part, int):
            continue
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == part or n == part), None)
        if field is None:
            return []
        model = _model_of(field.annotation)
        if model is None:
            return []
    return [f.alias or n for n, f in model.model_fields.items()]


def _model_of(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None
