"""A ResourceList read one entry at a time (fn/yamlread.py ``cut_resource_list``,
fn/resourcelist.py ``_read_cut``) must give exactly what composing the whole document
gives: the same output and results for every input, the whole document's reading
wherever the text is not cut simply. It is what keeps peak memory near 20 bytes per
input byte (docs/performance.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from fn import resourcelist as rl, yamlnodes as yn
from fn.function import run
from fn.yamlread import compose_span

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import generate  # noqa: E402

HEAD = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"
NS = "- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: shop\n"
SVC = ("- apiVersion: v1\n  kind: Service\n  metadata:\n    name: web\n    namespace: shop\n"
       "  spec:\n    selector:\n      app: web\n    ports:\n    - name: http\n      port: 80\n")
DEPLOY = ("- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n    namespace: shop\n"
          "  spec:\n    template:\n      metadata:\n        labels:\n          app: web\n")


def _whole(monkeypatch: pytest.MonkeyPatch, text: str) -> rl.Outcome:
    with monkeypatch.context() as m:
        m.setattr(rl, "_read_cut", lambda _text: None)
        return rl.process(text.encode(), run)


def _same(monkeypatch: pytest.MonkeyPatch, text: str) -> rl.Outcome:
    cut = rl.process(text.encode(), run)
    whole = _whole(monkeypatch, text)
    assert (cut.stdout, cut.exit_code, cut.fatal) == (whole.stdout, whole.exit_code, whole.fatal)
    assert [r.to_dict() for r in cut.results] == [r.to_dict() for r in whole.results]
    return cut


CUT = {
    "plain": HEAD + "items:\n" + NS + SVC + DEPLOY,
    "wide sequence": HEAD + "items:\n" + "".join("  " + ln if ln.strip() else ln
                                                 for ln in (NS + SVC + DEPLOY).splitlines(True)),
    "comments between and after entries": HEAD + "items:\n# lead\n" + NS + "# between\n\n" + SVC
    + "  # indented\n" + DEPLOY + "# trailing\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n"
    "  metadata:\n    name: c\n  data:\n    defaultNamespace: shop\n",
    "head comment after the dash": HEAD + "items:\n- # the namespace\n  apiVersion: v1\n  kind: Namespace\n"
    "  metadata:\n    name: shop\n" + SVC,
    "dash alone on its line": HEAD + "items:\n-\n  apiVersion: v1\n  kind: Namespace\n  metadata:\n"
    "    name: shop\n" + SVC,
    "results and config before items": "results:\n- message: earlier\n  severity: info\n" + HEAD
    + "functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n" + "items:\n" + NS + SVC,
    "CRLF": (HEAD + "items:\n" + NS + SVC + DEPLOY).replace("\n", "\r\n"),
    "tags, anchors without aliases, block scalars": HEAD + "items:\n" + NS + SVC
    + "- apiVersion: v1\n  kind: ConfigMap\n  metadata: &m\n    name: tags\n    namespace: shop\n  data:\n"
    "    a: !!str 0755\n    b: !!int \"8080\"\n    c: |\n      - not an entry\n      x\n    d: >-\n      folded\n",
    "no newline at the end": HEAD + "items:\n" + NS + SVC.rstrip("\n"),
    "a flow entry": HEAD + "items:\n" + NS + "- {apiVersion: v1, kind: ConfigMap, metadata: {name: f}}\n" + SVC,
    "merge key": HEAD + "items:\n" + NS + "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: m\n"
    "    namespace: shop\n    <<: {labels: {a: b}}\n" + SVC,
    # Keys the duplicate check does not compare (not scalars) but that convert to one
    # Python key: the one-walk check falls back to duplicate_key, which lets them through.
    "two complex keys that write the same": HEAD + "items:\n" + NS + "- apiVersion: v1\n  kind: ConfigMap\n"
    "  metadata:\n    name: k\n    namespace: shop\n  data:\n    ? [a]\n    : x\n    ? [a]\n    : y\n" + SVC,
}

WHOLE = {
    "quoted scalar over a dash line": HEAD + "items:\n" + NS + "- apiVersion: v1\n  kind: ConfigMap\n"
    "  metadata:\n    name: q\n  data:\n    x: \"a\n- b\"\n" + SVC,
    "flow collection over a dash line": HEAD + "items:\n" + NS + "- apiVersion: v1\n  kind: ConfigMap\n"
    "  metadata:\n    name: q\n  data:\n    x: [a,\n- b]\n" + SVC,
    "alias across entries": HEAD + "items:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n"
    "    name: shop\n    labels: &l\n      team: a\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n"
    "    name: c\n    namespace: shop\n    labels: *l\n",
    "alias within an entry": HEAD + "items:\n" + NS + "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n"
    "    name: c\n    namespace: shop\n    labels: &l {a: b}\n    annotations: *l\n",
    "duplicate anchors in two entries": HEAD + "items:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n"
    "    name: shop\n    labels: &l {a: b}\n    annotations: *l\n- apiVersion: v1\n  kind: ConfigMap\n"
    "  metadata:\n    name: c\n    namespace: shop\n    labels: &l {c: d}\n    annotations: *l\n",
    "duplicate key in an entry": HEAD + "items:\n" + NS + "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n"
    "    name: c\n    name: d\n" + SVC,
    "duplicate key deep in an entry": HEAD + "items:\n" + NS + SVC + "- apiVersion: apps/v1\n  kind: Deployment\n"
    "  metadata:\n    name: d\n    namespace: shop\n  spec:\n    template:\n      spec:\n        containers:\n"
    "        - name: a\n          image: x\n          image: y\n",
    "entry without a name": HEAD + "items:\n" + NS + "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {}\n",
    "unsupported apiVersion": "apiVersion: v1\nkind: ResourceList\nitems:\n" + NS,
    "two items keys": HEAD + "items:\n" + NS + "items:\n" + SVC,
    "invalid YAML in an entry": HEAD + "items:\n" + NS + "- apiVersion: v1\n  kind: [\n",
    "a tab at the dash column": HEAD + "items:\n" + NS + "\t- apiVersion: v1\n",
    "JSON": '{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": '
    '[{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}]}',
    "empty items": HEAD + "items: []\n",
    "items a mapping": HEAD + "items:\n  a: 1\n",
    "document end after items": HEAD + "items:\n" + NS + "---\n" + HEAD + "items: []\n",
}


@pytest.mark.parametrize("name", sorted(CUT))
def test_cut_reading_gives_what_the_whole_document_gives(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    text = CUT[name]
    assert rl._read_cut(text) is not None, "expected this text to be read one entry at a time"
    _same(monkeypatch, text)


@pytest.mark.parametrize("name", sorted(WHOLE))
def test_texts_not_cut_simply_are_read_whole(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    assert rl._read_cut(WHOLE[name]) is None
    _same(monkeypatch, WHOLE[name])


def test_benchmark_input_keeps_no_node_graphs(monkeypatch: pytest.MonkeyPatch) -> None:
    text = generate.resource_list(3)
    read = rl._read_cut(text)
    assert read is not None
    _root, items = read
    assert items and all(i._node is None and i.source is not None for i in items)
    _same(monkeypatch, text)


def test_a_node_composed_again_has_the_marks_of_the_input() -> None:
    text = CUT["comments between and after entries"]
    read = rl._read_cut(text)
    assert read is not None
    svc = next(i for i in read[1] if i.kind == "Service")
    assert svc.source is not None
    node = compose_span(svc.source)
    port = yn.get_path(node, "spec", "ports")
    assert port is not None and port.start_mark is not None
    lines = text.splitlines()
    assert lines[port.start_mark.line][port.start_mark.column:].startswith("- name: http")
    assert text[port.start_mark.index:].startswith("- name: http")
    assert svc.get("spec", "ports") == [{"name": "http", "port": 80}]


def test_get_hands_out_a_copy() -> None:
    read = rl._read_cut(CUT["plain"])
    assert read is not None
    svc = next(i for i in read[1] if i.kind == "Service")
    svc.get("spec", "selector")["app"] = "changed"
    assert svc.get("spec", "selector") == {"app": "web"}
    assert svc.obj["spec"]["selector"] == {"app": "web"}


@pytest.mark.parametrize("name", ["plain", "no newline at the end", "CRLF", "a flow entry"])
def test_the_cli_writes_the_pieces_as_the_whole_text(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    import io

    from fn import cli

    whole = rl.process(CUT[name].encode(), run)
    outcome = rl.process(CUT[name], run, pieces=True)
    assert outcome.stdout == "" and outcome.pieces is not None
    assert any(not isinstance(p, str) for p in outcome.pieces), "untouched items are ranges of the input"
    monkeypatch.setattr(cli, "_BLOCK", 7)  # blocks cut inside pieces and lines
    raw = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(raw, encoding="utf-8"))
    cli.write_out(outcome.pieces)
    assert raw.getvalue() == whole.stdout.encode()


def test_to_py_unique_raises_only_where_two_keys_become_one() -> None:
    from fn import yamlnodes as yn

    [ok] = yn.compose_all("a: {b: 1, c: [{d: 2, e: 3}]}\n'1': x\n2: y\n")
    assert yn.to_py(ok, unique=True) == {"a": {"b": 1, "c": [{"d": 2, "e": 3}]}, "1": "x", "2": "y"}
    # '1' and 1 are one key as Kubernetes reads it (JSON keys are strings), as duplicate_key has it.
    for text in ("a: 1\na: 2\n", "'1': x\n1: y\n", "a: {b: 1, b: 2}\n", "a: [{d: 2, d: 3}]\n", "? [x]\n: 1\n? [x]\n: 2\n"):
        [node] = yn.compose_all(text)
        with pytest.raises(yn.KeysCollapsed):
            yn.to_py(node, unique=True)
        yn.to_py(node)  # without unique, the last one wins as before
