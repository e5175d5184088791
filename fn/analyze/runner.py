"""Run analyzers: istioctl's message catalog, its Go-style templates, and selection.

The catalog (``data/messages.yaml``, istioctl's own) is read once per process, at the
first finding: a clean run (the generator checking its own output) never parses it. The
schema/CEL analyzer lives in its own module and is imported only when asked for: its
machinery is the one expensive import here.
"""

from __future__ import annotations

import functools
import os
import re
from .. import import_module
from ..records import record

from . import model
from .model import Analyzer, Context, Finding, Resource

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable

LEVELS = ("Info", "Warning", "Error")
_RANK = {name: i for i, name in enumerate(LEVELS)}

SCHEMA_MODULE = "schema_validation"

# istioctl leaves Kubernetes' own namespaces out of analysis altogether.
IGNORED_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease", "local-path-storage"})
_PACKAGE = "fn.analyze.analyzers"


def level_rank(level: str) -> int:
    return _RANK.get(level, 0)


@record
class Message:
    name: str
    code: str
    level: str
    template: str


@functools.lru_cache(maxsize=1)
def catalog() -> dict[str, Message]:
    from .. import yamlnodes as yn

    # A plain file beside this module, as fn/settings.py reads its defaults:
    # importlib.resources would add zipfile, tempfile and shutil to the function's start-up.
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "messages.yaml"),
              encoding="utf-8") as fh:
        text = fh.read()
    data = yn.to_py(yn.compose_all(text)[0])
    return {
        m["name"]: Message(name=m["name"], code=m["code"], level=m["level"], template=m["template"])
        for m in data["messages"]
    }


# ------------------------------------------------------------------ templates

# Compiled on the first finding (by re's own cache), not at every start-up.
_VERB = r"%([sqvd%])"


