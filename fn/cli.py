"""Thin CLI: arguments, stdin/stdout/stderr and the exit code. Logic lives elsewhere."""

from __future__ import annotations

import gc
import os
import sys
from types import SimpleNamespace
from typing import TYPE_CHECKING

from . import __version__

if TYPE_CHECKING:
    import argparse

USAGE = """\
istio-mesh-fn                      KRM function: ResourceList on stdin, ResourceList on stdout
istio-mesh-fn --config FILE        plain mode: Kubernetes objects on stdin (helm --post-renderer, pipes)
istio-mesh-fn [--config FILE] PATH...   read files instead of stdin
istio-mesh-fn analyze [-o text|json|yaml] [--fail-on LEVEL] PATH...
istio-mesh-fn schema               print the function config's JSON Schema
"""


def _read_config(path: str) -> object:
    from . import resourcelist, yamlnodes as yn

    with open(path, "rb") as fh:
        docs = resourcelist.parse_documents(resourcelist.decode(fh.read()))
    if len(docs) != 1:
        raise resourcelist.InputError(f"{path}: expected one YAML document, found {len(docs)}")
    return yn.to_py(docs[0])


def _report(results, stream) -> None:
    verbose = os.environ.get("ISTIO_MESH_FN_VERBOSE", "") not in ("", "0", "false")
    for r in results:
        if r.severity != "info" or verbose:
            print(f"istio-mesh-fn: {r.describe()}", file=stream)


def _parse_args(argv: list[str]) -> argparse.Namespace:
    import argparse

    parser = argparse.ArgumentParser(prog="istio-mesh-fn", usage=USAGE, add_help=True)
    parser.add_argument("--config", help="function config file (overrides the ResourceList's functionConfig)")
    parser.add_argument("--version", action="version", version=f"istio-mesh-fn {__version__}")
    parser.add_argument("paths", nargs="*", help="input files (default: stdin)")
    return parser.parse_args(argv)


def run_function(argv: list[str]) -> int:
    # kpt, kustomize and Argo CD run the function with no arguments. argparse and the
    # gettext it imports are a measurable share of start-up: paid only when there is
    # something to parse.
    args = _parse_args(argv) if argv else SimpleNamespace(config=None, paths=[])

    from . import resourcelist
    from .function import run

    try:
        override = _read_config(args.config) if args.config else None
    except OSError as exc:
        print(f"istio-mesh-fn: error: cannot read --config {args.config}: {exc.strerror}", file=sys.stderr)
        return 1
    except resourcelist.InputError as exc:
        print(f"istio-mesh-fn: error: --config {args.config}: {exc}", file=sys.stderr)
        return 1
    limit = resourcelist.max_input_bytes()
    try:
        if args.paths:
            size = sum(os.stat(p).st_size for p in args.paths)
            data = b"" if size > limit else b"\n---\n".join(_read_path(p) for p in args.paths)
        else:
            data, size = _read_limited(sys.stdin.buffer, limit)
    except OSError as exc:
        print(f"istio-mesh-fn: error: {exc.filename or 'stdin'}: {exc.strerror}", file=sys.stderr)
        return 1
    if size > limit:
        print(f"istio-mesh-fn: error: {resourcelist.too_large(size)}", file=sys.stderr)
        return 1
    # A one-shot process over large, acyclic node graphs: the cyclic GC only rescans them
    # (a third of the run time on big inputs) and would free nothing.
    gc.disable()
    # The parser allows 1000 levels of nesting; reading values recurses two frames a level.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    outcome = resourcelist.process(data, run, override)
    _KEEP.append(outcome)  # freed by the exit, not object by object (see main)
    if outcome.fatal:
        print(f"istio-mesh-fn: error: {outcome.fatal}", file=sys.stderr)
        return outcome.exit_code
    sys.stdout.write(outcome.stdout)
    sys.stdout.flush()
    _report(outcome.results, sys.stderr)
    return outcome.exit_code


_KEEP: list[object] = []


def _read_limited(stream, limit: int) -> tuple[bytes, int]:
    """Up to ``limit`` bytes, and the input's size. Past the limit the rest is read and
    dropped, so memory stays bounded and the writer never sees a broken pipe."""
    data = stream.read(limit + 1)
    size = len(data)
    if size <= limit:
        return data, size
    data = b""
    while chunk := stream.read(1 << 20):
        size += len(chunk)
    return data, size


def _read_path(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def main(argv: list[str] | None = None) -> int:
    code = _main(sys.argv[1:] if argv is None else argv)
    if argv is None and _KEEP:
        # The console script, done: freeing the input's millions of nodes one by one
        # would cost a tenth of a large run and give nothing back to anyone.
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (BrokenPipeError, OSError):
            return 1 if code == 0 else code
        os._exit(code)
    _KEEP.clear()  # called in-process (tests, tools): free as usual
    return code


def _main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["analyze"]:
            from .analyze.cli import main as analyze_main

            return analyze_main(argv[1:])
        if argv[:1] == ["schema"]:
            import json

            from .config import json_schema

            print(json.dumps(json_schema(), indent=2))
            return 0
        return run_function(argv)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # noqa: BLE001 - a traceback helps no kustomize or ArgoCD user
        print(f"istio-mesh-fn: internal error: {type(exc).__name__}: {exc}. This is a bug; "
              "please report it with the input that caused it.", file=sys.stderr)
        return 1
