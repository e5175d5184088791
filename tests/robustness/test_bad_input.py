"""Bad input through the real CLI: one clear message on stderr saying what and where, a
non-zero exit, no traceback; where a ResourceList could be read, it comes back on stdout
with an error result (kpt shows results), and nothing in it is lost or changed."""

from __future__ import annotations

import re

import pytest

from fn import yamlnodes as yn

from ._support import RL_HEAD, cli, resource_list, rl_items, rl_results, text_of

SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: cart
  namespace: shop
spec:
  selector: {app: cart}
  ports: [{name: http, port: 80}]"""
CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata: {name: flags, namespace: shop}
data: {enabled: on, mode: 0755, mask: 0x1F}"""


def assert_fatal(proc, *needles: str) -> str:
    """A failure before any ResourceList could be read: exit 1, nothing on stdout, and
    exactly one line on stderr that names the problem."""
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert proc.stdout == b"", "nothing may be written when no ResourceList could be read"
    assert "Traceback" not in err and "internal error" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("istio-mesh-fn: error: "), err
    for needle in needles:
        assert re.search(needle, lines[0]), f"{needle!r} not in {lines[0]!r}"
    return lines[0]


def assert_handed_back(proc, sent: str, *needles: str) -> list[dict]:
    """A ResourceList that could be read comes back with error results: every item exactly
    as it was sent, exit 1, and each error on stderr too (kustomize/ArgoCD show only that)."""
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    out = proc.stdout.decode()
    results = rl_results(out)
    errors = [r for r in results if r["severity"] == "error"]
    assert errors, "an error must be reported as an error result"
    sent_items = yn.get(yn.compose_all(sent)[0], "items")
    back_items = yn.get(yn.compose_all(out)[0], "items")
    assert text_of(back_items) == text_of(sent_items), "items must come back exactly as sent"
    for needle in needles:
        assert any(re.search(needle, r["message"]) for r in errors), (needle, errors)
        assert re.search(needle, err), (needle, err)
    assert err.count("[error]") == len(errors)
    return errors


# ------------------------------------------------------------ unreadable input

@pytest.mark.parametrize("stdin, needles", [
    (b"", ["no input"]),
    (b"  \n\n\t\n", ["no input"]),
    (b"# only a comment\n---\n", ["no YAML documents"]),
    (b"apiVersion: v1\nkind: [unclosed\n", ["invalid YAML", r"line 3, column 1"]),
    (b"a: b\n  c: d\n", ["invalid YAML", r"line 2, column 4"]),
    (b"key: 'unterminated\n", ["invalid YAML", "line"]),
    (b"\x00\x01\x02\x03binary\xff", ["binary"]),
    (b"\x7fELF\x02\x01\x01\x00\x00\x00", ["binary"]),
    (b"apiVersion: v1\nkind: Caf\xe9\n", ["not UTF-8", r"0xe9", "line 2"]),
    (b"\xff\xfea\x00b\x00", ["binary|not UTF-8"]),
    (b"apiVersion: v1\nkind: X\x07\n", ["unacceptable character #x0007", "line 2, column 8"]),
    (b"- a\n- b\n", ["document 1 is not a mapping", "line 1, column 1"]),
    (b"just a string\n", ["document 1 is not a mapping"]),
    (b"42\n", ["document 1 is not a mapping"]),
])
def test_unreadable_input_is_one_clear_error(stdin, needles):
    assert_fatal(cli(stdin), *needles)


def test_wrong_kind_says_what_was_expected():
    line = assert_fatal(cli((RL_HEAD.replace("ResourceList", "ResourceLists") + "items: []\n").encode()),
                        "kind 'ResourceLists'", "kind: ResourceList", "line 1, column 1")
    assert "document 1" in line


def test_object_without_kind_is_refused():
    assert_fatal(cli(b"apiVersion: v1\nmetadata: {name: x}\n"), "no kind")


def test_several_documents_in_krm_mode():
    one = RL_HEAD + "items: []\n"
    assert_fatal(cli((one + "---\n" + one).encode()), "2 YAML documents", "exactly one ResourceList")
    assert_fatal(cli((SERVICE + "\n---\n" + one).encode()), "2 YAML documents", "document 2")


def test_duplicate_key_in_the_resource_list_itself():
    assert_fatal(cli((RL_HEAD + "items: []\nitems: []\n").encode()), "duplicate key 'items'", "line 4, column 1")


def test_recursive_alias_is_named():
    text = RL_HEAD + "items:\n- &loop {apiVersion: v1, kind: ConfigMap, metadata: {name: x}, data: *loop}\n"
    assert_fatal(cli(text.encode()), "alias to itself", "line 4, column 3")


