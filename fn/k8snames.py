"""Kubernetes' name and label rules, stdlib only: the config models, the mesh model and
the policies all check against the same definitions, and the no-config path must not
import pydantic to do so."""

from __future__ import annotations

# Character sets, not regular expressions: compiling the three patterns these replace
# cost ~0.6 ms of every start-up (issue 15). tests/test_k8snames.py holds them against
# the patterns Kubernetes writes (fullmatch, so a trailing newline is refused too).
_LOWER_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_LABEL_CHARS = _LOWER_ALNUM | {"-"}
_ALNUM = _LOWER_ALNUM | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_NAME_CHARS = _ALNUM | {"-", "_", "."}


def _label_shape(value: str) -> bool:
    # [a-z0-9]([-a-z0-9]*[a-z0-9])?
    return bool(value) and value[0] in _LOWER_ALNUM and value[-1] in _LOWER_ALNUM and _LABEL_CHARS.issuperset(value)


def _name_shape(value: str) -> bool:
    # ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
    return bool(value) and value[0] in _ALNUM and value[-1] in _ALNUM and _NAME_CHARS.issuperset(value)


DNS_LABEL_RULE = (
    "must be a DNS-1123 label: lowercase letters, digits and '-', starting and "
    "ending with a letter or digit, at most 63 characters"
)
LABEL_VALUE_RULE = (
    "label value must be empty or at most 63 characters of letters, digits, "
    "'-', '_' and '.', starting and ending with a letter or digit"
)


def is_dns_label(value: str) -> bool:
    return len(value) <= 63 and _label_shape(value)


def is_dns_subdomain(value: str) -> bool:
    return len(value) <= 253 and all(_label_shape(part) for part in value.split("."))


def is_label_value(value: str) -> bool:
    return not value or (len(value) <= 63 and _name_shape(value))


def label_key_problem(value: str) -> str | None:
    """Why ``value`` is not a label key, or None."""
    prefix, _, name = value.rpartition("/")
    if prefix and not is_dns_subdomain(prefix):
        return "label key prefix must be a DNS-1123 subdomain (e.g. example.com)"
    if not name or len(name) > 63 or not _name_shape(name):
        return (
            "label key name must be at most 63 characters of letters, digits, '-', '_' "
            "and '.', starting and ending with a letter or digit"
        )
    return None


def is_dns_1035_label(value: str) -> bool:
    """A Service name: a DNS-1123 label that starts with a letter (the API server refuses
    ``1-cart`` as a Service name, though it is a DNS-1123 label)."""
    return is_dns_label(value) and value[:1].isalpha()
