"""Thin CLI: arguments, stdin/stdout/stderr and the exit code. Logic lives elsewhere."""

from __future__ import annotations

import gc
import os
import sys
from types import SimpleNamespace

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator, Sequence

    import argparse

    from .limits import Budget
    from .results import Result

USAGE = """\
istio-mesh-fn                      KRM function: ResourceList on stdin, ResourceList on stdout
istio-mesh-fn --config FILE        plain mode: Kubernetes objects on stdin (helm --post-renderer, pipes)
istio-mesh-fn [--config FILE] PATH...   read files instead of stdin
istio-mesh-fn analyze [-o text|json|yaml|sarif] [--fail-on LEVEL] PATH...
istio-mesh-fn graph [-o mermaid|dot|json] [PATH...]   who calls whom, inferred from the manifests
istio-mesh-fn schema               print the function config's JSON Schema
istio-mesh-fn --help | --version   the function's documentation (what `kpt fn doc` shows), its version
"""


def doc() -> str:
    """The catalog-style documentation (Overview, Usage, FunctionConfig, Examples): what
    `kpt fn doc --image ...` prints by running the image with --help."""
    from pathlib import Path

    return Path(__file__).with_name("help.md").read_text(encoding="utf-8")


class OutputError(Exception):
    """stdout could not take the output (a closed reader, a full disk)."""


def err(line: str) -> None:
    """One line on stderr, or nowhere; names from the input cannot break it into two.
    With fd 2 closed Python sets ``sys.stderr`` to None, and ``print(file=None)`` would
    put the text into stdout, into the manifests."""
    from .results import one_line

    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(one_line(line) + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass


def write_out(text: str | Sequence[object]) -> None:
    """All of ``text`` on stdout, or OutputError. Under PYTHONUNBUFFERED (the image sets
    it) sys.stdout sits on a raw file whose write() may take only part of the data, and
    the text layer drops the rest without a word: the loop below writes it all.

    ``text`` may be pieces (``Outcome.pieces``: strings and ranges of the input text),
    written in order and encoded a bounded block at a time, so that a large output is
    never held whole a second time, as one string or as its bytes."""
    stream = sys.stdout
    if stream is None:
        raise OutputError("standard output is closed")
    pieces: Sequence[object] = [text] if isinstance(text, str) else text
    try:
        stream.flush()
        raw = getattr(stream, "buffer", None)
        if raw is None:  # a text-only stream put in place by a caller (io.StringIO)
            for piece in pieces:
                stream.write(str(piece))
            return
        for block in _blocks(pieces):
            view = memoryview(block.encode("utf-8"))
            while view:
                try:
                    n = raw.write(view)
                except BlockingIOError as exc:  # a non-blocking pipe that is full
                    n = exc.characters_written
                if not n:
                    import select  # only a full non-blocking pipe waits

                    select.select([], [raw], [])
                    continue
                view = view[n:]
        raw.flush()
    except OSError as exc:
        _drop_stdout()
        raise OutputError(exc.strerror or str(exc)) from None


_BLOCK = 1 << 20


def _blocks(pieces: Sequence[object]) -> Iterator[str]:
    """The pieces' text in blocks of about ``_BLOCK`` characters: small pieces gathered,
    large ones and ranges of the input cut (encoding is per character, so a cut
    anywhere encodes to the same bytes)."""
    pending: list[str] = []
    size = 0
    for piece in pieces:
        if isinstance(piece, str):
            text, start, end, tail = piece, 0, len(piece), ""
        else:
            from .yamltext import Slice  # only a ResourceList's output has ranges

            assert isinstance(piece, Slice)
            text, start, end = piece.text, piece.start, piece.end
            tail = "" if text.endswith("\n", start, end) else "\n"
        while start < end:
            take = min(end - start, _BLOCK - size)
            pending.append(text[start:start + take])
            size += take
            start += take
            if size >= _BLOCK:
                yield "".join(pending)
                pending, size = [], 0
        if tail:
            pending.append(tail)
            size += 1
    if pending:
        yield "".join(pending)


def _drop_stdout() -> None:
    # What could not be written stays buffered, and the interpreter would try again at
    # exit ("Exception ignored ... BrokenPipeError"): point fd 1 at /dev/null instead.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        pass


def _read_config(path: str, budget: Budget) -> object:
    from . import resourcelist, yamlnodes as yn

    with open(path, "rb") as fh:
        docs = resourcelist.parse_documents(resourcelist.decode(budget.read(fh, path)))
    if len(docs) != 1:
        raise resourcelist.InputError(f"{path}: expected one YAML document, found {len(docs)}")
    return yn.to_py(docs[0])


def _report(results: list[Result]) -> None:
    verbose = os.environ.get("ISTIO_MESH_FN_VERBOSE", "") not in ("", "0", "false")
    for r in results:
        if r.severity != "info" or verbose:
            err(f"istio-mesh-fn: {r.describe()}")


def _parse_args(argv: list[str]) -> argparse.Namespace:
    import argparse

    from . import version

    class _Doc(argparse.Action):
        def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                     values: object, option_string: str | None = None) -> None:
            sys.stdout.write(doc())
            parser.exit(0)

    parser = argparse.ArgumentParser(prog="istio-mesh-fn", usage=USAGE, add_help=False)
    parser.add_argument("-h", "--help", action=_Doc, nargs=0, help="print the documentation and exit")
    parser.add_argument("--config", help="function config file (overrides the ResourceList's functionConfig)")
    parser.add_argument("--version", action="version", version=f"istio-mesh-fn {version()}")
    parser.add_argument("paths", nargs="*", help="input files (default: stdin)")
    return parser.parse_args(argv)


