"""OpenAPI v3 validation of a custom resource, as the Kubernetes API server does it for a
CRD's structural schema: null pruning, unknown fields (strict field validation), value
validations, list types, then the CEL rules when no blocking error was found."""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import re
from functools import lru_cache
from typing import Any

from .celrules import Rule
from .issues import Issue

_MISSING = object()


class Node:
    """A compiled schema node. Children are compiled when the node is."""

    __slots__ = (
        "types", "format", "nullable", "int_or_string", "preserve_unknown", "properties",
        "required", "items", "additional", "enum", "pattern", "pattern_src", "minimum",
        "maximum", "exclusive_minimum", "exclusive_maximum", "multiple_of", "min_length",
        "max_length", "min_items", "max_items", "unique_items", "min_properties",
        "max_properties", "list_type", "list_map_keys", "one_of", "any_of", "all_of", "not_",
        "rules", "type_name", "subtree_rules", "has_compositions", "accepts",
        "has_string_checks", "has_number_checks", "only_required", "only_not_any_of_required", "enum_keys",
    )  # fmt: skip

    def __init__(self, s: dict[str, Any]):
        t = s.get("type")
        self.types: tuple[str, ...] = (t,) if isinstance(t, str) else tuple(t or ())
        self.type_name: str = t if isinstance(t, str) else ""
        self.format: str | None = s.get("format")
        self.nullable: bool = bool(s.get("nullable"))
        self.int_or_string: bool = bool(s.get("x-kubernetes-int-or-string"))
        # The JSON kinds of value this node takes (None: any).
        accepts: set[str] | None = None
        if self.int_or_string:
            accepts = {"integer", "string"}
        elif self.types:
            accepts = set(self.types) | ({"integer"} if "number" in self.types else set())
        self.accepts: frozenset[str] | None = frozenset(accepts) if accepts is not None else None
        self.preserve_unknown: bool = bool(s.get("x-kubernetes-preserve-unknown-fields"))
        self.properties: dict[str, Node] | None = (
            {k: Node(v) for k, v in s["properties"].items()} if "properties" in s else None
        )
        self.required: tuple[str, ...] = tuple(s.get("required") or ())
        self.items: Node | None = Node(s["items"]) if isinstance(s.get("items"), dict) else None
        ap = s.get("additionalProperties", _MISSING)
        self.additional: Node | bool | None = (
            Node(ap) if isinstance(ap, dict) else (ap if isinstance(ap, bool) else None)
        )
        self.enum: list[Any] | None = s.get("enum")
        self.enum_keys = frozenset(_enum_key(e, _KINDS.get(type(e), "")) for e in self.enum or ())
        self.pattern_src: str | None = s.get("pattern")
        self.pattern = re.compile(self.pattern_src) if self.pattern_src is not None else None
        self.minimum = s.get("minimum")
        self.maximum = s.get("maximum")
        self.exclusive_minimum = bool(s.get("exclusiveMinimum"))
        self.exclusive_maximum = bool(s.get("exclusiveMaximum"))
        self.multiple_of = s.get("multipleOf")
        self.min_length = s.get("minLength")
        self.max_length = s.get("maxLength")
        self.min_items = s.get("minItems")
        self.max_items = s.get("maxItems")
        self.unique_items = bool(s.get("uniqueItems"))
        self.min_properties = s.get("minProperties")
        self.max_properties = s.get("maxProperties")
        self.list_type: str | None = s.get("x-kubernetes-list-type")
        self.list_map_keys: tuple[str, ...] = tuple(s.get("x-kubernetes-list-map-keys") or ())
        self.one_of = [Node(x) for x in s["oneOf"]] if "oneOf" in s else None
        self.any_of = [Node(x) for x in s["anyOf"]] if "anyOf" in s else None
        self.all_of = [Node(x) for x in s["allOf"]] if "allOf" in s else None
        self.not_ = Node(s["not"]) if isinstance(s.get("not"), dict) else None
        self.rules = [Rule(r) for r in s.get("x-kubernetes-validations") or ()]
        self.has_string_checks = any(
            x is not None for x in (self.max_length, self.min_length, self.pattern, self.format)
        )
        self.has_number_checks = any(x is not None for x in (self.minimum, self.maximum, self.multiple_of))
        self.has_compositions = any(x is not None for x in (self.one_of, self.all_of, self.not_)) or (
            self.any_of is not None and not self.int_or_string
        )
        self.only_required = bool(self.required) and set(s) == {"required"}
        self.only_not_any_of_required = (
            set(s) == {"not"} and self.not_ is not None and self.not_.any_of is not None
            and set(s["not"]) == {"anyOf"} and all(alt.only_required for alt in self.not_.any_of)
        )
        kids = list((self.properties or {}).values())
        kids += [k for k in (self.items, self.additional) if isinstance(k, Node)]
        # Whether this node or any below it carries CEL rules: the rule pass skips the rest.
        self.subtree_rules: bool = bool(self.rules) or any(k.subtree_rules for k in kids)

    def child(self, key: str) -> Node | None:
        if self.properties is not None:
            sub = self.properties.get(key)
            if sub is not None:
                return sub
        return self.additional if isinstance(self.additional, Node) else None

    def allows_unknown(self) -> bool:
        return self.preserve_unknown or self.additional is True