def test_plain_stream_errors_name_the_document():
    stream = SERVICE + "\n---\n" + "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, name: b}\n"
    assert_fatal(cli(stream.encode()), "document 2", "duplicate key 'name'", "line 12, column 21")
    stream = SERVICE + "\n---\n- not\n- an object\n"
    assert_fatal(cli(stream.encode()), "document 2 is not a mapping", "line 10, column 1")
    stream = SERVICE + "\n---\napiVersion: v1\nkind: ConfigMap\ndata: {}\n"
    assert_fatal(cli(stream.encode()), "document 2", "no metadata")


# ------------------------------------------------- readable ResourceList, bad items

def test_items_that_is_not_a_list_comes_back_as_written():
    sent = RL_HEAD + "items: {apiVersion: v1, kind: ConfigMap}\n"
    proc = cli(sent.encode())
    assert_handed_back(proc, sent, "items must be a list", "line 3, column 8")


@pytest.mark.parametrize("bad, needles", [
    ("42", [r"items\[1\] is not a mapping", "line 12, column 3"]),
    ("[a, b]", [r"items\[1\] is not a mapping"]),
    ("kind: ConfigMap\nmetadata: {name: x}", [r"items\[1\] has no apiVersion", "line 12, column 3"]),
    ("apiVersion: v1\nmetadata: {name: x}", [r"items\[1\] has no kind"]),
    ("apiVersion: v1\nkind: ConfigMap\ndata: {}", [r"items\[1\] \(ConfigMap\) has no metadata"]),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {namespace: shop}", [r"items\[1\] \(ConfigMap\) has no metadata.name",
                                                                     "line 14, column 13"]),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [a]}", [r"metadata.name must be a string"]),
    ("apiVersion: [v1]\nkind: ConfigMap\nmetadata: {name: x}", [r"apiVersion must be a string"]),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {a: 1, a: 2}",
     [r"items\[1\]: duplicate key 'a'", "line 16, column 20"]),
])
def test_bad_item_is_an_error_result_and_everything_comes_back(bad, needles):
    sent = resource_list([SERVICE, bad, CONFIGMAP])
    errors = assert_handed_back(cli(sent.encode()), sent, *needles)
    assert len(errors) == 1 and errors[0]["field"]["path"] == "items[1]"


def test_every_bad_item_is_reported_at_once():
    sent = resource_list(["42", SERVICE, "kind: X\nmetadata: {name: y}", "apiVersion: v1\nkind: Y\nmetadata: {}"])
    errors = assert_handed_back(cli(sent.encode()), sent)
    assert [e["field"]["path"] for e in errors] == ["items[0]", "items[2]", "items[3]"]


def test_duplicate_key_in_function_config():
    sent = resource_list([SERVICE], "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  timeout: 5s\n  timeout: 6s")
    errors = assert_handed_back(cli(sent.encode()), sent, "functionConfig: duplicate key 'timeout'")
    assert errors[0]["field"]["path"] == "functionConfig"


def test_unsupported_resource_list_version_comes_back_with_an_error():
    sent = resource_list([SERVICE]).replace("config.kubernetes.io/v1", "config.kubernetes.io/v2")
    assert_handed_back(cli(sent.encode()), sent, "apiVersion 'config.kubernetes.io/v2' is not supported")


def test_error_results_follow_earlier_results_of_the_pipeline():
    sent = resource_list(["42"]) + "results:\n- {message: from an earlier function, severity: info}\n"
    proc = cli(sent.encode())
    results = rl_results(proc.stdout.decode())
    assert results[0]["message"] == "from an earlier function"
    assert [r["severity"] for r in results[1:]] == ["error"]


# -------------------------------------------- what must keep working: unnamed items

def test_kustomization_and_local_config_items_need_no_name():
    kustomization = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [svc.yaml]"
    local = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations:\n"
             "    config.kubernetes.io/local-config: \"true\"\ndata: {x: on}")
    sent = resource_list([kustomization, local, SERVICE])
    proc = cli(sent.encode())
    assert proc.returncode == 0, proc.stderr.decode()
    back = rl_items(proc.stdout.decode())
    sent_items = rl_items(sent)
    assert [text_of(n) for n in back[:3]] == [text_of(n) for n in sent_items]
    assert len(back) > 3  # and the Service still got its config


def test_no_error_path_writes_a_resource_list_that_looks_like_success():
    cases = [resource_list(["42"]), RL_HEAD + "items: 7\n",
             resource_list([SERVICE], "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {timeout: '30'}")]
    for sent in cases:
        proc = cli(sent.encode())
        assert proc.returncode == 1
        assert any(r["severity"] == "error" for r in rl_results(proc.stdout.decode()))
