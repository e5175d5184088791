"""Building blocks of Istio's validating webhook (istio/istio pkg/config/validation and
pkg/config/validation/agent), re-expressed over plain YAML values.

Error texts follow Istio's so that a user searching for a message finds Istio's docs and
issues. Objects arrive as parsed YAML (dicts, lists, strings), not protobufs: a field that
has the wrong type is the CRD schema's business, so helpers here read leniently.
"""

from __future__ import annotations

import functools
import re

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    import ipaddress


class Validation:
    """Istio's ``Validation``: errors reject the object, warnings are reported."""

    __slots__ = ("errors", "warnings")

    def __init__(self, errors: list[str] | None = None, warnings: list[str] | None = None) -> None:
        self.errors: list[str] = errors if errors is not None else []
        self.warnings: list[str] = warnings if warnings is not None else []

    def __repr__(self) -> str:
        return f"Validation(errors={self.errors!r}, warnings={self.warnings!r})"

    def err(self, *messages: str | None) -> "Validation":
        self.errors.extend(m for m in messages if m)
        return self

    def warn(self, *messages: str | None) -> "Validation":
        self.warnings.extend(m for m in messages if m)
        return self

    def add(self, other: "Validation | str | list[str] | None") -> "Validation":
        if other is None:
            return self
        if isinstance(other, str):
            self.errors.append(other)
        elif isinstance(other, list):
            self.errors.extend(other)
        else:
            self.errors.extend(other.errors)
            self.warnings.extend(other.warnings)
        return self


# ------------------------------------------------------------------ plain values