@lru_cache(maxsize=None)
def compiled(index: int, dataset: str = "istio") -> Node:
    from . import catalog

    return Node(catalog.data(dataset)["schemas"][index])


# ------------------------------------------------------------------ helpers
# Error kinds the API server treats as blocking: with any of them, CEL rules are not run.
BLOCKING = {"type", "required", "unsupported", "too-long", "too-many"}
NOT_CHECKED = (
    "some validation rules were not checked because the object was invalid; "
    "correct the existing errors to complete validation"
)


def type_of(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return type(v).__name__


def show(v: Any) -> str:
    """A value the way field errors print it: scalars as JSON, containers by type."""
    if isinstance(v, (dict, list)):
        return json.dumps(type_of(v))
    try:
        return json.dumps(v, ensure_ascii=False)
    except (TypeError, ValueError):
        return json.dumps(str(v))


_KINDS: dict[type, str] = {
    dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number",
}  # fmt: skip


_DATE_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$"
)


def _as_json(v: Any) -> tuple[Any, str]:
    """Python values YAML loaders make that JSON has no kind for, as kubectl sends them:
    timestamps and dates as strings, other mappings and sequences as such."""
    if isinstance(v, datetime.datetime):
        text = v.isoformat()
        return (text[:-6] + "Z" if text.endswith("+00:00") else text), "string"
    if isinstance(v, datetime.date):
        return v.isoformat(), "string"
    if isinstance(v, bool):
        return v, "boolean"
    if isinstance(v, int):
        return int(v), "integer"
    if isinstance(v, float):
        return float(v), "number"
    if isinstance(v, str):
        return str(v), "string"
    if isinstance(v, dict):
        return dict(v), "object"
    if isinstance(v, (list, tuple)):
        return list(v), "array"
    return v, type(v).__name__


def _format_ok(fmt: str, v: str) -> bool:
    if fmt == "date-time":
        m = _DATE_TIME.match(v)
        if not m:
            return False
        mo, d, h, mi, s = (int(m.group(i)) for i in (2, 3, 4, 5, 6))
        return 1 <= mo <= 12 and 1 <= d <= 31 and h < 24 and mi < 60 and s < 61
    if fmt == "byte":
        try:
            base64.b64decode(v.replace("\n", "").replace("\r", ""), validate=True)
        except (binascii.Error, ValueError):
            return False
        return True
    return True  # int32/int64/double/float qualify numbers and are not range checks here


