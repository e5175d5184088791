"""Property tests over random packages: Services, workloads, Namespaces, people's own
Istio rules, and unrelated objects full of scalars PyYAML would rewrite.

They show that the function never changes what it does not own (byte for byte, as
serialized node graphs), never emits two objects with one identity, does not depend on
input order, is idempotent, and only generates objects Istio's CRD schemas accept."""

from __future__ import annotations

import copy

from hypothesis import assume, example, given, strategies as st
from yaml.nodes import MappingNode, Node, ScalarNode

from fn import yamlnodes as yn
from fn.analyze.schema import validate
from fn.policies import OWNER_ANNOTATION, OWNER_VALUE
from fn.mesh.namespaces import DATAPLANE, INJECTION, REVISION
from fn.resourcelist import parse_documents

from ._support import PROFILE, assert_no_anchors, identity, resource_list, rl_items, run_text, text_of
from .packages import package

OWNED_NAMESPACE_LABELS = (INJECTION, REVISION, DATAPLANE, "istio.io/use-waypoint")

# What the properties found once, kept as explicit examples so they are always run.
LONE_NAMESPACE = (["apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop"], None)
NAMESPACE_TEMPLATE_NO_NAMESPACE = (
    ["apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\nspec:\n  selector: {app: cart}",
     "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: cart}\nspec:\n  template:\n    metadata:\n"
     "      labels: {app: cart, version: v1}"],
    "apiVersion: istio-mesh-fn.dev/v1alpha1\nkind: IstioMesh\nmetadata: {name: m}\nspec:\n"
    "  destinationRule: {nameTemplate: '{namespace}-{name}', labels: {ns: '{namespace}-x'}}",
)


def is_generated(node: Node) -> bool:
    anns = yn.get_path(node, "metadata", "annotations")
    return yn.scalar_str(yn.get(anns, OWNER_ANNOTATION)) == OWNER_VALUE


# Found by this test: the namespace-less Service's waypoint lands in the one Namespace,
# which the first run labels istio.io/use-waypoint; the second run then planned a second
# waypoint for that namespace's own (port-less) Service.
AMBIENT_SERVICE_WITHOUT_NAMESPACE = (
    ["apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web",
     "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\n  namespace: web\nspec:",
     "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\nspec:\n  ports:\n  - {name: http, port: 80}"],
    "apiVersion: istio-mesh-fn.dev/v1alpha1\nkind: IstioMesh\nmetadata: {name: m}\nspec:\n  injection: {mode: ambient}",
)
# And the other way round: the namespaced Service needs the waypoint, the namespace-less
# one inherits the namespace's label on the re-run.
AMBIENT_SERVICE_IN_THE_NAMESPACE = (
    [AMBIENT_SERVICE_WITHOUT_NAMESPACE[0][0],
     "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\nspec:",
     "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\n  namespace: web\nspec:\n  ports:\n  - {name: http, port: 80}"],
    AMBIENT_SERVICE_WITHOUT_NAMESPACE[1],
)


def run_ok(items: list[str], fc: str | None) -> str:
    text = resource_list(items, fc)
    out = run_text(text)
    assert out.exit_code == 0, (out.fatal, [r.message for r in out.results if r.severity == "error"])
    assert_no_anchors(out.stdout, text)
    return out.stdout


def without_owned_labels(before: Node, after: Node) -> Node:
    """``after`` with the injection labels the function may set removed again, so that a
    Namespace it labelled compares equal to what came in iff nothing else changed."""
    after = copy.deepcopy(after)
    before_labels = yn.get_path(before, "metadata", "labels")
    meta = yn.get(after, "metadata")
    labels = yn.get(meta, "labels")
    if isinstance(labels, MappingNode):
        labels.value = [(k, v) for k, v in labels.value if k.value not in OWNED_NAMESPACE_LABELS]
        if isinstance(before_labels, MappingNode):
            # Keys the person wrote themselves stay (their value may be what we set).
            owned = {k.value: (k, v) for k, v in before_labels.value if k.value in OWNED_NAMESPACE_LABELS}
            before_copy = copy.deepcopy(before)
            bl = yn.get_path(before_copy, "metadata", "labels")
            bl.value = [(k, v) for k, v in bl.value if k.value not in owned]
            return after, before_copy
        if not labels.value:
            # We created the mapping: either where there was none, or over a null.
            if before_labels is None:
                meta.value = [(k, v) for k, v in meta.value if k.value != "labels"]
            else:
                meta.value = [(k, before_labels if k.value == "labels" else v) for k, v in meta.value]
    return after, before


