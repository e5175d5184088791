"""``x-kubernetes-validations`` rules: compiled once per process, evaluated the way the
API server evaluates them.

The CEL engine is ``common-expression-language`` (Rust's cel-interpreter). On top of its
standard library we add the Kubernetes CEL library functions the Istio CRDs call
(``duration`` as Go parses it, ``url``/``isURL`` and the URL accessors, the strings
extension's ``substring`` and friends), plus a few more of the lists/regex extensions
that cost nothing to carry."""

from __future__ import annotations

import datetime
import re
import threading
from functools import lru_cache
from typing import Any, Callable

from . import golang
from ...records import mutable_record


def _load_cel() -> Any:
    """The engine's compiled extension module.

    The ``cel`` package's ``__init__`` also imports its command-line REPL (typer, rich,
    prompt_toolkit: about 0.3 s). We need only the extension, so we load it on its own
    and register it under its usual name, where a later ``import cel`` finds and reuses
    it. Any surprise in the package's layout falls back to the plain import.
    """
    import importlib.machinery
    import importlib.util
    import sys

    loaded = sys.modules.get("cel.cel")
    if loaded is not None:
        return loaded
    try:
        spec = importlib.util.find_spec("cel")
        locations = list(spec.submodule_search_locations or []) if spec else []
        for loc in locations:
            for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                path = f"{loc}/cel{suffix}"
                ext = importlib.util.spec_from_file_location("cel.cel", path)
                if ext is None or ext.loader is None or not __import__("os").path.exists(path):
                    continue
                module = importlib.util.module_from_spec(ext)
                sys.modules["cel.cel"] = module
                ext.loader.exec_module(module)
                if hasattr(module, "compile") and hasattr(module, "Context"):
                    return module
                del sys.modules["cel.cel"]
    except Exception:  # pragma: no cover - depends on the installed wheel
        sys.modules.pop("cel.cel", None)
    import cel  # pragma: no cover

    return cel  # pragma: no cover


cel = _load_cel()

# ---------------------------------------------------------------- functions
# A Python function that raises makes the engine print a traceback line of its own, so
# our functions never let an exception out: they record the error (the first one wins)
# and return null, which fails the next operation or the rule; ``_execute`` then reports
# the recorded error, as the API server reports an evaluation error.
_last_error = threading.local()


class _RuleError(ValueError):
    pass


def _fail(msg: str) -> None:
    raise _RuleError(msg)


def _guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        try:
            return fn(*args)
        except _RuleError as e:
            msg = str(e)
        except Exception as e:  # noqa: BLE001 - a bug in a helper must not kill the run
            msg = f"{type(e).__name__}: {e}"
        if getattr(_last_error, "msg", None) is None:
            _last_error.msg = msg
        return None

    call.__name__ = getattr(fn, "__name__", "call")
    return call


def _duration(s: Any) -> datetime.timedelta:
    if isinstance(s, datetime.timedelta):
        return s
    if not isinstance(s, str):
        _fail("no such overload: duration")
    return _parse_duration(s)


@lru_cache(maxsize=4096)
def _parse_duration(s: str) -> datetime.timedelta:
    try:
        ns = golang.parse_duration(s)
    except ValueError as e:
        _fail(f"string to duration conversion failed: {e}")
    # Truncate toward zero to microseconds (the engine's resolution through Python):
    # comparisons with whole-microsecond bounds such as 1ms stay exact.
    us = abs(ns) // 1000
    return datetime.timedelta(microseconds=-us if ns < 0 else us)


_URL_KEY = "__k8s_url__"


def _url(s: Any) -> dict[str, Any]:
    if not isinstance(s, str):
        _fail("no such overload: url")
    try:
        u = golang.parse_request_uri(s)
    except ValueError as e:
        _fail(f"URL parse error during conversion from string: {e}")
    return {
        _URL_KEY: s,
        "scheme": u.scheme,
        "host": u.host,
        "hostname": u.hostname,
        "port": u.port,
        "path": u.path,
        "query": u.raw_query,
    }


def _is_url(s: Any) -> bool:
    if not isinstance(s, str):
        _fail("no such overload: isURL")
    try:
        golang.parse_request_uri(s)
    except ValueError:
        return False
    return True


def _url_part(part: str) -> Callable[[Any], str]:
    def get(u: Any) -> str:
        if not isinstance(u, dict) or _URL_KEY not in u:
            _fail(f"no such overload: get{part.capitalize()}")
        return u[part]

    return get


def _get_query(u: Any) -> dict[str, list[str]]:
    from urllib.parse import parse_qs

    if not isinstance(u, dict) or _URL_KEY not in u:
        _fail("no such overload: getQuery")
    return {k: v for k, v in parse_qs(u["query"], keep_blank_values=True).items()}


