"""The policy registry (fn/policies/__init__.py) against the modules it names.

The registry says what each policy makes and when it runs, without importing the module
(issue 15, start-up). These tests hold it to the modules: the kinds they build, and the
``wanted`` shortcut, which skips a module only when its generate() would have returned
an empty Output."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import yaml

from fn.function import run
from fn.policies import POLICIES, Output
from fn.policies.base import Policy
from fn.resourcelist import process

ROOT = Path(__file__).parent
GOLDEN = ROOT / "golden"
# Modules in fn/policies that generate no kind of their own: shared builders.
HELPERS = {"base", "gamma", "routes", "trafficpolicy", "waypointauthz"}


def test_every_policy_module_is_registered_once_and_every_entry_names_one():
    files = {p.stem for p in (ROOT.parent / "fn" / "policies").glob("*.py") if p.stem != "__init__"}
    names = [p.module for p in POLICIES]
    assert len(names) == len(set(names))
    assert set(names) == files - HELPERS


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.module)
def test_the_registry_names_the_kind_its_module_builds(policy):
    module = importlib.import_module(f"fn.policies.{policy.module}")
    assert callable(module.generate)
    if policy.kind is None:
        assert not hasattr(module, "KIND")
    else:
        assert (module.API_VERSION, module.KIND) == (policy.api_version, policy.kind)


def _empty(out: Output) -> bool:
    return not (out.objects or list(out.results) or out.edits or out.declined or out.covered or out.summary)


def _inputs():
    for case in sorted(GOLDEN.iterdir()):
        if (case / "input.yaml").exists():
            config = yaml.safe_load((case / "config.yaml").read_text()) if (case / "config.yaml").exists() else None
            yield case.name, (case / "input.yaml").read_bytes(), config


def test_a_policy_is_skipped_only_when_its_module_would_generate_nothing(monkeypatch):
    """Every golden case, every policy: where ``wanted`` says no, the module itself,
    asked anyway, returns an empty Output. Each shortcut must also say yes and no at least
    once over the cases, or this would prove nothing about it."""
    real = Policy.generate
    seen: dict[str, set[bool]] = {p.module: set() for p in POLICIES}
    failures = []
    case = ""

    def checked(self, model, settings):
        wanted = self.wanted(model, settings)
        seen[self.module].add(wanted)
        if not wanted:
            out = self.load().generate(model, settings)
            if not _empty(out):
                failures.append((case, self.module, out))
        return real(self, model, settings)

    monkeypatch.setattr(Policy, "generate", checked)
    for case, data, config in _inputs():
        process(data, run, config)
    assert not failures
    shortcuts = {p.module for p in POLICIES if p.wanted is not POLICIES[0].wanted}
    assert shortcuts == {"httproute", "grpcroute", "tcproute", "waypoint", "ambientmigration", "serviceaccount"}
    for module in shortcuts:
        assert seen[module] == {True, False}, (module, seen[module])


def test_a_run_with_no_config_imports_only_the_policies_it_runs():
    import subprocess
    import sys

    code = ("import sys, io; from fn.cli import main; "
            "sys.stdin = io.TextIOWrapper(io.BytesIO(sys.argv[1].encode())); "
            "sys.stdout = io.TextIOWrapper(io.BytesIO()); main([]); "
            "sys.stderr.write(' '.join(sorted(m for m in sys.modules if m.startswith('fn.policies.'))))")
    text = (ROOT.parent / "kustomization-example" / "base").rglob("*.yaml")
    docs = "\n---\n".join(p.read_text() for p in sorted(text) if p.name != "kustomization.yaml")
    proc = subprocess.run([sys.executable, "-c", code, docs], capture_output=True, text=True, check=True)
    imported = {m.rsplit(".", 1)[1] for m in proc.stderr.split()}
    assert imported == {"base", "namespacelabels", "destinationrule", "virtualservice", "peerauthentication",
                        "routes", "trafficpolicy"}