def d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def lst(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def s(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def num(value: Any) -> int:
    """An integer field; proto3 reads an unset one as 0."""
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    try:
        return int(str(value), 10)
    except ValueError:
        return 0


def fnum(value: Any) -> float:
    """A float field, or a wrapper (``{value: 5}``) around one."""
    if isinstance(value, dict):
        value = value.get("value")
    if isinstance(value, bool) or value is None:
        return 0.0
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def wrapped(value: Any) -> Any:
    """The value of a protobuf wrapper type, which YAML writes bare (``5``, ``true``)."""
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    return value


def present(obj: dict[str, Any], key: str) -> bool:
    """Set in the sense of a proto message field: present and not null."""
    return obj.get(key) is not None


# ------------------------------------------------------------------ names

_PATTERNS = {
    # RFC 7230 token characters: a header name.
    "tchars": r"[!#$%&'*+\-.^_`|~A-Za-z0-9]+\Z",
    "strict_header": r"[-_A-Za-z0-9]+\Z",
    "header_value": "[^\u0000-\u0008\u000A-\u001F\u007F]*\\Z",
    "path_literal": r"[a-zA-Z0-9\-._~%!$&'()+,;:@=]+\Z",
}


@functools.lru_cache(maxsize=None)
def pattern(name: str) -> re.Pattern[str]:
    # Compiled on first use: the generator's self-check needs none of these.
    return re.compile(_PATTERNS[name])


# Names are checked by hand rather than by regex: the self-check runs them on every
# generated object, and compiling the equivalent patterns costs more than checking.
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_LABEL_CHARS = _ALNUM | {"-"}
_QUALIFIED_CHARS = _ALNUM | {"-", "_", "."}


def _label(value: str) -> bool:
    """``[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?``"""
    return (bool(value) and value[0] in _ALNUM and value[-1] in _ALNUM
            and all(c in _LABEL_CHARS for c in value))


def _qualified(value: str) -> bool:
    """Kubernetes' qualified name: ``([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]``"""
    return (bool(value) and value[0] in _ALNUM and value[-1] in _ALNUM
            and all(c in _QUALIFIED_CHARS for c in value))


def is_dns1123_label(value: str) -> bool:
    return len(value) <= 63 and _label(value)


def is_wildcard_dns1123_label(value: str) -> bool:
    """``*``, or a label optionally prefixed by ``*`` or ``*-``."""
    if len(value) > 63:
        return False
    return value == "*" or any(value.startswith(p) and _label(value[len(p):]) for p in ("", "*", "*-"))


def _tag_key(key: str) -> tuple[str, str] | None:
    """(DNS prefix, name) of a label key ``[prefix/]name``, None when malformed."""
    prefix, sep, name = key.partition("/")
    if not sep:
        prefix, name = "", key
    elif not all(_label(part) for part in prefix.split(".")):
        return None
    return (prefix, name) if _qualified(name) else None


def validate_labels(labels: Any) -> list[str]:
    """Istio's ``labels.Instance.Validate``: Kubernetes label keys and values."""
    errs = []
    for k, v in d(labels).items():
        k, v = s(k), s(v)
        parts = _tag_key(k)
        if parts is None:
            errs.append(f"invalid tag key: {go_q(k)}")
        elif len(parts[0]) > 253:
            errs.append(f"invalid tag key: {go_q(k)} (DNS prefix is too long)")
        elif len(parts[1]) > 63:
            errs.append(f"invalid tag key: {go_q(k)} (name is too long)")
        if v and not _qualified(v):
            errs.append(f"invalid tag value: {go_q(v)}")
    return errs


def go_q(value: str) -> str:
    from ..runner import go_quote

    return go_quote(value)


# ------------------------------------------------------------------ hosts

def check_dns1123_preconditions(name: str) -> str | None:
    if len(name) > 255:
        return f"domain name {go_q(name)} too long (max 255)"
    if not name:
        return "empty domain name not allowed"
    return None


def validate_dns1123_labels(domain: str) -> str | None:
    parts = domain.split(".")
    tld = parts[-1]
    if _go_atoi(tld) is not None:
        return f"domain name {go_q(domain)} invalid (top level domain {go_q(tld)} cannot be all-numeric)"
    for i, label in enumerate(parts):
        if i == len(parts) - 1 and label == "":
            return None
        if not is_dns1123_label(label):
            return f"domain name {go_q(domain)} invalid (label {go_q(label)} invalid)"
    return None


def _go_atoi(text: str) -> int | None:
    if re.fullmatch(r"[+-]?[0-9]+", text):
        return int(text)
    return None


def validate_fqdn(fqdn: str) -> str | None:
    return check_dns1123_preconditions(fqdn) or validate_dns1123_labels(fqdn)


def validate_wildcard_domain(domain: str) -> str | None:
    err = check_dns1123_preconditions(domain)
    if err:
        return err
    parts = domain.split(".", 1)
    if not is_wildcard_dns1123_label(parts[0]):
        return f"domain name {go_q(domain)} invalid (label {go_q(parts[0])} invalid)"
    if len(parts) > 1:
        return validate_dns1123_labels(parts[1])
    return None


def validate_wildcard_domain_for_gateway_vs(sni: bool, domain: str) -> str | None:
    err = check_dns1123_preconditions(domain)
    if err:
        return err
    if sni and domain.startswith("outbound_"):
        fmt = "outbound_.<PORT>_._.<HOSTNAME>"
        parts = domain.split("_")
        if len(parts) < 4:
            return f"domain name {domain} invalid, should follow '{fmt}' format"
        direction, port, hostname = parts[0], parts[1].strip("."), parts[3].strip(".")
        if direction != "outbound":
            return f"domain name {go_q(domain)} invalid (label {go_q(direction)} invalid)"
        if not re.search(r"[0-9]", port):
            return f"domain name {go_q(domain)} invalid (label {go_q(port)} invalid). should follow {fmt} format"
        if not re.search(r"[a-zA-Z]", hostname):
            return f"domain name {go_q(domain)} invalid (label {go_q(hostname)} invalid). should follow {fmt} format"
        return None
    return validate_wildcard_domain(domain)


def validate_partial_wildcard(host: str) -> str | None:
    if "*" in host and len(host) != 1 and not host.startswith("*."):
        return f"partial wildcard {go_q(host)} not allowed"
    return None


def is_wildcarded(host: str) -> bool:
    return host.startswith("*")


def host_matches(n: str, o: str) -> bool:
    """Istio's ``host.Name.Matches``: either side may be a wildcard."""
    if is_wildcarded(n):
        if is_wildcarded(o):
            return o[1:].endswith(n[1:]) if len(n) < len(o) else n[1:].endswith(o[1:])
        return o.endswith(n[1:])
    if is_wildcarded(o):
        return n.endswith(o[1:])
    return n == o


def host_subset_of(n: str, o: str) -> bool:
    if is_wildcarded(n):
        if is_wildcarded(o):
            return len(n) >= len(o) and n[1:].endswith(o[1:])
        return False
    if is_wildcarded(o):
        return n.endswith(o[1:])
    return n == o


def _sidecar_or_gateway_hostname_part(hostname: str, is_gateway: bool) -> list[str]:
    errs = []
    if hostname != "*" and "." not in hostname:
        errs.append("short names (non FQDN) are not allowed")
    err = validate_wildcard_domain(hostname)
    if err:
        if not is_gateway:
            errs.append(err)
        if not is_ip(hostname):
            errs.append(err)
    p = validate_partial_wildcard(hostname)
    if p:
        errs.append(p)
    return errs


def validate_namespace_slash_wildcard_hostname(hostname: str, is_gateway: bool,
                                               gateway_semantics: bool = False) -> list[str]:
    parts = hostname.split("/", 1)
    if len(parts) != 2:
        if is_gateway:
            return _sidecar_or_gateway_hostname_part(hostname, True)
        return ["host must be of form namespace/dnsName"]
    errs = []
    if not parts[0] or not parts[1]:
        errs.append("config namespace and dnsName in host entry cannot be empty")
    if not is_gateway:
        ns = parts[0][1:] if parts[0].startswith("~") else parts[0]
        if ns not in ("", "*", ".") and not is_dns1123_label(ns):
            errs.append(f"invalid namespace value {go_q(parts[0])} in sidecar")
    elif parts[0] not in ("*", ".") and (parts[0] != "~" or not gateway_semantics):
        if not is_dns1123_label(parts[0]):
            errs.append(f"invalid namespace value {go_q(parts[0])} in gateway")
    errs.extend(_sidecar_or_gateway_hostname_part(parts[1], is_gateway))
    return errs


# ------------------------------------------------------------------ addresses and ports

def _parse_addr(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    # Go's netip.ParseAddr takes IPv6 zones ("fe80::1%eth0"); Python's ip_address only
    # from 3.9 on, which is what we require anyway. Imported here: few configs have
    # addresses, and the module is a measurable share of the start-up.
    import ipaddress

    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_ip(text: str) -> bool:
    return _parse_addr(text) is not None


def parse_prefix(text: str) -> bool:
    """Go's ``netip.ParsePrefix``: an address and a prefix length, host bits allowed."""
    addr, _, bits = text.partition("/")
    ip = _parse_addr(addr)
    if ip is None or "%" in addr or not re.fullmatch(r"[0-9]+", bits) or (len(bits) > 1 and bits[0] == "0"):
        return False
    return int(bits) <= ip.max_prefixlen


def validate_ip_address(addr: str) -> str | None:
    return None if is_ip(addr) else f"{addr} is not a valid IP"


def validate_ip_subnet(subnet: str) -> str | None:
    if subnet.count("/") == 1:
        return None if parse_prefix(subnet) else f"{subnet} is not a valid CIDR block"
    return validate_ip_address(subnet)


def validate_port(port: int) -> str | None:
    if 1 <= port <= 65535:
        return None
    return f"port number {port} must be in the range 1..65535"


def validate_port_name(name: str) -> str | None:
    return None if is_dns1123_label(name) else f"invalid port name: {name}"


# Istio's protocol.Parse, for Gateway, Sidecar and ServiceEntry ports.
_PROTOCOLS = {
    "tcp": "TCP", "udp": "UDP", "grpc": "GRPC", "grpc-web": "GRPC-Web", "http": "HTTP",
    "http_proxy": "HTTP_PROXY", "http2": "HTTP2", "https": "HTTPS", "tls": "TLS",
    "mongo": "Mongo", "redis": "Redis", "mysql": "MySQL",
}
HTTP_PROTOCOLS = {"HTTP", "HTTP2", "HTTP_PROXY", "GRPC", "GRPC-Web"}
TCP_PROTOCOLS = {"TCP", "HTTPS", "TLS", "Mongo", "Redis", "MySQL"}
TLS_PROTOCOLS = {"HTTPS", "TLS"}


def parse_protocol(name: str) -> str:
    return _PROTOCOLS.get(name.lower(), "UnsupportedProtocol")


def validate_protocol(proto: str) -> str | None:
    if proto and parse_protocol(proto) == "UnsupportedProtocol":
        return f"unsupported protocol: {proto}"
    return None


def validate_unix_address(addr: str) -> str | None:
    if not addr:
        return "unix address must not be empty"
    if addr.startswith("@"):
        return None
    if not addr.startswith("/") or addr.endswith("/"):
        return f"{addr} is not an absolute path to a file"
    return None


# ------------------------------------------------------------------ durations

_UNIT_NS = {"ns": 1, "us": 1000, "µs": 1000, "μs": 1000, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
_DIGITS = "0123456789"


def parse_duration_ns(value: Any) -> int | None:
    """Nanoseconds of a Go/protobuf duration string (``1.5s``, ``1m30s``, ``-1s``), or a
    ``{seconds, nanos}`` mapping; None when it is not one (the schema reports that).
    Fractions are truncated to whole nanoseconds, as Go's ``time.ParseDuration`` does."""
    if isinstance(value, dict):
        return num(value.get("seconds")) * 10**9 + num(value.get("nanos"))
    if not isinstance(value, str) or not value:
        return None
    text, sign = value, 1
    if text[0] in "+-":
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    if text == "0":
        return 0
    total, pos, n = 0, 0, len(text)
    if not n:
        return None
    while pos < n:
        start = pos
        while pos < n and text[pos] in _DIGITS:
            pos += 1
        whole = text[start:pos]
        frac = ""
        if pos < n and text[pos] == ".":
            pos += 1
            fstart = pos
            while pos < n and text[pos] in _DIGITS:
                pos += 1
            frac = text[fstart:pos]
        if not whole and not frac:
            return None
        ustart = pos
        while pos < n and text[pos] not in _DIGITS and text[pos] != ".":
            pos += 1
        unit = _UNIT_NS.get(text[ustart:pos])
        if unit is None:
            return None
        total += int(whole or "0") * unit + (int(frac) * unit // 10 ** len(frac) if frac else 0)
    return sign * total


def validate_duration(value: Any) -> str | None:
    """Istio's ``ValidateDuration``: at least 1ms, in whole milliseconds."""
    ns = parse_duration_ns(value)
    if ns is None:
        return None
    if ns < 10**6:
        return "duration must be greater than 1ms"
    if ns % 10**6:
        return "only durations to ms precision are supported"
    return None


# ------------------------------------------------------------------ shared checks

def validate_percent(val: int) -> str | None:
    if val < 0 or val > 100:
        return f"percentage {val} is not in range 0..100"
    return None


def validate_export_to(namespace: str, export_to: Any, is_service_entry: bool,
                       is_dr_with_selector: bool) -> list[str]:
    entries = [s(e) for e in lst(export_to)]
    errs: list[str] = []
    if not entries:
        return errs
    seen: set[str] = set()
    for e in entries:
        # Offline, an object may have no namespace yet (kustomize's namespace: or kpt's
        # set-namespace add it later); "." then still means its own namespace.
        key = namespace if e == "." and namespace else e
        if key in seen:
            if key != e:
                errs.append(f"duplicate entries in exportTo: . and current namespace {namespace}")
            else:
                errs.append(f"duplicate entries in exportTo for entry {e}")
        elif is_service_entry and e == "~":
            seen.add(key)
        else:
            err = _visibility(key)
            if err:
                errs.append(err)
            else:
                seen.add(key)
    if is_dr_with_selector and seen:
        if (namespace or ".") in seen:
            if len(seen) > 1:
                errs.append("destination rule with workload selector cannot have multiple entries in exportTo")
        else:
            errs.append("destination rule with workload selector cannot have exportTo beyond current namespace")
    if "*" in seen and len(entries) > 1:
        errs.append("cannot have both public (*) and non-public exportTo values for a resource")
    if "~" in seen and len(entries) > 1:
        errs.append("cannot export service entry to no one (~) and someone")
    return errs


def _visibility(v: str) -> str | None:
    if v in (".", "*"):
        return None
    if v == "~":
        return "exportTo ~ (none) is not allowed for Istio configuration objects"
    if not is_dns1123_label(v):
        return "only .,*, or a valid DNS 1123 label is allowed as exportTo entry"
    return None


def validate_workload_selector(selector: Any, labels_key: str = "matchLabels") -> Validation:
    """Istio's ``validateWorkloadSelector`` (``matchLabels``) and, with
    ``labels_key="labels"``, ``ValidateAlphaWorkloadSelector``'s checks."""
    v = Validation()
    if selector is None:
        return v
    labels = d(d(selector).get(labels_key))
    for k, val in labels.items():
        k, val = s(k), s(val)
        if k == "":
            v.err(f"empty key is not supported in selector: {go_q(f'{k}={val}')}")
        if "*" in k or "*" in val:
            v.err(f"wildcard is not supported in selector: {go_q(f'{k}={val}')}")
    if not labels:
        v.warn("workload selector specified without labels")
    return v


_TARGET_KINDS = {("core", "Service"), ("networking.istio.io", "ServiceEntry"),
                 ("gateway.networking.k8s.io", "Gateway"), ("gateway.networking.k8s.io", "GatewayClass")}
_TARGET_LIST = ("[core/v1/Service networking.istio.io/v1/ServiceEntry "
                "gateway.networking.k8s.io/v1/Gateway gateway.networking.k8s.io/v1/GatewayClass]")


def validate_target_ref(ref: Any) -> list[str]:
    if ref is None:
        return []
    ref = d(ref)
    errs = []
    if not s(ref.get("name")):
        errs.append("targetRef name must be set")
    if s(ref.get("namespace")):
        errs.append("targetRef namespace must not be set; cross namespace referencing is not supported")
    group = s(ref.get("group")) or "core"
    if (group, s(ref.get("kind"))) not in _TARGET_KINDS:
        errs.append(f"targetRef must be to one of {_TARGET_LIST} but was {s(ref.get('group'))}/{s(ref.get('kind'))}")
    return errs


def validate_one_of_selector(spec: dict[str, Any]) -> list[str]:
    count = sum([spec.get("selector") is not None, spec.get("targetRef") is not None,
                 bool(lst(spec.get("targetRefs")))])
    return ["only one of targetRefs or workloadSelector can be set"] if count > 1 else []


def validate_policy_targets(spec: dict[str, Any]) -> Validation:
    v = Validation()
    v.err(*validate_one_of_selector(spec))
    v.add(validate_workload_selector(spec.get("selector")))
    v.err(*validate_target_ref(spec.get("targetRef")))
    for ref in lst(spec.get("targetRefs")):
        v.err(*validate_target_ref(ref))
    return v


# ------------------------------------------------------------------ regular expressions

# RE2 syntax Python's re lacks, mapped to an equivalent for a syntax check only.
_RE2_ONLY = (
    (r"\\z", r"\\Z"),                              # end of text
    (r"\\[pP](?:\{\^?[A-Za-z_]+\}|[A-Za-z])", "."),  # Unicode classes
    (r"\(\?<(?=[A-Za-z_])", "(?P<"),                 # (?<name>...), Go 1.22+
    (r"\\C", "."),                                   # any byte
)
# Perl syntax Python's re takes and RE2 refuses.
_PERL_ONLY = r"\(\?[=!>]|\(\?<[=!]|\\[1-9]|(?<!\\)[*+?}]\+"


def validate_regexp(regex: str, where: str) -> str | None:
    """Envoy takes RE2, and Istio checks with Go's regexp (RE2 syntax). Python's ``re``
    stands in for the parser: RE2-only syntax is mapped to a Python equivalent first,
    and the Perl features Python has but RE2 refuses (look-around, back-references,
    atomic groups, possessive quantifiers) are refused by name."""
    if len(regex) > 1024:
        return f"{go_q(where)}: regex is too large, max length allowed is 1024"
    problem = None
    translated = regex
    for re2, py in _RE2_ONLY:
        translated = re.sub(re2, py, translated)
    if re.search(_PERL_ONLY, translated):
        problem = "invalid or unsupported Perl syntax"
    else:
        try:
            re.compile(translated)
        except re.error as exc:
            problem = str(exc)
    if problem is None:
        return None
    return (f"{go_q(where)}: error parsing regexp: {problem}: `{regex}`; "
            "Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)")