def _str_arg(name: str, *vals: Any) -> None:
    if not all(isinstance(v, str) for v in vals):
        _fail(f"no such overload: {name}")


def _substring(s: Any, start: Any, end: Any = None) -> str:
    _str_arg("substring", s)
    n = len(s)
    end = n if end is None else end
    if not (isinstance(start, int) and isinstance(end, int)):
        _fail("no such overload: substring")
    if start < 0 or start > n:
        _fail(f"index out of range: {start}")
    if end < 0 or end > n:
        _fail(f"index out of range: {end}")
    if start > end:
        _fail(f"invalid substring range. start: {start}, end: {end}")
    return s[start:end]


def _char_at(s: Any, i: Any) -> str:
    _str_arg("charAt", s)
    if not isinstance(i, int) or i < 0 or i > len(s):
        _fail(f"index out of range: {i}")
    return s[i : i + 1]


def _index_of(x: Any, sub: Any, start: Any = 0) -> int:
    if isinstance(x, list):
        return next((i for i, v in enumerate(x) if v == sub), -1)
    _str_arg("indexOf", x, sub)
    if not isinstance(start, int) or start < 0 or start > len(x):
        _fail(f"index out of range: {start}")
    return x.find(sub, start)


def _last_index_of(x: Any, sub: Any, end: Any = None) -> int:
    if isinstance(x, list):
        return next((i for i in range(len(x) - 1, -1, -1) if x[i] == sub), -1)
    _str_arg("lastIndexOf", x, sub)
    if end is None:
        return x.rfind(sub)
    if not isinstance(end, int) or end < 0 or end >= len(x):
        _fail(f"index out of range: {end}")
    return x.rfind(sub, 0, end + len(sub))


def _ascii_case(upper: bool) -> Callable[[Any], str]:
    table = str.maketrans(
        "abcdefghijklmnopqrstuvwxyz" if upper else "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if upper else "abcdefghijklmnopqrstuvwxyz",
    )

    def conv(s: Any) -> str:
        _str_arg("upperAscii" if upper else "lowerAscii", s)
        return s.translate(table)

    return conv


def _replace(s: Any, old: Any, new: Any, n: Any = -1) -> str:
    _str_arg("replace", s, old, new)
    return s.replace(old, new, n if isinstance(n, int) and n >= 0 else -1)


def _split(s: Any, sep: Any, n: Any = -1) -> list[str]:
    _str_arg("split", s, sep)
    if n == 0:
        return []
    if sep == "":
        parts = list(s)
        if isinstance(n, int) and 0 < n < len(parts):
            parts = parts[: n - 1] + ["".join(parts[n - 1 :])]
        return parts
    return s.split(sep, n - 1 if isinstance(n, int) and n > 0 else -1)


def _trim(s: Any) -> str:
    _str_arg("trim", s)
    return s.strip()


def _join(xs: Any, sep: Any = "") -> str:
    if not isinstance(xs, list) or not all(isinstance(x, str) for x in xs) or not isinstance(sep, str):
        _fail("no such overload: join")
    return sep.join(xs)


def _is_sorted(xs: Any) -> bool:
    if not isinstance(xs, list):
        _fail("no such overload: isSorted")
    return all(xs[i] <= xs[i + 1] for i in range(len(xs) - 1))


def _sum(xs: Any) -> Any:
    if not isinstance(xs, list):
        _fail("no such overload: sum")
    return sum(xs)


def _find(s: Any, pattern: Any) -> str:
    _str_arg("find", s, pattern)
    m = _regex(pattern).search(s)
    return m.group(0) if m else ""


def _find_all(s: Any, pattern: Any, limit: Any = -1) -> list[str]:
    _str_arg("findAll", s, pattern)
    out = [m.group(0) for m in _regex(pattern).finditer(s)]
    return out[:limit] if isinstance(limit, int) and limit >= 0 else out


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as e:
        _fail(f"invalid regex {pattern!r}: {e}")
        raise


# Names the engine already defines with other semantics get our own spelling, and the
# rule source is rewritten to call it (outside string literals).
_RENAMED = {"duration": "k8s_duration"}

_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "k8s_duration": _duration,
    "url": _url,
    "isURL": _is_url,
    "getScheme": _url_part("scheme"),
    "getHost": _url_part("host"),
    "getHostname": _url_part("hostname"),
    "getPort": _url_part("port"),
    "getEscapedPath": _url_part("path"),
    "getQuery": _get_query,
    "substring": _substring,
    "charAt": _char_at,
    "indexOf": _index_of,
    "lastIndexOf": _last_index_of,
    "lowerAscii": _ascii_case(False),
    "upperAscii": _ascii_case(True),
    "replace": _replace,
    "split": _split,
    "trim": _trim,
    "join": _join,
    "isSorted": _is_sorted,
    "sum": _sum,
    "find": _find,
    "findAll": _find_all,
}
FUNCTIONS: dict[str, Callable[..., Any]] = {name: _guard(fn) for name, fn in _FUNCTIONS.items()}

