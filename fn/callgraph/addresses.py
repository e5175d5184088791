"""Text -> candidate network addresses: Kubernetes ``$(VAR)`` expansion, tokenising, and
parsing ``host``, ``host:port`` and ``scheme://[user@]host[:port][/path]``.

Pure string work; which addresses name a Service is decided in ``infer``.
"""

from __future__ import annotations

import ipaddress
import re
from ..records import record
from typing import Callable, Mapping


def expand(text: str, lookup: Callable[[str], str | None]) -> str:
    """``$(VAR)`` expansion exactly as the kubelet does it (k8s third_party/forked/golang/
    expansion): ``$$`` is a literal ``$``; an undefined ``$(VAR)`` stays as written; a
    ``$`` before anything else, or an unterminated ``$(``, is kept."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c != "$" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
        elif nxt == "(":
            close = text.find(")", i + 2)
            if close < 0:
                # Kubernetes emits "$(" and carries on after the "(".
                out.append("$(")
                i += 2
                continue
            name = text[i + 2:close]
            value = lookup(name)
            out.append(f"$({name})" if value is None else value)
            i = close + 1
        else:
            out.append("$" + nxt)
            i += 2
    return "".join(out)


def expand_env(entries: list[tuple[str, str | None]], base: Mapping[str, str]) -> dict[str, str]:
    """Values of a container's env list in order; each value sees only what is defined
    before it (``base``: envFrom and Service links, then earlier entries). ``None`` values
    (Secrets, fieldRefs: unknown here) are not defined, so references to them stay."""
    env: dict[str, str] = dict(base)
    out: dict[str, str] = {}
    for name, raw in entries:
        if raw is None:
            env.pop(name, None)
            continue
        value = expand(raw, env.get)
        env[name] = value
        out[name] = value
    return out


# Separators the issue names, plus quotes and brackets that wrap values in JSON, YAML
# flow lists and shell.
_SPLIT = re.compile(r"[\s,;=]+")
_STRIP = "\"'`()[]{}<>"
# Config languages end keys with ':' ("host: redis") and sentences with '.'.
_TRAIL = ":."
# Wrapper schemes in front of the real URL: jdbc:mysql://..., r2dbc:pool:postgresql://...
_WRAPPERS = re.compile(r"^(?:jdbc|r2dbc):(?:(?:tc|pool|log4jdbc|otel|p6spy|aws-wrapper):)*", re.I)
_ORACLE = re.compile(r"^oracle:[a-z]+:@(//)?(?P<rest>.+)$", re.I)
# Searched, not anchored: a URL may follow a label ("heap:https://olm-operator-metrics:8443").
_URL = re.compile(r"(?<![A-Za-z0-9+.\-])(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?P<authority>[^/?#]*)(?P<rest>.*)$")
_HOSTPORT = re.compile(r"^(?P<host>[A-Za-z0-9.\-_]+):(?P<port>\d{1,5})(?:[/:?#].*)?$")
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9\-_.]*[A-Za-z0-9])?$")
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$")
_TEMPLATED = ("$(", "${", "{{", "%(")
_GO_DSN = re.compile(r"@(?:tcp|tcp4|tcp6)\((?P<addr>[^()]+)\)")

# Ports a client uses for a URL that gives none.
SCHEME_PORTS = {
    "http": 80, "ws": 80, "https": 443, "wss": 443, "grpcs": 443,
    "redis": 6379, "rediss": 6379, "mongodb": 27017, "postgres": 5432, "postgresql": 5432,
    "mysql": 3306, "mariadb": 3306, "amqp": 5672, "amqps": 5671, "nats": 4222,
    "memcached": 11211, "ldap": 389, "ldaps": 636, "ftp": 21, "sqlserver": 1433,
    "cassandra": 9042, "zookeeper": 2181, "kafka": 9092, "mqtt": 1883,
}


@record
class Address:
    host: str  # lower-case, no trailing dot
    port: int | None  # as written; None when the text gives none
    scheme: str  # lower-case; "" when none
    text: str  # the token it came from

    @property
    def effective_port(self) -> int | None:
        return self.port if self.port is not None else SCHEME_PORTS.get(self.scheme)

    @property
    def bare(self) -> bool:
        """Just a word: the weakest evidence (it may be a name, not an address)."""
        return self.port is None and not self.scheme and "." not in self.host


def tokens(text: str) -> list[str]:
    out = []
    for raw in _SPLIT.split(text):
        tok = raw.strip(_STRIP)
        # A trailing ':' or '.' is punctuation, not part of the address; but keep "x::"?
        # Nothing an address ends with, so strip them all.
        tok = tok.rstrip(_TRAIL).strip(_STRIP)
        if tok:
            out.append(tok)
    return out


def parse(token: str) -> Address | None:
    """The address a token names, or None when it is not one."""
    text = token
    body = _WRAPPERS.sub("", token)
    m = _GO_DSN.search(body)
    if m:
        # Go's MySQL DSN: user:password@tcp(host:port)/db
        return _hostport(m.group("addr"), "", text)
    m = _ORACLE.match(body)
    if m:
        # jdbc:oracle:thin:@host:1521:SID and jdbc:oracle:thin:@//host:1521/service
        return _hostport(m.group("rest"), "oracle", text)
    m = _URL.search(body)
    if m:
        # The user part may hold an unexpanded $(PASSWORD); only the host must be known.
        authority = m.group("authority").rpartition("@")[2]
        scheme = m.group("scheme").lower()
        if not authority:
            return None
        if ":" in authority:
            host, _, port = authority.partition(":")
            if not port.isdigit():
                return None
            return _make(host, int(port), scheme, text)
        return _make(authority, None, scheme, text)
    if "@" in body:
        # id@host:port (Kafka KRaft voters, ZooKeeper-style lists) is an address; a bare
        # user@host is an e-mail address.
        return _hostport(body.rpartition("@")[2], "", text)
    if "/" in body.split(":", 1)[0]:
        return None  # paths
    if ":" in body:
        return _hostport(body, "", text)
    if _HOST.match(body):
        return _make(body, None, "", text)
    return None


def _hostport(body: str, scheme: str, text: str) -> Address | None:
    m = _HOSTPORT.match(body)
    if not m:
        return None
    return _make(m.group("host"), int(m.group("port")), scheme, text)


def _make(host: str, port: int | None, scheme: str, text: str) -> Address | None:
    if any(t in host for t in _TEMPLATED):
        return None
    host = host.lower().rstrip(".")
    if not host or not _HOST.match(host):
        return None
    if port is not None and not 0 < port < 65536:
        return None
    return Address(host, port, scheme, text)


def dns_labels(host: str) -> list[str] | None:
    labels = host.split(".")
    return labels if all(_LABEL.match(label) for label in labels) else None


def ip(host: str) -> ipaddress.IPv4Address | None:
    try:
        return ipaddress.IPv4Address(host)
    except ValueError:
        return None


# Top-level domains an external host may end with when nothing but the name says so.
# Omitted on purpose: country codes that are also file extensions (.py, .sh, .md, .rs,
# .pl, .so, .js is none) and any TLD a config key could end with.
_TLDS = frozenset("""
com net org io dev app cloud ai co info biz gov edu mil int tech xyz me tv cc us uk de fr nl
eu jp cn in br au ca ch se no fi dk es it ru kr sg hk tw nz za ie at be cz il mx ar cl gg ly
fm to ws site online store shop services systems digital network solutions global
""".split())
_CLUSTER_SUFFIXES = (".svc", ".local", ".localhost", ".internal", ".cluster", ".localdomain")
_NOT_EXTERNAL = frozenset({"localhost", "ip6-localhost", "kubernetes.default"})


def looks_external(addr: Address, cluster_domain: str) -> bool:
    """A name outside the cluster: dotted, not a cluster suffix, and either a URL or
    host:port, or ending in a well-known TLD. Public IPv4 addresses count only with a
    scheme or port (a bare 1.2.3.4 is more often a version)."""
    host = addr.host
    addr_ip = ip(host)
    if addr_ip is not None:
        return (addr.port is not None or bool(addr.scheme)) and addr_ip.is_global
    if "." not in host or host in _NOT_EXTERNAL:
        return False
    if host.endswith(_CLUSTER_SUFFIXES) or host == cluster_domain or host.endswith("." + cluster_domain):
        return False
    labels = dns_labels(host)
    if labels is None or not labels[-1].isalpha() or len(labels[-1]) < 2:
        return False
    if labels[-1] in _TLDS:
        return True
    # A URL or host:port with three or more labels is an address even with a TLD this
    # list lacks; two labels could be svc.namespace of a Service not in the input.
    return (addr.port is not None or bool(addr.scheme)) and len(labels) >= 3
