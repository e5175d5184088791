"""The ResourceList adapter (fn/resourcelist.py), in-process: bytes in, bytes out around a
transform. Stand-in transforms keep each case about the adapter (what it reads, refuses,
hands back and writes), not about what the generator makes; the last cases run the real
function once per mode."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from fn.function import run as real_run
from fn.items import Item
from fn.resourcelist import Outcome, is_resource_list, process
from fn.results import Results
from fn import yamlnodes as yn

RL = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"
# Written with comments, quoting and flow style a re-serialization would change.
CM_A = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}  # keep me\ndata: {x: 'on', y: \"0755\"}\n"
CM_B = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  z: '1'\n"


def entries(*objs: str, indent: str = "") -> str:
    """``objs`` as the entries of a block sequence whose dash is at ``indent``."""
    out = ""
    for obj in objs:
        lines = obj.strip("\n").split("\n")
        out += indent + "- " + lines[0] + "\n" + "".join(indent + "  " + ln + "\n" for ln in lines[1:])
    return out


class Calls:
    """A transform that records what it was given and applies ``edit``."""

    def __init__(self, edit: Any = None):
        self.calls: list[tuple[list[dict[str, Any]], Any]] = []
        self.edit = edit

    def __call__(self, items: list[Item], fc: Any, results: Results) -> list[Item]:
        self.calls.append(([i.obj for i in items], fc))
        return self.edit(items, results) if self.edit else items


def go(text: str, edit: Any = None, override: Any = None) -> tuple[Outcome, Calls]:
    calls = Calls(edit)
    return process(text.encode(), calls, override), calls


def add_one(items: list[Item], results: Results) -> list[Item]:
    return [*items, Item.from_obj({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "new"}})]


def edit_first(items: list[Item], results: Results) -> list[Item]:
    items[0].set_annotation("edited", "yes")
    return items


def loaded(stdout: str) -> dict[str, Any]:
    return yaml.safe_load(stdout)


# ------------------------------------------------------------ KRM mode: success

@pytest.mark.parametrize("version", ["config.kubernetes.io/v1", "config.kubernetes.io/v1beta1"])
def test_an_untouched_resource_list_comes_back_byte_for_byte(version):
    text = f"apiVersion: {version}\nkind: ResourceList\nitems:\n" + entries(CM_A, CM_B)
    out, calls = go(text)
    assert (out.exit_code, out.fatal, out.results) == (0, None, [])
    assert out.stdout == text
    assert [o["metadata"]["name"] for o in calls.calls[0][0]] == ["a", "b"]
    assert calls.calls[0][1] is None


def test_entries_indented_under_items_keep_their_indent():
    text = RL + "items:\n" + entries(CM_A, CM_B, indent="  ")
    out, _ = go(text, add_one)
    assert out.stdout.startswith(RL + "items:\n" + entries(CM_A, CM_B, indent="  "))
    assert out.stdout.endswith("  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: new\n")


def test_an_edited_item_is_rewritten_and_its_neighbours_kept_as_written():
    text = RL + "items:\n" + entries(CM_B, CM_A)
    out, _ = go(text, edit_first)
    assert out.stdout == RL + "items:\n" + (
        "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: b\n    annotations:\n      edited: 'yes'\n"
        "  data:\n    z: '1'\n") + entries(CM_A)


def test_new_items_follow_and_the_function_config_and_other_keys_keep_their_place():
    text = (RL + "functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: fc}\n  data: {k: v}\n"
            "items:\n" + entries(CM_A) + "extra: [1, 2]\n")
    out, calls = go(text, add_one)
    assert calls.calls[0][1] == {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "fc"}, "data": {"k": "v"}}
    assert out.stdout == (RL + "functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: fc}\n"
                          "  data: {k: v}\nitems:\n" + entries(CM_A)
                          + "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: new\nextra: [1, 2]\n")


def test_a_config_override_replaces_the_function_config():
    text = RL + "items: []\nfunctionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: fc}}\n"
    _, calls = go(text, override={"from": "the command line"})
    assert calls.calls[0][1] == {"from": "the command line"}


@pytest.mark.parametrize("items", ["items: []\n", "items:\n", "items: null\n", ""])
def test_no_items_is_an_empty_list_and_results_are_written_after_it(items):
    def note(its: list[Item], results: Results) -> list[Item]:
        results.info("hello", field={"path": "x"})
        return its

    out, calls = go(RL + items, note)
    assert calls.calls[0][0] == []
    assert out.stdout == RL + "items: []\nresults:\n- message: hello\n  severity: info\n  field:\n    path: x\n"
    assert (out.exit_code, [r.message for r in out.results]) == (0, ["hello"])


def test_no_results_key_is_written_when_there_are_none():
    out, _ = go(RL + "items: []\n")
    assert out.stdout == RL + "items: []\n"


def test_results_of_earlier_functions_come_first():
    def note(its: list[Item], results: Results) -> list[Item]:
        results.warning("mine")
        return its

    out, _ = go(RL + "items: []\nresults:\n- {message: earlier, severity: info}\n", note)
    assert [r["message"] for r in loaded(out.stdout)["results"]] == ["earlier", "mine"]
    assert out.stdout.endswith("results:\n- {message: earlier, severity: info}\n- message: mine\n  severity: warning\n")
    # something that is no list of results is replaced, not extended
    out, _ = go(RL + "items: []\nresults: none\n", note)
    assert loaded(out.stdout)["results"] == [{"message": "mine", "severity": "warning"}]


def test_a_transform_error_is_exit_1_with_the_resource_list_written():
    def fail(its: list[Item], results: Results) -> list[Item]:
        results.error("boom")
        return its

    text = RL + "items:\n" + entries(CM_A)
    out, _ = go(text, fail)
    assert out.exit_code == 1 and out.fatal is None
    assert out.stdout == text + "results:\n- message: boom\n  severity: error\n"


def test_flow_style_and_json_items_are_written_by_the_emitter():
    # a flow sequence has no entry text to copy; its entries keep their own style
    out, _ = go(RL + "items: [{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}]\n")
    assert out.stdout == RL + "items:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n"
    out, _ = go('{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": '
                '[{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}]}')
    assert out.stdout == RL + "items:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n"


def test_an_item_using_an_anchor_from_another_item_is_written_out_whole():
    text = (RL + "items:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n  data: &d {k: v}\n"
            "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n  data: *d\n")
    out, calls = go(text)
    assert calls.calls[0][0][1]["data"] == {"k": "v"}
    # the anchoring item as written, the aliasing one with the alias expanded: its text
    # alone would name an anchor that is not there
    assert out.stdout == (RL + "items:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n"
                          "  data: &d {k: v}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n"
                          "  data: {k: v}\n")


def test_an_anchor_used_inside_one_item_keeps_its_text():
    item = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: &l {x: y}}\ndata: *l\n"
    text = RL + "items:\n" + entries(item)
    out, _ = go(text)
    assert out.stdout == text


# ------------------------------------------------------ KRM mode: bad ResourceLists

def handed_back(text: str, *errors: tuple[str, str]) -> None:
    """The ResourceList comes back with its items exactly as sent and one error result
    per (field path, message), and the transform never ran."""
    out, calls = go(text)
    assert calls.calls == [] and out.exit_code == 1 and out.fatal is None
    assert [(r.field["path"], r.message) for r in out.results] == list(errors)
    assert all(r.severity == "error" for r in out.results)
    # as sent, comments aside: the emitter writes them back
    assert loaded(out.stdout)["items"] == loaded(text)["items"]
    assert [(r["field"]["path"], r["message"]) for r in loaded(out.stdout)["results"]] == list(errors)


@pytest.mark.parametrize("items", ["items: {a: 1}\n", "items: 7\n", "items: 'x'\n"])
def test_items_that_is_no_list_comes_back_as_written(items):
    handed_back(RL + items, ("items", "ResourceList items must be a list, at line 3, column 8"))


def test_an_unsupported_version_is_refused_and_named():
    out, _ = go(RL.replace("/v1", "/v2") + "items: []\n")
    assert out.results[0].field == {"path": "apiVersion", "currentValue": "config.kubernetes.io/v2"}
    handed_back(RL.replace("/v1", "/v2") + "items:\n" + entries(CM_A), (
        "apiVersion", "ResourceList apiVersion 'config.kubernetes.io/v2' is not supported; use "
        "config.kubernetes.io/v1 or config.kubernetes.io/v1beta1"))


BAD_ITEMS = [
    ("42", "items[1] is not a mapping (a Kubernetes object) at line 10, column 3"),
    ("[a, b]", "items[1] is not a mapping (a Kubernetes object) at line 10, column 3"),
    ("kind: ConfigMap\nmetadata: {name: x}", "items[1] has no apiVersion at line 10, column 3"),
    ("apiVersion: ''\nkind: ConfigMap\nmetadata: {name: x}", "items[1] has no apiVersion at line 10, column 3"),
    ("apiVersion: v1\nmetadata: {name: x}", "items[1] has no kind at line 10, column 3"),
    ("apiVersion: [v1]\nkind: ConfigMap\nmetadata: {name: x}", "items[1]: apiVersion must be a string, at line 10, column 15"),
    ("apiVersion: v1\nkind: {a: b}\nmetadata: {name: x}", "items[1]: kind must be a string, at line 11, column 9"),
    ("apiVersion: v1\nkind: ConfigMap\ndata: {}", "items[1] (ConfigMap) has no metadata mapping at line 10, column 3"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: x", "items[1] (ConfigMap) has no metadata mapping at line 12, column 13"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {namespace: shop}",
     "items[1] (ConfigMap) has no metadata.name at line 12, column 13"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ''}", "items[1] (ConfigMap) has no metadata.name at line 12, column 13"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [a]}",
     "items[1] (ConfigMap): metadata.name must be a string, at line 12, column 20"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {a: 1, a: 2}",
     "items[1]: duplicate key 'a' at line 14, column 20 (Kubernetes refuses duplicate keys)"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  annotations:\n    config.kubernetes.io/local-config: 'false'",
     "items[1] (ConfigMap) has no metadata.name at line 13, column 5"),
]


@pytest.mark.parametrize("bad,message", BAD_ITEMS, ids=[m.split(" at ")[0] for _, m in BAD_ITEMS])
def test_a_bad_item_is_an_error_result_and_everything_comes_back(bad, message):
    if "local-config" in bad:
        bad = bad.replace("  name: x\n", "")
    handed_back(RL + "items:\n" + entries(CM_B, bad, CM_A), ("items[1]", message))


def test_every_bad_item_is_reported_at_once():
    text = RL + "items:\n" + entries("42", CM_A, "kind: X\nmetadata: {name: y}", "apiVersion: v1\nkind: Y\nmetadata: {}")
    handed_back(text, ("items[0]", "items[0] is not a mapping (a Kubernetes object) at line 4, column 3"),
                ("items[2]", "items[2] has no apiVersion at line 9, column 3"),
                ("items[3]", "items[3] (Y) has no metadata.name at line 13, column 13"))


def test_a_duplicate_key_in_the_function_config_is_refused():
    text = RL + "items:\n" + entries(CM_A) + "functionConfig:\n  data: {k: 1, k: 2}\n"
    handed_back(text, ("functionConfig",
                       "functionConfig: duplicate key 'k' at line 9, column 16 (Kubernetes refuses duplicate keys)"))


@pytest.mark.parametrize("item", [
    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]",
    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nmetadata: {labels: {a: b}}",
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations: {config.kubernetes.io/local-config: 'true'}",
])
def test_kustomizations_and_local_config_need_no_name(item):
    text = RL + "items:\n" + entries(item, CM_A)
    out, calls = go(text)
    assert out.exit_code == 0 and out.results == [] and out.stdout == text
    assert len(calls.calls[0][0]) == 2


def test_an_object_of_another_group_without_metadata_is_refused():
    handed_back(RL + "items:\n" + entries("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nmetadata: 3"),
                ("items[0]", "items[0] (Kustomization) has no metadata mapping at line 6, column 13"))
    handed_back(RL + "items:\n" + entries("apiVersion: config.k8s.io/v1\nkind: Kustomization"),
                ("items[0]", "items[0] (Kustomization) has no metadata mapping at line 4, column 3"))


def test_is_resource_list():
    from fn.yamlread import parse_documents

    assert is_resource_list(parse_documents(RL)[0])
    assert not is_resource_list(parse_documents("kind: ResourceLists\n")[0])
    assert not is_resource_list(parse_documents("[kind, ResourceList]\n")[0])


# ------------------------------------------------------------- unreadable input

FATAL = [
    ("", "no input: expected a ResourceList (or Kubernetes objects) on stdin"),
    ("# c\n---\n", "no YAML documents in the input"),
    (RL + "items: []\n---\n" + RL + "items: []\n", "the input holds 2 YAML documents (the ResourceList is document 1); "
     "a KRM function reads exactly one ResourceList"),
    ("---\n" + CM_A + "---\n" + RL + "items: []\n", "the input holds 2 YAML documents (the ResourceList is document 2); "
     "a KRM function reads exactly one ResourceList"),
    (RL + "items: []\nitems: []\n", "ResourceList: duplicate key 'items' at line 4, column 1 (Kubernetes refuses duplicate keys)"),
    ("- a\n- b\n", "document 1 is not a mapping at line 1, column 1; expected a ResourceList"),
    ("kind: ResourceLists\napiVersion: config.kubernetes.io/v1\nitems: []\n", "document 1 has kind 'ResourceLists' "
     "at line 1, column 1; a KRM function reads kind: ResourceList (apiVersion config.kubernetes.io/v1)"),
    # the KRM apiVersion alone says it was meant as one
    ("apiVersion: config.kubernetes.io/v1\nkind: ResourceLists\nmetadata: {name: x}\n", "document 1 has kind "
     "'ResourceLists' at line 1, column 1; a KRM function reads kind: ResourceList (apiVersion config.kubernetes.io/v1)"),
    ("apiVersion: config.kubernetes.io/v1beta1\nitems: []\n", "document 1 has kind None at line 1, column 1; a KRM "
     "function reads kind: ResourceList (apiVersion config.kubernetes.io/v1)"),
    ("kind: Foo\nitems: []\n", "document 1 has kind 'Foo' at line 1, column 1; a KRM function reads kind: "
     "ResourceList (apiVersion config.kubernetes.io/v1)"),
    ("apiVersion: v1\nmetadata: {name: x}\n", "input is not a ResourceList: it has no kind"),
    (CM_A + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, name: b}\n",
     "document 2: duplicate key 'name' at line 8, column 21 (Kubernetes refuses duplicate keys)"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {a: 1, a: 2}\n",
     "document 1: duplicate key 'a' at line 4, column 14 (Kubernetes refuses duplicate keys)"),
    (CM_A + "---\n- a\n", "document 2 is not a mapping (a Kubernetes object) at line 6, column 1"),
    (CM_A + "---\napiVersion: v1\nkind: ConfigMap\ndata: {}\n",
     "document 2 (ConfigMap) has no metadata mapping at line 6, column 1"),
    ("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- 42\n",
     "document 1 items[1] is not a mapping (a Kubernetes object) at line 7, column 3"),
]


@pytest.mark.parametrize("text,message", FATAL, ids=[m[:50] for _, m in FATAL])
def test_unreadable_input_is_one_fatal_message(text, message):
    out, calls = go(text)
    assert (out.exit_code, out.fatal, out.stdout, out.results, calls.calls) == (1, message, "", [], [])


# ------------------------------------------------------------------ plain mode

def test_a_plain_stream_comes_back_as_written_with_separators():
    text = "# Source: chart/a.yaml\n" + CM_A + "---\n" + CM_B
    out, calls = go(text)
    assert (out.exit_code, out.fatal) == (0, None)
    assert out.stdout == "---\n# Source: chart/a.yaml\n" + CM_A + "---\n" + CM_B
    assert [o["metadata"]["name"] for o in calls.calls[0][0]] == ["a", "b"]


def test_a_single_object_is_written_without_a_separator():
    out, _ = go(CM_A)
    assert out.stdout == CM_A
    out, _ = go(CM_B, edit_first)
    assert out.stdout == ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  annotations:\n    edited: 'yes'\n"
                          "data:\n  z: '1'\n")


def test_a_recursion_error_anywhere_is_one_fatal_message():
    def deep(items: list[Item], results: Results) -> list[Item]:
        raise RecursionError

    for text in (CM_A, RL + "items: []\n"):
        out, _ = go(text, deep)
        assert (out.exit_code, out.fatal, out.stdout) == (1, "input is nested too deeply to process", "")


def test_new_and_edited_objects_are_documents_of_their_own():
    out, _ = go(CM_B + "---\n" + CM_A, lambda items, r: add_one(edit_first(items, r), r))
    assert out.stdout == (
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  annotations:\n    edited: 'yes'\n"
        "data:\n  z: '1'\n---\n" + CM_A
        + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new\n")
    assert [d["metadata"]["name"] for d in yaml.safe_load_all(out.stdout)] == ["b", "a", "new"]
    # two in a row that need the emitter: one call, still one document each
    out, _ = go(CM_A, lambda items, r: add_one(add_one(items, r), r))
    assert out.stdout == "---\n" + CM_A + ("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new\n") * 2


def test_a_plain_stream_gets_the_function_config_it_was_given():
    _, calls = go(CM_A, override={"apiVersion": "v1", "kind": "ConfigMap"})
    assert calls.calls[0][1] == {"apiVersion": "v1", "kind": "ConfigMap"}
    _, calls = go(CM_A)
    assert calls.calls[0][1] is None


def test_a_kubectl_list_is_unwrapped_and_its_entries_kept_as_written():
    text = "apiVersion: v1\nkind: List\nitems:\n" + entries(CM_A, CM_B)
    out, calls = go(text)
    assert [o["metadata"]["name"] for o in calls.calls[0][0]] == ["a", "b"]
    assert out.stdout == "---\n" + CM_A + "---\n" + CM_B
    # a List whose items is no list holds no objects
    out, calls = go("apiVersion: v1\nkind: List\nitems: 3\n---\n" + CM_B)
    assert [o["metadata"]["name"] for o in calls.calls[0][0]] == ["b"]


def test_a_flow_style_or_json_object_is_written_in_block_style():
    out, _ = go("{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n")
    assert out.stdout == "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"
    # JSON input has no YAML text to copy: every object goes through the emitter
    out, _ = go('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}\n---\n' + CM_B)
    assert out.stdout == "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n" + "---\n" + (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  z: '1'\n")


def test_a_list_entry_using_an_anchor_of_another_entry_is_written_out_whole():
    text = ("apiVersion: v1\nkind: List\nitems:\n" + entries(CM_B.replace("\ndata:", "\ndata: &d"))
            + "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n  data: *d\n")
    out, calls = go(text)
    assert calls.calls[0][0][1]["data"] == {"z": "1"}
    assert out.stdout == ("---\n" + CM_B.replace("\ndata:", "\ndata: &d")
                          + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  z: '1'\n")


def test_a_failed_plain_run_prints_nothing():
    def fail(its: list[Item], results: Results) -> list[Item]:
        results.warning("look")
        results.error("boom")
        return its

    out, _ = go(CM_A, fail)
    assert (out.stdout, out.exit_code, [r.message for r in out.results]) == ("", 1, ["look", "boom"])
    out, _ = go(CM_A, lambda its, r: (r.warning("look"), its)[1])
    assert (out.stdout, out.exit_code) == (CM_A, 0)


# -------------------------------------------------------------- the real function

SERVICE = ("apiVersion: v1\nkind: Service\nmetadata: {name: cart, namespace: shop}\n"
           "spec: {selector: {app: cart}, ports: [{name: http, port: 80}]}\n")


def test_the_function_through_the_adapter_in_both_modes():
    text = RL + "items:\n" + entries(SERVICE) + "functionConfig: {apiVersion: v1, kind: ConfigMap, data: {timeout: 5s}}\n"
    out = process(text.encode(), real_run)
    assert out.exit_code == 0 and out.fatal is None
    doc = loaded(out.stdout)
    kinds = [i["kind"] for i in doc["items"]]
    assert kinds[0] == "Service" and "VirtualService" in kinds
    vs = next(i for i in doc["items"] if i["kind"] == "VirtualService")
    assert vs["spec"]["http"][0]["timeout"] == "5s"
    assert out.stdout.startswith(RL + "items:\n" + entries(SERVICE))
    assert doc["results"] and all(r["severity"] != "error" for r in doc["results"])

    plain = process(SERVICE.encode(), real_run, {"apiVersion": "v1", "kind": "ConfigMap", "data": {"timeout": "5s"}})
    assert plain.exit_code == 0 and plain.stdout.startswith("---\n" + SERVICE + "---\n")
    assert [d["kind"] for d in yaml.safe_load_all(plain.stdout)] == kinds

    bad = process(SERVICE.encode(), real_run, {"apiVersion": "v1", "kind": "ConfigMap", "data": {"timeout": "x"}})
    assert bad.exit_code == 1 and bad.stdout == "" and "data.timeout" in bad.results[0].message


def test_comments_before_a_later_document_stay_with_it():
    text = CM_A + "---\n# Source: chart/b.yaml\n" + CM_B + "---\n# Source: chart/c.yaml\n" + CM_B.replace("name: b", "name: c")
    out, _ = go(text)
    assert out.stdout == "---\n" + text


def test_one_object_with_items_and_metadata_is_an_object_not_a_resource_list():
    text = "apiVersion: example.com/v1\nkind: Inventory\nmetadata: {name: inv}\nitems: [a, b]\n"
    out, calls = go(text)
    assert (out.exit_code, out.fatal, out.stdout) == (0, None, text)
    assert calls.calls[0][0][0]["items"] == ["a", "b"]


def test_among_several_documents_one_without_kind_is_named():
    out, calls = go(CM_A + "---\napiVersion: v1\nmetadata: {name: x}\n")
    assert (out.fatal, calls.calls) == ("document 2 has no kind at line 6, column 1", [])
    out, calls = go("apiVersion: v1\nmetadata: {name: x}\n---\n" + CM_A)
    assert (out.fatal, calls.calls) == ("document 1 has no kind at line 1, column 1", [])


def test_a_flow_style_object_with_an_alias_is_written_out_whole():
    # second, so that the input is read as YAML text, not as JSON
    out, calls = go(CM_B + "---\n{apiVersion: v1, kind: ConfigMap, metadata: &m {name: a}, data: {copy: *m}}\n")
    assert calls.calls[0][0][1]["data"] == {"copy": {"name": "a"}}
    # aliases expanded, as for every object the emitter writes
    assert out.stdout == ("---\n" + CM_B + "--- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}, data: {copy: "
                          "{name: a}}}\n")


def test_an_item_with_a_duplicate_key_does_not_hide_the_items_after_it():
    text = RL + "items:\n" + entries("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, name: b}", "42")
    handed_back(text, ("items[0]", "items[0]: duplicate key 'name' at line 6, column 23 (Kubernetes refuses duplicate keys)"),
                ("items[1]", "items[1] is not a mapping (a Kubernetes object) at line 7, column 3"))


def test_a_refused_resource_list_without_items_comes_back_with_an_empty_list():
    text = RL.replace("/v1", "/v0")
    out, calls = go(text)
    assert (out.exit_code, calls.calls) == (1, [])
    assert out.stdout.startswith(text + "items: []\nresults:\n- message: ResourceList apiVersion 'config.kubernetes.io/v0'")


def test_an_entry_that_aliases_a_whole_earlier_entry_is_written_out():
    # its text is the earlier entry's, anchor and all: copied, the anchor would be doubled
    text = RL + "items:\n- &a\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- *a\n"
    out, calls = go(text)
    assert len(calls.calls[0][0]) == 2
    assert out.stdout == (RL + "items:\n- &a\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n"
                          "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n")
