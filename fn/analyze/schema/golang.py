"""Go's parsers that the Kubernetes CEL library leans on, re-implemented: what the API
server accepts as a duration (``time.ParseDuration``) and as a URL
(``url.ParseRequestURI``). Kubernetes answers with these, so we do too; Python's own
parsers accept and reject different strings."""

from __future__ import annotations

import re
from ...records import record

# ------------------------------------------------------------------ durations
_NS_PER = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # micro sign
    "\u03bcs": 1_000,  # Greek mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_NUMBER = re.compile(r"([0-9]*)(?:\.([0-9]*))?")
_INT64_MAX = (1 << 63) - 1


def parse_duration(text: str) -> int:
    """Nanoseconds in ``text`` (``1h30m``, ``1.5s``, ``-300ms``, ``0``), as Go reads it.

    Raises ValueError with Go's message for anything Go rejects."""
    quoted = _go_quote(text)
    s, neg = text, False
    if s[:1] in ("+", "-"):
        neg, s = s[0] == "-", s[1:]
    if s == "0":
        return 0
    if not s:
        raise ValueError(f"time: invalid duration {quoted}")
    total = 0
    while s:
        m = _NUMBER.match(s)
        whole, frac = m.group(1), m.group(2)
        if not whole and not frac:
            raise ValueError(f"time: invalid duration {quoted}")
        s = s[m.end() :]
        i = 0
        while i < len(s) and s[i] != "." and not ("0" <= s[i] <= "9"):
            i += 1
        if i == 0:
            raise ValueError(f"time: missing unit in duration {quoted}")
        unit, s = s[:i], s[i:]
        per = _NS_PER.get(unit)
        if per is None:
            raise ValueError(f"time: unknown unit {_go_quote(unit)} in duration {quoted}")
        value = int(whole or "0") * per
        if frac:
            value += int(frac) * per // 10 ** len(frac)
        total += value
        if total > _INT64_MAX + (1 if neg else 0):
            raise ValueError(f"time: invalid duration {quoted}")
    return -total if neg else total


def _go_quote(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


# ------------------------------------------------------------------------ URLs
@record
class URL:
    scheme: str = ""
    opaque: str = ""
    userinfo: str | None = None
    host: str = ""
    path: str = ""  # as written (still escaped)
    raw_query: str = ""

    @property
    def hostname(self) -> str:
        host = self.host
        if host.startswith("["):
            end = host.find("]")
            return host[1:end] if end >= 0 else host[1:]
        colon = host.rfind(":")
        return host[:colon] if colon >= 0 else host

    @property
    def port(self) -> str:
        host = self.host
        colon = host.rfind(":")
        if colon < 0 or (host.startswith("[") and colon < host.find("]")):
            return ""
        return host[colon + 1 :]


def parse_request_uri(raw: str) -> URL:
    """Go's ``url.ParseRequestURI``: an absolute URI or an absolute path, no fragment."""
    try:
        return _parse(raw)
    except ValueError as e:
        raise ValueError(f"parse {_go_quote(raw)}: {e}") from None


def _parse(raw: str) -> URL:
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw):
        raise ValueError("net/url: invalid control character in URL")
    if raw == "":
        raise ValueError("empty url")
    if raw == "*":
        return URL(path="*")
    scheme, rest = _split_scheme(raw)
    scheme = scheme.lower()
    query = ""
    if rest.endswith("?") and rest.count("?") == 1:
        rest = rest[:-1]
    elif "?" in rest:
        rest, _, query = rest.partition("?")
    if not rest.startswith("/"):
        if scheme:
            return URL(scheme=scheme, opaque=rest, raw_query=query)
        raise ValueError("invalid URI for request")
    userinfo, host = None, ""
    if scheme and rest.startswith("//"):
        authority, rest = rest[2:], ""
        slash = authority.find("/")
        if slash >= 0:
            authority, rest = authority[:slash], authority[slash:]
        userinfo, host = _parse_authority(authority)
    _unescape(rest, "path")
    return URL(scheme=scheme, userinfo=userinfo, host=host, path=rest, raw_query=query)


def _split_scheme(raw: str) -> tuple[str, str]:
    for i, c in enumerate(raw):
        if "a" <= c <= "z" or "A" <= c <= "Z":
            continue
        if "0" <= c <= "9" or c in "+-.":
            if i == 0:
                return "", raw
            continue
        if c == ":":
            if i == 0:
                raise ValueError("missing protocol scheme")
            return raw[:i], raw[i + 1 :]
        return "", raw
    return "", raw


_USERINFO_OK = set("-._:~!$&'()*+,;=%@")


def _parse_authority(authority: str) -> tuple[str | None, str]:
    at = authority.rfind("@")
    if at < 0:
        return None, _parse_host(authority)
    host = _parse_host(authority[at + 1 :])
    userinfo = authority[:at]
    if any(not (c.isascii() and c.isalnum()) and c not in _USERINFO_OK for c in userinfo):
        raise ValueError("net/url: invalid userinfo")
    _unescape(userinfo, "userinfo")
    return userinfo, host


def _valid_optional_port(port: str) -> bool:
    if port == "":
        return True
    return port[0] == ":" and all("0" <= c <= "9" for c in port[1:])


def _parse_host(host: str) -> str:
    if host.startswith("["):
        end = host.rfind("]")
        if end < 0:
            raise ValueError("missing ']' in host")
        if not _valid_optional_port(host[end + 1 :]):
            raise ValueError(f"invalid port {_go_quote(host[end + 1:])} after host")
    else:
        colon = host.rfind(":")
        if colon >= 0 and not _valid_optional_port(host[colon:]):
            raise ValueError(f"invalid port {_go_quote(host[colon:])} after host")
    _unescape(host, "host")
    return host


_HEX = set("0123456789abcdefABCDEF")
_HOST_OK = set("-_.~!$&'()*+,;=:[]<>\"")


def _unescape(s: str, mode: str) -> None:
    """Only the checks of Go's ``unescape``: malformed escapes, and bad host bytes."""
    i = 0
    while i < len(s):
        c = s[i]
        if c == "%":
            if i + 2 >= len(s) or s[i + 1] not in _HEX or s[i + 2] not in _HEX:
                raise ValueError(f"invalid URL escape {_go_quote(s[i:i + 3])}")
            if mode == "host" and int(s[i + 1], 16) < 8 and s[i : i + 3] != "%25":
                raise ValueError(f"invalid URL escape {_go_quote(s[i:i + 3])}")
            i += 3
            continue
        if mode == "host" and ord(c) < 0x80 and not (c.isalnum() or c in _HOST_OK):
            raise ValueError(f"invalid character {_go_quote(c)} in host name")
        i += 1