def run_function(argv: list[str]) -> int:
    # kpt, kustomize and Argo CD run the function with no arguments. argparse and the
    # gettext it imports are a measurable share of start-up: paid only when there is
    # something to parse.
    args = _parse_args(argv) if argv else SimpleNamespace(config=None, paths=[])
    # A one-shot process over large, acyclic node graphs: the cyclic GC only rescans them
    # (a third of the run time on big inputs) and would free nothing. Off before the
    # imports below, whose objects it would otherwise walk a few times (issue 15).
    gc.disable()

    from . import resourcelist
    from .function import run
    from .limits import Budget, InputTooLarge, LimitSettingError

    try:
        budget = Budget()
    except LimitSettingError as exc:
        err(f"istio-mesh-fn: error: {exc}")
        return 1
    try:
        override = _read_config(args.config, budget) if args.config else None
    except OSError as exc:
        err(f"istio-mesh-fn: error: cannot read --config {args.config}: {exc.strerror or exc}")
        return 1
    except InputTooLarge as exc:
        err(f"istio-mesh-fn: error: --config {exc}")
        return 1
    except resourcelist.InputError as exc:
        err(f"istio-mesh-fn: error: --config {args.config}: {exc}")
        return 1
    try:
        if args.paths:
            data = b"\n---\n".join(_read_path(p, budget) for p in args.paths)
        elif sys.stdin is None:
            err("istio-mesh-fn: error: cannot read stdin: standard input is closed")
            return 1
        else:
            # Drained past the limit, so the writer (kpt) never sees a broken pipe.
            data = budget.read(sys.stdin.buffer, "stdin", drain=True)
    except OSError as exc:
        err(f"istio-mesh-fn: error: {exc.filename or 'stdin'}: cannot read: {exc.strerror or exc}")
        return 1
    except InputTooLarge as exc:
        err(f"istio-mesh-fn: error: {exc}")
        return 1
    # The parser allows 1000 levels of nesting; reading values recurses two frames a level.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    # Once decoded, the bytes are dropped before the work starts (a byte per input byte
    # of the peak); input that does not decode goes to process() for its message.
    source: bytes | str = data
    try:
        source = resourcelist.decode(data)
    except resourcelist.InputError:
        pass
    del data
    outcome = resourcelist.process(source, run, override, pieces=True)
    del source
    _KEEP.append(outcome)  # freed by the exit, not object by object (see main)
    if outcome.fatal:
        err(f"istio-mesh-fn: error: {outcome.fatal}")
        return outcome.exit_code
    write_out(outcome.pieces if outcome.pieces is not None else outcome.stdout)
    _report(outcome.results)
    return outcome.exit_code


def _read_path(path: str, budget: Budget) -> bytes:
    try:
        with open(path, "rb") as fh:
            data: bytes = budget.read(fh, path)
            return data
    except OSError as exc:
        # A read error (EIO, EISDIR) carries no file name of its own.
        raise OSError(exc.errno, exc.strerror, path) from None


_KEEP: list[object] = []


def main(argv: list[str] | None = None) -> int:
    code = _main(sys.argv[1:] if argv is None else argv)
    if argv is None and _KEEP:
        # The console script, done: freeing the input's millions of nodes one by one
        # would cost a tenth of a large run and give nothing back to anyone.
        try:
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:  # None: the fd was closed when Python started
                    stream.flush()
        except (OSError, ValueError):
            return 1 if code == 0 else code
        os._exit(code)
    _KEEP.clear()  # called in-process (tests, tools): free as usual
    return code


def _main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["analyze"]:
            from .analyze.cli import main as analyze_main

            return analyze_main(argv[1:])
        if argv[:1] == ["graph"]:
            from .graph_cli import main as graph_main

            return graph_main(argv[1:])
        if argv[:1] == ["schema"]:
            import json

            from .config import json_schema

            write_out(json.dumps(json_schema(), indent=2) + "\n")
            return 0
        return run_function(argv)
    except KeyboardInterrupt:
        return 130
    except OutputError as exc:
        # Exit non-zero: whoever reads stdout got less than all of it.
        err(f"istio-mesh-fn: error: cannot write the output: {exc}")
        return 1
    except Exception as exc:  # noqa: BLE001 - a traceback helps no kustomize or ArgoCD user
        err(f"istio-mesh-fn: internal error: {type(exc).__name__}: {exc}. This is a bug; "
            "please report it with the input that caused it.")
        return 1
