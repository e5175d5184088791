"""Field paths as findings name them (``spec.http[0].route[0].destination.host``)."""

from __future__ import annotations

import re
from typing import Any

from yaml.nodes import MappingNode, Node, SequenceNode

# A segment is a plain key, an [index], or a ["quoted key"] for keys holding dots
# (label and annotation names).
_TOKEN = re.compile(r'\.?([^.\[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]')


def split(path: str) -> list[str | int]:
    out: list[str | int] = []
    pos = 0
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if m is None:
            raise ValueError(f"bad field path {path!r} at {pos}")
        key, index, quoted = m.groups()
        if index is not None:
            out.append(int(index))
        elif quoted is not None:
            out.append(quoted.replace('\\"', '"').replace("\\\\", "\\"))
        else:
            out.append(key)
        pos = m.end()
    return out


def key(name: str) -> str:
    """A path segment for ``name``: plain when it can be, else quoted."""
    if re.fullmatch(r"[A-Za-z0-9_-]+", name):
        return "." + name
    return '["' + name.replace("\\", "\\\\").replace('"', '\\"') + '"]'


def node_at(root: Node, path: str) -> Node | None:
    """The deepest node along ``path`` that exists: a finding about a missing field
    still points at its parent."""
    node: Node = root
    try:
        parts = split(path)
    except ValueError:
        return None
    for part in parts:
        nxt: Any = None
        if isinstance(part, int) and isinstance(node, SequenceNode):
            if 0 <= part < len(node.value):
                nxt = node.value[part]
        elif isinstance(part, str) and isinstance(node, MappingNode):
            for k, v in node.value:
                if getattr(k, "value", None) == part:
                    nxt = v
                    break
        if nxt is None:
            return node
        node = nxt
    return node
