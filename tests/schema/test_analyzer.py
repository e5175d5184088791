"""schema.ValidationAnalyzer through the runner, and what validation costs."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from fn.analyze.analyzers.schema_validation import SchemaValidationAnalyzer
from fn.analyze.model import Context, Resource

from .helpers import obj

ROOT = Path(__file__).resolve().parents[2]

BAD_VS = obj("VirtualService", {"hosts": ["r"], "http": [{"timeout": "0.5ms", "route": [{"destination": {"host": "r"}}]}]})
BAD_PA = obj("PeerAuthentication", {"mtls": {"mode": "strict"}, "selector": {"matchLabels": {"app": "a"}}})
SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "r", "namespace": "default"}, "spec": {"bogus": 1}}


def test_analyzer_reports_through_a_fake_report():
    calls = []

    def report(message_name, resource, *args, field=None):
        calls.append((message_name, resource.ref(), args, field))

    ctx = Context(resources=[Resource(obj=BAD_VS), Resource(obj=SERVICE)])
    SchemaValidationAnalyzer().analyze(ctx, report)
    assert calls == [(
        "SchemaValidationError", "VirtualService default/x",
        ('spec.http[0].timeout: Invalid value: "string": must be a valid duration greater than 1ms',),
        "spec.http[0].timeout",
    )]


def test_analyzer_through_the_runner():
    from fn.analyze import runner

    assert "schema.ValidationAnalyzer" in runner.names(schema=True)
    assert "schema.ValidationAnalyzer" not in runner.names(schema=False)
    findings = runner.run([Resource(obj=BAD_VS), Resource(obj=BAD_PA), Resource(obj=SERVICE)],
                          analyzers=["schema.ValidationAnalyzer"], schema=True)
    got = [(f.code, f.name, f.level, f.resource.ref(), f.field, f.message) for f in findings]
    assert got == [
        ("IST0106", "SchemaValidationError", "Error", "PeerAuthentication default/x", None,
         "Schema validation error: some validation rules were not checked because the object was invalid; "
         "correct the existing errors to complete validation"),
        ("IST0106", "SchemaValidationError", "Error", "PeerAuthentication default/x", "spec.mtls.mode",
         'Schema validation error: spec.mtls.mode: Unsupported value: "strict": supported values: '
         '"UNSET", "DISABLE", "PERMISSIVE", "STRICT"'),
        ("IST0106", "SchemaValidationError", "Error", "VirtualService default/x", "spec.http[0].timeout",
         'Schema validation error: spec.http[0].timeout: Invalid value: "string": must be a valid duration '
         "greater than 1ms"),
    ]


def _run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_nothing_heavy_is_imported_until_validation_runs():
    out = _run("""
        import sys
        import fn.analyze, fn.analyze.model, fn.analyze.schema, fn.analyze.runner
        fn.analyze.runner.available(schema=False)  # every other analyzer imported
        heavy = ["cel", "cel.cel", "fn.analyze.schema.celrules", "fn.analyze.schema.structural",
                 "fn.analyze.analyzers.schema_validation"]
        print(sorted(m for m in heavy if m in sys.modules))
        from fn.analyze.schema import validate
        validate({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
                  "metadata": {"name": "x"}, "spec": {"hosts": ["r"]}})
        print(sorted(m for m in heavy if m in sys.modules))
        # The engine comes in without its command-line REPL (typer/rich/prompt_toolkit).
        print("prompt_toolkit" in sys.modules, "typer" in sys.modules)
    """)
    assert out.splitlines() == [
        "[]",
        "['cel.cel', 'fn.analyze.schema.celrules', 'fn.analyze.schema.structural']",
        "False False",
    ]


def test_the_engine_still_imports_normally_after_our_light_load():
    out = _run("""
        from fn.analyze.schema import celrules
        import cel
        print(cel.compile is celrules.cel.compile, cel.Context is celrules.cel.Context, cel.compile("1 + 1").execute())
    """)
    assert out == "True True 2"


def test_schemas_are_compiled_once_per_process():
    from fn.analyze.schema import structural

    assert structural.compiled(8) is structural.compiled(8)
