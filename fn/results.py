"""KRM function results (kpt's ``results`` field), written like log lines."""

from __future__ import annotations

from .records import mutable_record

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ERROR, WARNING, INFO = "error", "warning", "info"
_RANK = {INFO: 0, WARNING: 1, ERROR: 2}

# What can end a line or rewrite a terminal: C0 and C1 controls, DEL, Unicode line and
# paragraph separators, and the bidi controls that reorder text on screen. A translate
# table, not a regular expression: compiling this character class cost ~1 ms of every
# start-up (issue 15).
_UNSAFE = [*range(0x00, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, 0x200E, 0x200F, *range(0x202A, 0x202F),
           *range(0x2066, 0x206A)]
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPED = {c: _NAMED.get(chr(c)) or (f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}") for c in _UNSAFE}


def one_line(text: str) -> str:
    """``text`` with every line break and control character escaped, so that a name
    taken from the input (``"a\\nistio-mesh-fn: [info] ok"``) cannot forge a log line."""
    return text.translate(_ESCAPED)


@mutable_record
class Result:
    message: str
    severity: str = INFO
    resource_ref: dict[str, str] | None = None
    field: dict[str, Any] | None = None
    file: dict[str, Any] | None = None
    tags: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message, "severity": self.severity}
        if self.resource_ref:
            out["resourceRef"] = dict(self.resource_ref)
        if self.field:
            out["field"] = dict(self.field)
        if self.file:
            out["file"] = dict(self.file)
        if self.tags:
            out["tags"] = dict(self.tags)
        return out

    def describe(self) -> str:
        """One line for stderr, where kustomize and ArgoCD users see it."""
        where = []
        ref = self.resource_ref
        if ref:
            ns = ref.get("namespace")
            where.append(f"{ref.get('kind', '?')} {ns + '/' if ns else ''}{ref.get('name', '?')}")
        if self.field and self.field.get("path"):
            where.append(f"field {self.field['path']}")
        if self.file and self.file.get("path"):
            loc = self.file["path"]
            if self.file.get("index") is not None:
                loc += f"#{self.file['index']}"
            where.append(f"file {loc}")
        suffix = f" ({', '.join(where)})" if where else ""
        return one_line(f"[{self.severity}] {self.message}{suffix}")


class Results(list[Result]):
    """A list of results with logger-style helpers."""

    def add(self, severity: str, message: str, **kw: Any) -> Result:
        r = Result(message=message, severity=severity, **kw)
        self.append(r)
        return r

    def error(self, message: str, **kw: Any) -> Result:
        return self.add(ERROR, message, **kw)

    def warning(self, message: str, **kw: Any) -> Result:
        return self.add(WARNING, message, **kw)

    def info(self, message: str, **kw: Any) -> Result:
        return self.add(INFO, message, **kw)

    def has_errors(self) -> bool:
        return any(r.severity == ERROR for r in self)

    def at_least(self, severity: str) -> list[Result]:
        floor = _RANK[severity]
        return [r for r in self if _RANK.get(r.severity, 0) >= floor]


def severity_rank(severity: str) -> int:
    return _RANK.get(severity, 0)
