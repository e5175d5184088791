"""``istio-mesh-fn analyze``: istioctl analyze, offline, over files, directories or stdin.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 bad usage or
input that cannot be read.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from typing import Any, TextIO

PROG = "istio-mesh-fn analyze"
LEVELS = ("Error", "Warning", "Info")
EXIT_FINDINGS = 1
EXIT_INPUT = 2


def _err(line: str) -> None:
    from ..cli import err

    err(line)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse's own exit code (2) is ours for bad usage too; keep its message short.
        self.print_usage(sys.stderr)
        _err(f"{PROG}: error: {message}")
        raise SystemExit(EXIT_INPUT)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Check Istio mesh config offline, like istioctl analyze.")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="a file, a directory (its *.yaml, *.yml and *.json, recursively) or - for stdin")
    p.add_argument("-o", "--output", choices=("text", "json", "yaml", "sarif"), default="text",
                   help="sarif: SARIF 2.1.0 for code scanning (see fn/analyze/sarif.py)")
    p.add_argument("--fail-on", choices=LEVELS, default="Error", type=_level,
                   help="exit 1 when a finding is at or above this level (default Error)")
    p.add_argument("--mesh-config", metavar="FILE",
                   help="MeshConfig YAML (or the istio ConfigMap) to analyze with")
    p.add_argument("--analyzers", metavar="NAME[,NAME...]",
                   help="run only these analyzers (istioctl names, see --list-analyzers)")
    p.add_argument("--no-schema", action="store_true",
                   help="skip the CRD schema and CEL checks")
    p.add_argument("-n", "--namespace", default="",
                   help="namespace of objects that set none (default: leave them unset, as written)")
    p.add_argument("--cluster-domain", default="cluster.local",
                   help="cluster domain of Service hosts (name.namespace.svc.DOMAIN; default cluster.local)")
    p.add_argument("--gateway-api-channel", choices=("standard", "experimental"), default="standard",
                   help="Gateway API CRD channel to check Gateway API objects against (default standard)")
    p.add_argument("--list-analyzers", action="store_true", help="print the analyzer names and exit")
    return p


def _level(value: str) -> str:
    for level in LEVELS:
        if value.lower() == level.lower():
            return level
    return value  # argparse's choices check reports it


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    from ..cli import write_out
    from ..limits import Budget, LimitSettingError
    from . import runner
    from .load import LoadError, load_mesh_config, load_paths, mesh_config_from

    schema = not args.no_schema
    if args.list_analyzers:
        write_out("".join(f"{name}\n" for name in runner.names(schema=schema)))
        return 0
    if not args.paths:
        _err(f"{PROG}: error: no input: give files, directories or - for stdin")
        return EXIT_INPUT
    wanted = [n.strip() for n in args.analyzers.split(",") if n.strip()] if args.analyzers is not None else None
    if wanted == []:
        # Running no analyzer would report "no issues" for anything.
        _err(f"{PROG}: error: --analyzers names no analyzer; give NAME[,NAME...] (see --list-analyzers)")
        return EXIT_INPUT
    # The loader refuses documents nested past limits.MAX_NESTING_DEPTH (1000); reading
    # and checking them recurses a few frames a level, as in the function.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    try:
        budget = Budget()  # one input limit for the files, stdin and --mesh-config together
        if wanted is not None:
            runner.select(wanted, schema=_names_schema(wanted))
        loaded = load_paths(args.paths, budget=budget)
        mesh = load_mesh_config(args.mesh_config, budget) if args.mesh_config else mesh_config_from(loaded.resources)
    except (LoadError, LimitSettingError, runner.UnknownAnalyzer) as exc:
        _err(f"{PROG}: error: {exc}")
        return EXIT_INPUT
    for warning in loaded.warnings:
        _err(f"{PROG}: warning: {warning}")
    if args.namespace:
        for r in loaded.resources:
            r.default_namespace = args.namespace

    try:
        findings = runner.run(loaded.resources, analyzers=wanted, mesh_config=mesh,
                              schema=schema or _names_schema(wanted), cluster_domain=args.cluster_domain,
                              gateway_api_channel=args.gateway_api_channel)
    except RecursionError:
        # Not reached within the nesting limit; should an analyzer still go too deep, the
        # input is what cannot be analyzed, and exit 1 would claim findings.
        _err(f"{PROG}: error: the input is nested too deeply to analyze")
        return EXIT_INPUT
    out = io.StringIO()
    write(findings, args.output, out)
    write_out(out.getvalue())
    return EXIT_FINDINGS if runner.at_least(findings, args.fail_on) else 0


def _names_schema(wanted: list[str] | None) -> bool:
    # Naming a schema analyzer explicitly runs it even under --no-schema.
    if not wanted:
        return False
    from . import runner

    plain = set(runner.names(schema=False))
    return any(w not in plain for w in wanted) and runner.schema_available()


def text_line(f: Any) -> str:
    """istioctl's line: ``Error [IST0101] (VirtualService ns/name file.yaml:12) message``."""
    where = f.resource.ref()
    if f.resource.file:
        line = f.line
        where += f" {f.resource.file}" + (f":{line}" if line else "")
    from ..results import one_line

    return one_line(f"{f.level} [{f.code}] ({where}) {f.message}")


def write(findings: list[Any], output: str, out: TextIO) -> None:
    if output == "sarif":
        from .sarif import document

        json.dump(document(findings), out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif output == "json":
        json.dump([f.to_dict() for f in findings], out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif output == "yaml":
        from .. import yamlnodes as yn

        out.write(yn.serialize(yn.from_py([f.to_dict() for f in findings])))
    elif findings:
        for f in findings:
            out.write(text_line(f) + "\n")
    else:
        out.write("\u2714 No validation issues found.\n")
