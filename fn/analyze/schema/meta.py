"""ObjectMeta as the API server checks it for a custom resource: known fields and their
types (strict decoding), name and namespace formats, label and annotation syntax."""

from __future__ import annotations

import re
from typing import Any, Callable

from .structural import Walk, show, type_of

_DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN = re.compile(rf"^{_DNS1123_LABEL}(\.{_DNS1123_LABEL})*$")
_DNS1123_LABEL_RE = re.compile(rf"^{_DNS1123_LABEL}$")
_QNAME_PART = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_ANNOTATIONS_MAX = 256 * 1024

SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
    "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
QNAME_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
    "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


_FIELDS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "name": ("string", _is_str),
    "generateName": ("string", _is_str),
    "namespace": ("string", _is_str),
    "selfLink": ("string", _is_str),
    "uid": ("string", _is_str),
    "resourceVersion": ("string", _is_str),
    "generation": ("integer", _is_int),
    "creationTimestamp": ("string", _is_str),
    "deletionTimestamp": ("string", _is_str),
    "deletionGracePeriodSeconds": ("integer", _is_int),
    "labels": ("object", lambda v: isinstance(v, dict)),
    "annotations": ("object", lambda v: isinstance(v, dict)),
    "ownerReferences": ("array", lambda v: isinstance(v, list)),
    "finalizers": ("array", lambda v: isinstance(v, list)),
    "managedFields": ("array", lambda v: isinstance(v, list)),
}


def check(meta: Any, walk: Walk) -> None:
    if meta is None:
        walk.add("metadata.name", "meta", "Required value: name or generateName is required")
        return
    if not isinstance(meta, dict):
        walk.add("metadata", "type", f"Invalid value: {show(type_of(meta))}: must be of type object")
        return
    for key, val in meta.items():
        spec = _FIELDS.get(str(key))
        if spec is None:
            walk.add(f"metadata.{key}", "unknown", "unknown field")
            continue
        if val is None:
            continue
        tname, ok = spec
        if not ok(val):
            walk.add(f"metadata.{key}", "type", f"Invalid value: {show(type_of(val))}: must be of type {tname}")
    name, gen = meta.get("name"), meta.get("generateName")
    if not name and not gen:
        walk.add("metadata.name", "meta", "Required value: name or generateName is required")
    if isinstance(name, str) and name:
        if len(name) > 253:
            walk.add("metadata.name", "meta", f"Invalid value: {show(name)}: must be no more than 253 characters")
        elif not _DNS1123_SUBDOMAIN.match(name):
            walk.add("metadata.name", "meta", f"Invalid value: {show(name)}: {SUBDOMAIN_MSG}")
    ns = meta.get("namespace")
    if isinstance(ns, str) and ns:
        if len(ns) > 63 or not _DNS1123_LABEL_RE.match(ns):
            walk.add("metadata.namespace", "meta", f"Invalid value: {show(ns)}: {LABEL_MSG}")
    labels = meta.get("labels")
    if isinstance(labels, dict):
        for k, v in labels.items():
            _qualified_name(str(k), "metadata.labels", walk)
            if not isinstance(v, str):
                walk.add(f"metadata.labels[{k}]", "type", f"Invalid value: {show(type_of(v))}: must be of type string")
            elif len(v) > 63:
                walk.add("metadata.labels", "meta", f"Invalid value: {show(v)}: must be no more than 63 characters")
            elif not _LABEL_VALUE.match(v):
                walk.add("metadata.labels", "meta", f"Invalid value: {show(v)}: {LABEL_VALUE_MSG}")
    annotations = meta.get("annotations")
    if isinstance(annotations, dict):
        total = 0
        for k, v in annotations.items():
            _qualified_name(str(k), "metadata.annotations", walk)
            if not isinstance(v, str):
                walk.add(f"metadata.annotations[{k}]", "type", f"Invalid value: {show(type_of(v))}: must be of type string")
            else:
                total += len(str(k)) + len(v)
        if total > _ANNOTATIONS_MAX:
            walk.add("metadata.annotations", "too-long", f"Too long: may not be more than {_ANNOTATIONS_MAX} bytes")
    finalizers = meta.get("finalizers")
    if isinstance(finalizers, list):
        for i, f in enumerate(finalizers):
            if not isinstance(f, str):
                walk.add(f"metadata.finalizers[{i}]", "type", f"Invalid value: {show(type_of(f))}: must be of type string")


def _qualified_name(key: str, path: str, walk: Walk) -> None:
    prefix, sep, name = key.rpartition("/")
    if key.count("/") > 1:
        walk.add(path, "meta", f"Invalid value: {show(key)}: a qualified name must consist of alphanumeric "
                 "characters, '-', '_' or '.', with an optional DNS subdomain prefix and '/'")
        return
    if sep:
        if not prefix:
            walk.add(path, "meta", f"Invalid value: {show(key)}: prefix part must be non-empty")
        elif len(prefix) > 253 or not _DNS1123_SUBDOMAIN.match(prefix):
            walk.add(path, "meta", f"Invalid value: {show(key)}: prefix part {SUBDOMAIN_MSG}")
    if not name:
        walk.add(path, "meta", f"Invalid value: {show(key)}: name part must be non-empty")
    elif len(name) > 63:
        walk.add(path, "meta", f"Invalid value: {show(key)}: name part must be no more than 63 characters")
    elif not _QNAME_PART.match(name):
        walk.add(path, "meta", f"Invalid value: {show(key)}: {QNAME_MSG}")
