"""``istio-mesh-fn graph``: the call graph inferred from manifests, as Mermaid, DOT or JSON.

Exit codes: 0 printed, 2 bad usage or input that cannot be read (as ``analyze``).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from .callgraph.render import FORMATS
from .cli import err, write_out

if TYPE_CHECKING:
    from .items import Item
    from .settings import Settings

PROG = "istio-mesh-fn graph"
EXIT_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        if sys.stderr is not None:
            self.print_usage(sys.stderr)
        err(f"{PROG}: error: {message}")
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
    p.add_argument("--config", metavar="FILE",
                   help="a function config: generate its policies in memory and say per edge whether they allow "
                        "it (its authorization settings, defaultNamespace and clusterDomain apply)")
    p.add_argument("--trust-domain", default="cluster.local",
                   help="trust domain of the principals in AuthorizationPolicies (default cluster.local)")
    p.add_argument("--root-namespace", default="istio-system",
                   help="Istio's root namespace, whose policies apply mesh-wide (default istio-system)")
    return p


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    from .analyze.load import LoadError, load_paths
    from .callgraph import Declared, infer
    from .callgraph.render import render
    from .mesh.build import root_namespace
    from .items import PATH, Item

    try:
        loaded = load_paths(args.paths or ["-"])
    except LoadError as exc:
        err(f"{PROG}: error: {exc}")
        return EXIT_INPUT
    for warning in loaded.warnings:
        err(f"{PROG}: warning: {warning}")
    items = []
    for r in loaded.resources:
        item = r.item if r.item is not None else Item(r.node)
        if r.file and not item.path:
            # Our own in-memory copy: the path only makes evidence name the file.
            item.set_annotation(PATH, r.file)
        items.append(item)
    from .authzcheck import edges_allowed

    checked, trust_domain, root, namespace = items, args.trust_domain, args.root_namespace, args.namespace
    declared: list[Declared] = []
    if args.config:
        generated = _generate(args.config, items)
        if generated is None:
            return EXIT_INPUT
        checked, settings = generated
        trust_domain = settings.authorization.trust_domain
        root = root_namespace(checked, settings)[0]
        namespace = namespace or settings.default_namespace or ""
        declared = [Declared(r.caller, r.to, f"authorization.allow[{i}]")
                    for i, r in enumerate(settings.authorization.allow)]
    graph = infer(items, args.cluster_domain, declared=declared, default_namespace=namespace,
                  infer_edges=not args.no_infer)
    if args.config:
        from .callgraph.inputs import service_accounts

        # The config may give workloads ServiceAccounts of their own: the policies name those.
        graph = graph.with_service_accounts(service_accounts(checked, namespace))
    allowed = edges_allowed(checked, graph, trust_domain, root, namespace)
    # Whole or not at all (a reader that goes away is an error, never a truncated graph).
    write_out(render(graph, args.output, allowed))
    for note in graph.notes:
        where = note.evidence.file or note.evidence.item
        err(f"{PROG}: note: {where}: {note.evidence.field}: {note.message}")
    return 0


def _generate(path: str, items: list["Item"]) -> tuple[list["Item"], "Settings"] | None:
    """The function's output for ``items`` under the config at ``path``, and the
    settings; None (said why) when it cannot run."""
    import copy

    from yaml.nodes import MappingNode

    from . import yamlnodes as yn
    from .items import INDEX, LEGACY_INDEX, LEGACY_PATH, PATH, Item

    from .cli import _read_config
    from .limits import Budget
    from .core import transform
    from .resourcelist import InputError
    from .results import Results
    from .settings import load_settings

    results = Results()
    try:
        settings = load_settings(_read_config(path, Budget()), results)
    except (OSError, InputError) as exc:
        err(f"{PROG}: error: {exc}")
        return None
    if settings is None:
        for r in results:
            err(f"{PROG}: error: {r.describe()}")
        return None
    # A preview: where kpt would write the policies does not matter, and the file names
    # this command put on the items for the evidence are not package paths.
    copies = [Item(copy.deepcopy(i.node)) for i in items]
    for c in copies:
        anns = yn.get_path(c.node, "metadata", "annotations")
        if isinstance(anns, MappingNode):
            anns.value = [(k, v) for k, v in anns.value if k.value not in (PATH, LEGACY_PATH, INDEX, LEGACY_INDEX)]
    out, _ = transform(copies, settings)
    return out, settings