def go_quote(value: Any) -> str:
    """Go's ``%q`` of a string: double-quoted with Go's escapes."""
    out = ['"']
    for ch in str(value):
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\x{o:02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _go_value(value: Any) -> str:
    # %v and %s print Go values: slices as [a b c], booleans as true/false.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(_go_value(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    return str(value)


def render(template: str, args: Iterable[Any]) -> str:
    """Fill a Go format string (``%s %q %v %d``), as istioctl's ``fmt.Sprintf`` does."""
    values = list(args)
    pos = 0

    def sub(m: re.Match[str]) -> str:
        nonlocal pos
        verb = m.group(1)
        if verb == "%":
            return "%"
        if pos >= len(values):
            return f"%!{verb}(MISSING)"
        value = values[pos]
        pos += 1
        if verb == "q":
            if isinstance(value, (list, tuple)):
                return "[" + " ".join(go_quote(v) for v in value) + "]"
            return go_quote(value)
        if verb == "d" and not isinstance(value, (list, tuple)):
            try:
                return str(int(value))
            except (TypeError, ValueError):
                return f"%!d(string={value})"
        return _go_value(value)

    return re.sub(_VERB, sub, template)


# ------------------------------------------------------------------ selection

class UnknownAnalyzer(ValueError):
    pass


@functools.lru_cache(maxsize=2)
def family(module: str) -> str:
    """The kind an analyzer module reports on: its file is named ``<kind>_<check>``, after
    istioctl's ``<kind>.<Check>Analyzer``."""
    return module.rsplit(".", 1)[-1].split("_", 1)[0]


def _import_all(schema: bool, families: frozenset[str] | None = None) -> None:
    pkg = import_module(_PACKAGE)
    for name in _module_names(pkg.__path__):
        if name == SCHEMA_MODULE or (families is not None and family(name) not in families):
            continue
        import_module(f"{_PACKAGE}.{name}")
    if schema and schema_available():
        import_module(f"{_PACKAGE}.{SCHEMA_MODULE}")



def _module_names(paths: Iterable[str]) -> list[str]:
    """The package's modules and subpackages, sorted as pkgutil.iter_modules sorts them.
    pkgutil imports inspect (with ast, dis and tokenize), a measurable share of the
    start-up; the analyzers are installed as plain files (pip, the image), so a directory
    listing finds them."""
    names = set()
    for path in paths:
        for entry in os.listdir(path):
            if entry.startswith(("_", ".")):
                continue
            stem, ext = os.path.splitext(entry)
            if ext == ".py" and stem.isidentifier():
                names.add(stem)
            elif not ext and os.path.isfile(os.path.join(path, entry, "__init__.py")):
                names.add(entry)
    return sorted(names)


@functools.lru_cache(maxsize=1)
def schema_available() -> bool:
    """True when the schema/CEL analyzer and what it needs can be imported."""
    import importlib.util

    if importlib.util.find_spec(f"{_PACKAGE}.{SCHEMA_MODULE}") is None:
        return False
    try:
        import_module("fn.analyze.schema")
    except ImportError:
        return False
    return True


def _is_schema(cls: type[Analyzer]) -> bool:
    return cls.__module__ == f"{_PACKAGE}.{SCHEMA_MODULE}"


def available(schema: bool = False, families: frozenset[str] | None = None) -> list[type[Analyzer]]:
    """Registered analyzers; with ``families``, only those whose module reports on one of
    those kinds (the others are not even imported)."""
    _import_all(schema, families)
    pool = [
        c for c in model.REGISTRY
        if (schema or not _is_schema(c)) and (families is None or _is_schema(c) or family(c.__module__) in families)
    ]
    # The documented order whatever was imported first (a test module may import one
    # analyzer early): by module file, the CRD schema analyzer last.
    rank = {c: i for i, c in enumerate(model.REGISTRY)}
    return sorted(pool, key=lambda c: (_is_schema(c), c.__module__, rank[c]))


def names(schema: bool = True) -> list[str]:
    """Every analyzer name, in registration order, without repeats."""
    return list(dict.fromkeys(c.name for c in available(schema)))


def select(wanted: Iterable[str] | None = None, schema: bool = False,
           families: frozenset[str] | None = None) -> list[type[Analyzer]]:
    """Analyzer classes to run. Several classes may share one istioctl name (istioctl's
    schema analyzer covers both the CRD schema and Istio's own validation); asking for
    the name runs them all."""
    pool = available(schema, families)
    if wanted is None:
        return pool
    wanted = list(wanted)
    known = {c.name for c in pool}
    missing = [w for w in wanted if w not in known]
    if missing:
        raise UnknownAnalyzer(
            f"unknown analyzer{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
            f"known: {', '.join(sorted(known))}"
        )
    chosen = set(wanted)
    return [c for c in pool if c.name in chosen]


# ------------------------------------------------------------------ running

if TYPE_CHECKING:
    Report = Callable[..., None]


def _reporter(analyzer: str, sink: list[Finding]) -> Report:
    def report(message_name: str, resource: Resource, *args: Any, field: str | None = None) -> None:
        m = catalog()[message_name]  # parsed on the first finding only
        sink.append(Finding(code=m.code, name=m.name, level=m.level, analyzer=analyzer,
                            message=render(m.template, args), resource=resource, field=field))

    return report


def run(
    resources: list[Resource],
    *,
    analyzers: Iterable[str] | None = None,
    mesh_config: dict[str, Any] | None = None,
    schema: bool = False,
    dedupe: bool = True,
    cluster_domain: str = "cluster.local",
    families: frozenset[str] | None = None,
    gateway_api_channel: str = "standard",
) -> list[Finding]:
    """Findings of the selected analyzers, sorted as istioctl prints them (level, code,
    resource) and, unless ``dedupe`` is off, without repeats."""
    classes = select(analyzers, schema, families)
    ctx = Context(resources=[r for r in resources if not _ignored(r)], mesh_config=dict(mesh_config or {}),
                  cluster_domain=cluster_domain, gateway_api_channel=gateway_api_channel)
    findings: list[Finding] = []
    for cls in classes:
        sink: list[Finding] = []
        report = _reporter(cls.name, sink)
        try:
            cls().analyze(ctx, report)
        except Exception as exc:  # noqa: BLE001 - one broken analyzer must not hide the others
            sink.append(_internal_error(cls.name, exc))
        findings.extend(sink)
    return sort_findings(findings, dedupe=dedupe)


def _ignored(r: Resource) -> bool:
    return (r.name if r.kind == "Namespace" and not r.group else r.ns) in IGNORED_NAMESPACES


def _internal_error(analyzer: str, exc: Exception) -> Finding:
    m = catalog()["InternalError"]
    where = Resource(obj={"kind": "Analyzer", "metadata": {"name": analyzer}})
    detail = f"analyzer {analyzer} failed: {type(exc).__name__}: {exc}"
    return Finding(code=m.code, name=m.name, level=m.level, analyzer=analyzer,
                   message=render(m.template, [detail]), resource=where)


def sort_findings(findings: list[Finding], dedupe: bool = True) -> list[Finding]:
    def key(f: Finding) -> tuple[Any, ...]:
        r = f.resource
        return (-level_rank(f.level), f.code, r.kind, r.namespace, r.name, f.message, f.field or "")

    out = sorted(findings, key=key)
    if not dedupe:
        return out
    seen: set[tuple[Any, ...]] = set()
    unique = []
    for f in out:
        ident = f.identity()
        if ident not in seen:
            seen.add(ident)
            unique.append(f)
    return unique


def at_least(findings: Iterable[Finding], level: str) -> list[Finding]:
    floor = level_rank(level)
    return [f for f in findings if level_rank(f.level) >= floor]
