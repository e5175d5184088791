"""Routes a VirtualService can never use: rules after a catch-all, matches repeated
from an earlier rule, and URI prefixes an earlier prefix already covers.

istioctl reports these from its schema analyzer (Istio's own validation of the
VirtualService), hence the analyzer name; the CRD schema and CEL part of that analyzer
is ``schema_validation``.
"""

from __future__ import annotations


from ..model import VIRTUAL_SERVICE, Analyzer, Context, register
from ..runner import go_quote
from ..util import as_dict, as_int, as_list, as_str
from ...records import mutable_record

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

EXACT, PREFIX = "exact:", "prefix:"


@register
class VirtualServiceRulesAnalyzer(Analyzer):
    name = "schema.CollectionValidationAnalyzer(VirtualService)"
    description = "Finds VirtualService rules and matches that can never be used"

    def analyze(self, ctx: Context, report) -> None:
        for vs in ctx.of(VIRTUAL_SERVICE):
            for kind in ("http", "tcp", "tls"):
                routes = as_list(vs.spec.get(kind))
                if routes:
                    _unreachable(kind, routes, vs, report)


def _rule_name(kind: str, route: dict[str, Any], n: int) -> str:
    name = as_str(route.get("name")) if kind == "http" else ""
    return go_quote(name) if name else f"#{n}"


def _match_name(kind: str, match: dict[str, Any], n: int) -> str:
    name = as_str(match.get("name")) if kind == "http" else ""
    return go_quote(name) if name else f"#{n}"


def _canonical(value: Any) -> Any:
    # Istio compares matches by their JSON, where unset and zero values are omitted.
    if isinstance(value, dict):
        out = {k: _canonical(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", 0, False, {}, [])}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def _key(kind: str, match: dict[str, Any]) -> str:
    if kind == "http":
        match = {k: v for k, v in match.items() if k != "name"}
    return json_text(_canonical(match))


def json_text(value: Any) -> str:
    """``json.dumps(value, sort_keys=True, default=str)``, for the plain values YAML gives.
    Every generated VirtualService passes here in the self-check, and json would be one
    more import on every start-up (issue 15); tests/analyze/test_json_text.py holds the two side by side."""
    if isinstance(value, dict):
        keys = {_json_key(k): v for k, v in value.items()}
        return "{" + ", ".join(f"{_json_str(k)}: {json_text(keys[k])}" for k in sorted(keys)) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(json_text(v) for v in value) + "]"
    if value is None or isinstance(value, (bool, float)):
        return _json_key(value)
    if isinstance(value, int):
        return int.__repr__(value)
    return _json_str(value if isinstance(value, str) else str(value))


def _json_key(key: Any) -> str:
    # How json turns a mapping key into a string.
    if key is True or key is False:
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, float):
        if key != key:
            return "NaN"
        if key in (float("inf"), float("-inf")):
            return "Infinity" if key > 0 else "-Infinity"
        return float.__repr__(key)
    if isinstance(key, int):
        return int.__repr__(key)
    return key if isinstance(key, str) else str(key)


def _json_str(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch < " " or ch > "~":
            code = ord(ch)
            if code > 0xFFFF:
                code -= 0x10000
                out.append(f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}")
            else:
                out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _unreachable(kind: str, routes: list[Any], vs, report) -> None:
    seen: dict[str, int] = {}
    catch_all = -1
    prefixed: list[_PrefixMatch] = []
    for n, route in enumerate(routes):
        if not isinstance(route, dict):
            continue
        matches = as_list(route.get("match"))
        rule = _rule_name(kind, route, n)
        if not matches:
            if catch_all >= 0:
                report("VirtualServiceUnreachableRule", vs, rule, "only the last rule can have no matches",
                       field=f"spec.{kind}[{n}]")
            catch_all = n
            continue
        duplicates = 0
        for m, match in enumerate(matches):
            match = as_dict(match)
            if catch_all >= 0:
                report("VirtualServiceUnreachableRule", vs, rule, "route without matches defined before",
                       field=f"spec.{kind}[{n}]")
                continue
            key = _key(kind, match)
            if key in seen:
                dup = seen[key]
                report("VirtualServiceIneffectiveMatch", vs, rule, _match_name(kind, match, m),
                       _rule_name(kind, as_dict(routes[dup]), dup), field=f"spec.{kind}[{n}].match[{m}]")
                duplicates += 1
                continue
            seen[key] = n
            if kind == "http":
                pm = _prefix_match(rule, _match_name(kind, match, m), match, f"spec.http[{n}].match[{m}]")
                if pm is not None:
                    prefixed.append(pm)
        if duplicates == len(matches):
            report("VirtualServiceUnreachableRule", vs, rule, "all matches used by prior rules",
                   field=f"spec.{kind}[{n}]")

    for i, a in enumerate(prefixed):
        for b in prefixed[i + 1:]:
            if b.prefix != a.prefix and _covers(a, b):
                report("VirtualServiceIneffectiveMatch", vs, b.rule, f"{b.match} of prefix {b.prefix}",
                       f"{a.match} of prefix {a.prefix} on {a.rule}", field=b.field)


@mutable_record
class _PrefixMatch:
    rule: str
    match: str
    field: str
    prefix: str
    port: int
    method: str
    authority: str
    headers: dict[str, str]
    query: dict[str, str]
    without_headers: dict[str, str]


def _exact_or_prefix(value: Any) -> str:
    v = as_dict(value)
    if as_str(v.get("exact")):
        return EXACT + as_str(v.get("exact"))
    if as_str(v.get("prefix")):
        return PREFIX + as_str(v.get("prefix"))
    return ""


def _prefix_match(rule: str, name: str, match: dict[str, Any], field: str) -> _PrefixMatch | None:
    prefix = as_str(as_dict(match.get("uri")).get("prefix"))
    if not prefix:
        return None
    return _PrefixMatch(
        rule=rule, match=name, field=field, prefix=prefix,
        port=as_int(match.get("port")) or 0,
        # Istio takes a match without a method to be a GET.
        method=_exact_or_prefix(match.get("method")) or EXACT + "GET",
        authority=_exact_or_prefix(match.get("authority")),
        headers={str(k): _exact_or_prefix(v) for k, v in as_dict(match.get("headers")).items()},
        query={str(k): _exact_or_prefix(v) for k, v in as_dict(match.get("queryParams")).items()},
        without_headers={str(k): _exact_or_prefix(v) for k, v in as_dict(match.get("withoutHeaders")).items()},
    )


def _covers(a: _PrefixMatch, b: _PrefixMatch) -> bool:
    """Whether every request ``b`` matches is matched by the earlier ``a``."""
    if not b.prefix.startswith(a.prefix) or a.port != b.port:
        return False
    for x, y in ((a.method, b.method), (a.authority, b.authority)):
        if x != y and not x.startswith(y):
            return False
    for x, y in ((a.headers, b.headers), (a.query, b.query), (a.without_headers, b.without_headers)):
        if len(x) != len(y):
            return False
        for k, v in x.items():
            if k not in y or (v != y[k] and not v.startswith(y[k])):
                return False
    return True
