"""``istio-mesh-fn graph``: the call graph inferred from manifests, as Mermaid, DOT or JSON.

Exit codes: 0 printed, 2 bad usage or input that cannot be read (as ``analyze``).
"""

from __future__ import annotations

import argparse
import sys

from .callgraph.render import FORMATS

PROG = "istio-mesh-fn graph"
EXIT_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{PROG}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Print who calls whom, inferred from the manifests.")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="a file, a directory (its *.yaml, *.yml and *.json, recursively) or - for stdin "
                        "(default: stdin)")
    p.add_argument("-o", "--output", choices=FORMATS, default="mermaid")
    p.add_argument("-n", "--namespace", default="",
                   help="namespace of objects that set none (default: leave them unset, as written)")
    p.add_argument("--cluster-domain", default="cluster.local",
                   help="cluster domain of Service names (name.namespace.svc.DOMAIN; default cluster.local)")
    p.add_argument("--no-infer", action="store_true",
                   help="only declared edges (the istio-mesh-fn.dev/calls annotation)")
    return p


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    from .analyze.load import LoadError, load_paths
    from .callgraph import infer
    from .callgraph.render import render
    from .items import PATH, Item

    try:
        loaded = load_paths(args.paths or ["-"])
    except LoadError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    for warning in loaded.warnings:
        print(f"{PROG}: warning: {warning}", file=sys.stderr)
    items = []
    for r in loaded.resources:
        item = r.item if r.item is not None else Item(r.node)
        if r.file and not item.path:
            # Our own in-memory copy: the path only makes evidence name the file.
            item.set_annotation(PATH, r.file)
        items.append(item)
    graph = infer(items, args.cluster_domain, default_namespace=args.namespace, infer_edges=not args.no_infer)
    sys.stdout.write(render(graph, args.output))
    for note in graph.notes:
        where = note.evidence.file or note.evidence.item
        print(f"{PROG}: note: {where}: {note.evidence.field}: {note.message}", file=sys.stderr)
    return 0