_TOKEN = re.compile(
    r"""('''[\s\S]*?'''|\"\"\"[\s\S]*?\"\"\"|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'"""
    r"|(?<![.\w])(?:" + "|".join(_RENAMED) + r")(?=\s*\())"
)


def rewrite(source: str) -> str:
    """Point calls of renamed functions at ours; string literals and field selections
    (``self.duration``) stay as written."""

    def sub(m: re.Match[str]) -> str:
        tok = m.group(0)
        return _RENAMED.get(tok, tok)

    return _TOKEN.sub(sub, source)


# ------------------------------------------------------------------- rules
@mutable_record
class Outcome:
    ok: bool
    message: str = ""  # the rule's message (or messageExpression's), when it failed
    error: str | None = None  # evaluation error text, when the rule could not run


class Rule:
    """One ``x-kubernetes-validations`` entry, compiled on first use."""

    __slots__ = (
        "rule", "message", "message_expression", "field_path", "reason", "_program",
        "_msg_program", "_transition", "_funcs",
    )  # fmt: skip

    def __init__(self, spec: dict[str, Any]):
        self.rule: str = spec["rule"]
        self.message: str = str(spec.get("message") or "")
        self.message_expression: str = str(spec.get("messageExpression") or "")
        self.field_path: str = str(spec.get("fieldPath") or "")
        self.reason: str = str(spec.get("reason") or "FieldValueInvalid")
        self._program: Any = None
        self._msg_program: Any = None
        self._transition: bool | None = None
        self._funcs: dict[str, Callable[..., Any]] = {}

    def default_message(self) -> str:
        if self.message.strip():
            return self.message.strip()
        return f"failed rule: {self.rule.strip()}"

    def error_label(self) -> str:
        """What the API server names a rule by in an evaluation error."""
        return self.message.strip() or self.rule.strip()

    def evaluate(self, value: Any) -> Outcome | None:
        """None when the rule does not apply on create (it reads ``oldSelf``)."""
        program = self._program or self._compile()
        if self._transition:
            return None
        if isinstance(program, str):
            return Outcome(False, error=program)
        ctx = {"self": value}
        result, err = _execute(program, ctx, self._funcs)
        if err is not None:
            return Outcome(False, error=err)
        if result is True:
            return Outcome(True)
        if not isinstance(result, bool):
            return Outcome(False, error=f"rule returned {type(result).__name__}, not bool")
        return Outcome(False, message=self._render_message(ctx))

    def _compile(self) -> Any:
        try:
            program, funcs = compile_cached(self.rule)
        except Exception as e:  # noqa: BLE001 - a rule the engine can't parse must not stop the run
            # Kept as the error every evaluation reports (the API server would have
            # refused such a CRD; we say so on the objects instead of failing).
            self._program = f"rule compilation failed: {e}"
            self._transition = False
            return self._program
        self._transition = "oldSelf" in program.variables()
        self._funcs = funcs
        self._program = program
        return program

    def _render_message(self, ctx: dict[str, Any]) -> str:
        if self.message_expression:
            if self._msg_program is None:
                self._msg_program = compile_cached(self.message_expression)
            text, err = _execute(self._msg_program[0], ctx, self._msg_program[1])
            # The API server falls back to the static message when the expression
            # fails, returns no string, or returns blank/multi-line text.
            if err is None and isinstance(text, str) and text.strip() and "\n" not in text.strip():
                return text.strip()
        return self.default_message()


@lru_cache(maxsize=None)
def compile_cached(source: str) -> tuple[Any, dict[str, Callable[..., Any]]]:
    """The program, and the library functions it calls (only those go in its context:
    a context carrying functions costs several times more to evaluate in)."""
    program = cel.compile(rewrite(source))
    funcs = {name: FUNCTIONS[name] for name in program.functions() if name in FUNCTIONS}
    return program, funcs


def _execute(program: Any, variables: dict[str, Any], funcs: dict[str, Callable[..., Any]]) -> tuple[Any, str | None]:
    _last_error.msg = None
    ctx: Any = cel.Context(variables, funcs) if funcs else variables
    try:
        result = program.execute(ctx)
    except KeyError as e:
        return None, f"no such key: {e.args[0] if e.args else ''}"
    except ZeroDivisionError:
        return None, "division by zero"
    except Exception as e:  # the engine raises RuntimeError/TypeError/ValueError
        own = getattr(_last_error, "msg", None)
        if own:
            return None, own
        text = str(e)
        if isinstance(e, TypeError) and text.startswith("No such overload"):
            return None, "no such overload"
        return None, text
    own = getattr(_last_error, "msg", None)
    if own and result is not True:
        return None, own  # the error flowed on as null; a rule that still holds absorbed it
    return result, None