def _enum_key(v: Any, kind: str) -> Any:
    """Equality as JSON has it: 1 is not true, "1" is not 1."""
    if kind in ("string", "integer", "boolean"):
        return (kind, v)
    if kind == "number":
        return ("integer", int(v)) if v.is_integer() else (kind, v)
    return ("json", _json_key(v))


def _json_key(v: Any) -> str:
    return json.dumps(v, sort_keys=True, separators=(",", ":"))


def _go_map(d: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{json.dumps(k)}: {show(v)}" for k, v in d.items()) + "}"


def _num(x: Any) -> str:
    return str(int(x)) if isinstance(x, float) and x.is_integer() else str(x)


def _key(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# --------------------------------------------------------------- validation
class Walk:
    """One object's validation. ``strict`` collects unknown fields (structural pass)."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def add(self, path: str, kind: str, message: str, **extra: Any) -> None:
        self.issues.append(Issue(path=path, message=message, kind=kind, **extra))

    # Returns the value as the API server would hold it after pruning (nulls of
    # non-nullable fields and unknown fields dropped); the same object when unchanged.
    def check(self, node: Node, v: Any, path: str, strict: bool = True) -> Any:
        if v is None:
            if node.nullable or node.accepts is None:
                return v
            self.add(path, "type", f"Invalid value: \"null\": must be of type {node.type_name or 'integer or string'}")
            return v
        kind = _KINDS.get(type(v))
        if kind is None:
            v, kind = _as_json(v)
        accepts = node.accepts
        if kind == "number" and accepts is not None and "number" not in accepts and "integer" in accepts and v.is_integer():
            # A JSON number with no fraction (3.0) decodes as an integer for the API server,
            # and the CEL rules see it as one.
            v, kind = int(v), "integer"
        if accepts is not None and kind not in accepts:
            if node.int_or_string:
                self.add(path, "type", f"Invalid value: {show(kind)}: must be an integer or a string")
            else:
                self.add(path, "type", f"Invalid value: {show(kind)}: must be of type {','.join(node.types)}")
            return v

        if kind == "object":
            v = self._object(node, v, path, strict)
        elif kind == "array":
            v = self._array(node, v, path, strict)
        elif kind == "string":
            if node.has_string_checks:
                self._string(node, v, path)
        elif kind == "integer" or kind == "number":
            if node.has_number_checks:
                self._number(node, v, path)

        if node.enum is not None:
            if _enum_key(v, kind) not in node.enum_keys:
                supported = ", ".join(show(e) for e in node.enum)
                self.add(path, "unsupported", f"Unsupported value: {show(v)}: supported values: {supported}")
        if node.has_compositions:
            self._compositions(node, v, path)
        return v

    def _string(self, node: Node, v: str, path: str) -> None:
        if node.max_length is not None and len(v) > node.max_length:
            self.add(path, "too-long", f"Too long: may not be more than {node.max_length} bytes")
        if node.min_length is not None and len(v) < node.min_length:
            self.add(path, "invalid", f"Invalid value: {show(v)}: should be at least {node.min_length} chars long")
        if node.pattern is not None and not node.pattern.search(v):
            self.add(path, "invalid", f"Invalid value: {show(v)}: should match '{node.pattern_src}'")
        if node.format and not _format_ok(node.format, v):
            self.add(path, "invalid", f"Invalid value: {show(v)}: must be of type {node.format}")

    def _number(self, node: Node, v: float, path: str) -> None:
        if node.minimum is not None:
            if v < node.minimum or (node.exclusive_minimum and v == node.minimum):
                op = "greater than" if node.exclusive_minimum else "greater than or equal to"
                self.add(path, "invalid", f"Invalid value: {show(v)}: should be {op} {_num(node.minimum)}")
        if node.maximum is not None:
            if v > node.maximum or (node.exclusive_maximum and v == node.maximum):
                op = "less than" if node.exclusive_maximum else "less than or equal to"
                self.add(path, "invalid", f"Invalid value: {show(v)}: should be {op} {_num(node.maximum)}")
        if node.multiple_of and (v / node.multiple_of) % 1 != 0:
            self.add(path, "invalid", f"Invalid value: {show(v)}: should be a multiple of {_num(node.multiple_of)}")

    def _object(self, node: Node, v: dict[str, Any], path: str, strict: bool) -> dict[str, Any]:
        out: dict[str, Any] | None = None  # copy-on-write
        for key, val in v.items():
            key_s = key if isinstance(key, str) else str(key)
            sub = node.child(key_s)
            if sub is None:
                # Only the structural pass knows which fields exist; value validations
                # (oneOf/anyOf/allOf/not) neither report nor prune what they don't name.
                if strict and not node.allows_unknown():
                    self.add(_key(path, key_s), "unknown", "unknown field")
                    out = out if out is not None else dict(v)
                    out.pop(key, None)
                continue
            if val is None and not sub.nullable:
                # The API server drops nulls of non-nullable fields before validating.
                out = out if out is not None else dict(v)
                out.pop(key, None)
                continue
            child_path = _key(path, key_s) if node.properties and key_s in node.properties else f"{path}[{key_s}]"
            new = self.check(sub, val, child_path, strict)
            if new is not val or key is not key_s:
                out = out if out is not None else dict(v)
                out.pop(key, None)
                out[key_s] = new
        v = out if out is not None else v
        for req in node.required:
            if req not in v:
                self.add(_key(path, req), "required", "Required value")
        n = len(v)
        if node.max_properties is not None and n > node.max_properties:
            self.add(path, "too-many", f"Too many: {n}: must have at most {node.max_properties} items")
        if node.min_properties is not None and n < node.min_properties:
            self.add(path, "invalid", f"Invalid value: {n}: should have at least {node.min_properties} properties")
        return v

    def _array(self, node: Node, v: list[Any], path: str, strict: bool) -> list[Any]:
        out: list[Any] | None = None
        if node.items is not None:
            for i, item in enumerate(v):
                new = self.check(node.items, item, f"{path}[{i}]", strict)
                if new is not item:
                    out = out if out is not None else list(v)
                    out[i] = new
        v = out if out is not None else v
        n = len(v)
        if node.max_items is not None and n > node.max_items:
            self.add(path, "too-many", f"Too many: {n}: must have at most {node.max_items} items")
        if node.min_items is not None and n < node.min_items:
            self.add(path, "invalid", f"Invalid value: {n}: should have at least {node.min_items} items")
        if node.unique_items or node.list_type == "set":
            seen: set[str] = set()
            for i, item in enumerate(v):
                k = _json_key(item)
                if k in seen:
                    self.add(f"{path}[{i}]", "duplicate", f"Duplicate value: {show(item)}")
                seen.add(k)
        elif node.list_type == "map" and node.list_map_keys:
            seen_keys: set[str] = set()
            for i, item in enumerate(v):
                if not isinstance(item, dict):
                    continue
                key_vals = {k: item.get(k) for k in node.list_map_keys}
                k = _json_key([[item[k]] if k in item else [] for k in node.list_map_keys])
                if k in seen_keys:
                    self.add(f"{path}[{i}]", "duplicate", f"Duplicate value: {_go_map(key_vals)}")
                seen_keys.add(k)
        return v

    def _compositions(self, node: Node, v: Any, path: str) -> None:
        if node.all_of is not None:
            for sub in node.all_of:
                for issue in self._sub(sub, v, path):
                    self.issues.append(issue)
        if node.any_of is not None and not node.int_or_string:
            if not any(self._passes(sub, v, path) for sub in node.any_of):
                self.add(path, "invalid", f"Invalid value: {show(type_of(v))}: must validate at least one schema (anyOf)")
        if node.one_of is not None:
            passing = [i for i, sub in enumerate(node.one_of) if self._passes(sub, v, path)]
            if len(passing) != 1:
                detail = _one_of_detail(node.one_of, v)
                msg = f"Invalid value: {show(type_of(v))}: must validate one and only one schema (oneOf)"
                self.add(path, "invalid", msg + (f": {detail}" if detail else f". Found {len(passing)} valid alternatives"))
        if node.not_ is not None and self._passes(node.not_, v, path):
            self.add(path, "invalid", f"Invalid value: {show(type_of(v))}: must not validate the schema (not)")

    def _passes(self, node: Node, v: Any, path: str) -> bool:
        if node.only_required and isinstance(v, dict):
            # Istio's one-of alternatives are just {required: [field]}: answer directly.
            return all(r in v for r in node.required)
        if node.only_not_any_of_required and isinstance(v, dict):
            return not any(all(r in v for r in alt.required) for alt in node.not_.any_of)  # type: ignore[union-attr]
        return not self._sub(node, v, path)

    def _sub(self, node: Node, v: Any, path: str) -> list[Issue]:
        w = Walk()
        w.check(node, v, path, strict=False)
        return w.issues

    # ------------------------------------------------------------ CEL rules
    def rules(self, node: Node, v: Any, path: str) -> None:
        """Evaluate rules at every node of the pruned value, parent before children."""
        if v is None or not node.subtree_rules:
            return  # rules never see nulls; the parent checks presence
        for rule in node.rules:
            out = rule.evaluate(v)
            if out is None or out.ok:
                continue
            where = path + _field_path_suffix(rule.field_path) if rule.field_path else path
            value = show(node.type_name) if node.type_name else '""'
            if out.error is not None:
                self.add(where, "rule", f"Invalid value: {value}: {out.error} evaluating rule: {rule.error_label()}", rule=rule.rule)
            elif rule.reason == "FieldValueForbidden":
                self.add(where, "rule", f"Forbidden: {out.message}", rule=rule.rule)
            elif rule.reason == "FieldValueRequired":
                self.add(where, "rule", f"Required value: {out.message}", rule=rule.rule)
            elif rule.reason == "FieldValueDuplicate":
                self.add(where, "rule", f"Duplicate value: {value}: {out.message}", rule=rule.rule)
            else:
                self.add(where, "rule", f"Invalid value: {value}: {out.message}", rule=rule.rule)
        if isinstance(v, dict):
            for key, val in v.items():
                sub = node.child(key)
                if sub is not None and sub.subtree_rules:
                    cp = _key(path, key) if node.properties and key in node.properties else f"{path}[{key}]"
                    self.rules(sub, val, cp)
        elif isinstance(v, list) and node.items is not None and node.items.subtree_rules:
            for i, item in enumerate(v):
                self.rules(node.items, item, f"{path}[{i}]")


def _one_of_detail(alts: list[Node], v: Any) -> str:
    """Istio's "at most one of these fields" shape, said in words."""
    names: list[str] = []
    for alt in alts:
        if alt.not_ is not None and alt.not_.any_of is not None:
            continue
        if len(alt.required) == 1 and alt.properties is None:
            names.append(alt.required[0])
        else:
            return ""
    if not names or not isinstance(v, dict):
        return ""
    present = [n for n in names if n in v]
    return f"at most one of {', '.join(names)} may be set, found {', '.join(present)}"


_FIELD_PATH_PART = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\[\s*'((?:[^'\\]|\\.)*)'\s*\]")


def _field_path_suffix(fp: str) -> str:
    """A rule's ``fieldPath`` (``.a.b`` or ``.a['b.c']``) appended to the node's path."""
    out, pos = "", 0
    while pos < len(fp):
        m = _FIELD_PATH_PART.match(fp, pos)
        if not m:
            return out + fp[pos:]
        out += f".{m.group(1)}" if m.group(1) is not None else f"[{m.group(2)}]"
        pos = m.end()
    return out