@PROFILE
@given(package())
def test_everything_the_function_does_not_own_comes_out_identical(pkg):
    items, fc = pkg
    sent = resource_list(items, fc)
    before = rl_items(sent)
    after = rl_items(run_ok(items, fc))
    by_id = {identity(n): n for n in after}
    assert len(after) >= len(before)
    for node in before:
        out = by_id.get(identity(node))
        assert out is not None, f"{identity(node)} was lost"
        if identity(node)[1] == "Namespace":
            out, node = without_owned_labels(node, out)
        assert text_of(out) == text_of(node)
    # Whatever was added is ours, and marked so.
    sent_ids = {identity(n) for n in before}
    for node in after:
        if identity(node) not in sent_ids:
            assert is_generated(node), text_of(node)


@PROFILE
@given(package())
def test_passthrough_in_plain_stream_mode_too(pkg):
    items, fc = pkg
    assume(items)  # an empty stream is an error (tested in test_bad_input)
    stream = "---\n".join(i + "\n" for i in items)
    out = run_text(stream, config_override=yn.to_py(yn.compose_all(fc)[0]) if fc else None)
    assert out.exit_code == 0, out.fatal
    after = {identity(n): n for n in parse_documents(out.stdout, check_duplicates=False)}
    for node in parse_documents(stream, check_duplicates=False):
        out_node = after[identity(node)]
        if identity(node)[1] == "Namespace":
            # Everything but the labels the function owns stays as written here too.
            out_node, node = without_owned_labels(node, out_node)
        assert text_of(out_node) == text_of(node)
    # And byte for byte: what the function does not edit is written as it was read.
    for item in items:
        if "kind: Namespace" not in item:
            assert item + "\n" in out.stdout


@PROFILE
@given(package())
def test_no_two_output_items_share_an_identity(pkg):
    out = rl_items(run_ok(*pkg))
    ids = [identity(n) for n in out]
    dupes = {i for i in ids if ids.count(i) > 1}
    assert not dupes, dupes


@PROFILE
@given(package(), st.randoms(use_true_random=False))
def test_output_does_not_depend_on_input_order(pkg, rnd):
    items, fc = pkg
    shuffled = list(items)
    rnd.shuffle(shuffled)
    a = {identity(n): text_of(n) for n in rl_items(run_ok(items, fc))}
    b = {identity(n): text_of(n) for n in rl_items(run_ok(shuffled, fc))}
    assert a.keys() == b.keys()
    for key in a:
        assert a[key] == b[key], key


@PROFILE
@given(package())
@example(LONE_NAMESPACE)
@example(AMBIENT_SERVICE_WITHOUT_NAMESPACE)
@example(AMBIENT_SERVICE_IN_THE_NAMESPACE)
def test_running_twice_changes_nothing(pkg):
    items, fc = pkg
    once = run_ok(items, fc)
    out = run_text(once)
    assert out.exit_code == 0, out.fatal
    assert [text_of(n) for n in rl_items(out.stdout)] == [text_of(n) for n in rl_items(once)]


@PROFILE
@given(package())
@example(NAMESPACE_TEMPLATE_NO_NAMESPACE)
def test_generated_objects_are_schema_valid(pkg):
    for node in rl_items(run_ok(*pkg)):
        if is_generated(node):
            obj = yn.to_py(node)
            issues = validate(obj)
            assert issues == [], (obj, [str(i) for i in issues])
