"""YAML merge keys (``<<:``), applied as Kubernetes' YAML reader applies them, so the
function reads what the API server will."""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .yamlnodes import YamlError, copy_node


MERGE = "tag:yaml.org,2002:merge"


def flatten_merges(root: Node) -> None:
    """Resolve ``<<`` merge keys in place, as Kubernetes' YAML reader does: explicit keys
    win over merged ones, earlier merge sources over later ones. Merged values are
    copies, so no node is shared and the emitter never writes an anchor. Needs an
    acyclic graph (aliases are checked first); the written text keeps its ``<<``.
    Raises YamlError for a merge value that is not a mapping or a list of mappings."""
    order: list[MappingNode] = []
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            order.append(node)
            for k, v in node.value:
                stack.append(k)
                stack.append(v)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    # Children first, so a merge source is itself flat when it is merged.
    for node in reversed(order):
        if not any(k.tag == MERGE for k, _ in node.value):
            continue
        explicit = [(k, v) for k, v in node.value if k.tag != MERGE]
        taken = {k.value for k, _ in explicit if isinstance(k, ScalarNode)}
        merged: list[tuple[Node, Node]] = []
        for k, v in node.value:
            if k.tag != MERGE:
                continue
            sources = v.value if isinstance(v, SequenceNode) else [v]
            for src in sources:
                if not isinstance(src, MappingNode):
                    m = src.start_mark
                    raise YamlError("invalid YAML: a merge key (<<) needs a mapping or a list of mappings",
                                    m.line + 1 if m else None, m.column + 1 if m else None)
                for sk, sv in src.value:
                    key = sk.value if isinstance(sk, ScalarNode) else None
                    if key is not None and key in taken:
                        continue
                    if key is not None:
                        taken.add(key)
                    merged.append((copy_node(sk), copy_node(sv)))
        node.value = merged + explicit
