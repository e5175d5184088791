"""The runner's pieces: istioctl's catalog, Go templates, selection, loading, fields."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from fn.analyze import runner
from fn.analyze.load import Loaded, LoadError, load_bytes, load_paths
from fn.analyze.model import Analyzer, Finding, Resource, register
from fn.analyze.paths import node_at, split

ANALYZERS = Path(runner.__file__).parent / "analyzers"


def test_catalog_matches_istioctl():
    msgs = runner.catalog()
    assert msgs["ReferencedResourceNotFound"].code == "IST0101"
    assert msgs["ReferencedResourceNotFound"].level == "Error"
    assert msgs["PortNameIsNotUnderNamingConvention"].level == "Info"
    assert len({m.code for m in msgs.values()}) == len(msgs)


def test_every_reported_message_exists():
    # A typo in a message name would only show at run time, as an InternalError.
    names = set()
    for f in ANALYZERS.glob("*.py"):
        names |= set(re.findall(r'report\(\s*"(\w+)"', f.read_text()))
    assert len(names) > 20, names
    assert names <= set(runner.catalog()), names - set(runner.catalog())


@pytest.mark.parametrize("template,args,want", [
    ("Referenced %s not found: %q", ["host", "a\"b"], 'Referenced host not found: "a\\"b"'),
    ("The Sidecars %v in namespace %q", [["a", "b"], "ns"], 'The Sidecars [a b] in namespace "ns"'),
    ("ports %v", [[80, 443]], "ports [80 443]"),
    ("port %d", [9080], "port 9080"),
    ("100%% %s", ["sure"], "100% sure"),
    ("%s and %s", ["one"], "one and %!s(MISSING)"),
])
def test_go_templates(template, args, want):
    assert runner.render(template, args) == want


def test_unknown_analyzer_names_the_known_ones():
    with pytest.raises(runner.UnknownAnalyzer, match="known: .*virtualservice.GatewayAnalyzer"):
        runner.select(["virtualservice.Nope"])


def test_a_crashing_analyzer_becomes_an_internal_error():
    @register
    class Broken(Analyzer):
        name = "test.BrokenAnalyzer"

        def analyze(self, ctx, report):
            raise KeyError("boom")

    try:
        [f] = runner.run([], analyzers=["test.BrokenAnalyzer"])
        assert (f.code, f.level, f.analyzer) == ("IST0001", "Error", "test.BrokenAnalyzer")
        assert "KeyError" in f.message
    finally:
        from fn.analyze import model

        model.REGISTRY.remove(Broken)


def test_system_namespaces_are_left_out():
    text = b"apiVersion: v1\nkind: Service\nmetadata: {name: dns, namespace: kube-system}\nspec: {ports: [{port: 53}]}\n"
    loaded = Loaded()
    load_bytes(text, "x.yaml", loaded)
    assert runner.run(loaded.resources) == []


def test_findings_are_sorted_and_deduplicated():
    r = Resource(obj={"kind": "Service", "metadata": {"name": "a"}})
    mk = lambda level, code, field=None: Finding(code, "N", level, "x", "m", r, field)  # noqa: E731
    out = runner.sort_findings([mk("Info", "IST0118"), mk("Error", "IST0101"), mk("Error", "IST0101", "spec"),
                                mk("Warning", "IST0002")])
    assert [(f.level, f.code) for f in out] == [("Error", "IST0101"), ("Warning", "IST0002"), ("Info", "IST0118")]


def test_lists_and_resource_lists_are_unwrapped():
    text = b"""\
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Service, metadata: {name: a}}
---
apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: Service
  metadata:
    name: b
    annotations: {internal.config.kubernetes.io/path: svc/b.yaml, internal.config.kubernetes.io/index: '3'}
"""
    loaded = Loaded()
    load_bytes(text, "in.yaml", loaded)
    assert [(r.name, r.file, r.index) for r in loaded.resources] == [("a", "in.yaml", 0), ("b", "svc/b.yaml", 3)]


def test_load_errors_name_the_file(tmp_path):
    bad = tmp_path / "x.yaml"
    bad.write_bytes(b"a: 1\nb: \xff\n")
    with pytest.raises(LoadError, match=r"x\.yaml:2: not UTF-8"):
        load_paths([str(bad)])
    with pytest.raises(LoadError, match="cannot read"):
        load_paths([str(tmp_path / "missing.yaml")])


def test_stdin_is_read_once():
    loaded = load_paths(["-"], stdin=io.BytesIO(b"apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n"))
    assert [r.ref() for r in loaded.resources] == ["Namespace x"]


def test_field_paths_resolve_to_lines():
    assert split('spec.http[0].route[1]["a.b/c"].x') == ["spec", "http", 0, "route", 1, "a.b/c", "x"]
    text = b"apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  ports:\n  - port: 80\n  - port: 81\n"
    loaded = Loaded()
    load_bytes(text, "s.yaml", loaded)
    r = loaded.resources[0]
    assert r.field_line("spec.ports[1].port") == 8
    assert r.field_line("spec.ports[5]") == 7  # the nearest field that exists: the list
    assert node_at(r.node, "nope[") is None
