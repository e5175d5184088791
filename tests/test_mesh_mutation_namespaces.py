"""Namespaces in the mesh model (fn.mesh.namespaces): which labels a run adds, when a
person's labels forbid them (and the reason the user is told), the data plane each
namespace ends up with, and the mTLS mode its servers enforce, with the reason."""

from __future__ import annotations

from typing import Any

import pytest

from fn import mesh
from fn.results import Results
from fn.settings import load_settings
from krm import generate, items_from_yaml

REV = {"injection": {"mode": "revision", "revision": "1-24"}}
AMBIENT = {"injection": {"mode": "ambient"}}
OFF = {"injection": {"mode": "disabled"}}
INJ = {"istio-injection": "enabled"}


def settings(spec: dict[str, Any]):
    results = Results()
    s = load_settings({"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh", "spec": spec}, results)
    assert s is not None, [r.message for r in results]
    return s


def ns_item(name: str = "shop", labels: str = "{}") -> str:
    return f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}, labels: {labels}}}\n"


def build(text: str, spec: dict[str, Any] | None = None):
    model, _ = mesh.build(items_from_yaml(text), settings(spec or {}))
    return model


LABELLING = [
    # labels, config, (labels added, why refused, on the mesh, data plane, its reason)
    ("{}", {}, (INJ, None, True, "sidecar", "it is labelled istio-injection=enabled")),
    ("{}", REV, ({"istio.io/rev": "1-24"}, None, True, "sidecar", "it is labelled istio.io/rev=1-24")),
    ("{}", AMBIENT, ({"istio.io/dataplane-mode": "ambient"}, None, True, "ambient",
                     "it is labelled istio.io/dataplane-mode=ambient")),
    ("{}", OFF, ({}, None, False, "none", "namespace shop carries no injection label")),
    ("{istio-injection: enabled}", {}, ({}, None, True, "sidecar", "it is labelled istio-injection=enabled")),
    ("{istio-injection: disabled}", {}, ({}, "it is labelled istio-injection=disabled", False, "none",
                                         "namespace shop carries no injection label")),
    ("{istio-injection: disabled}", AMBIENT, ({}, "it is labelled istio-injection=disabled", False, "none",
                                              "namespace shop carries no injection label")),
    ("{istio-injection: enabled}", REV, ({}, "it is labelled istio-injection=enabled, which overrides istio.io/rev",
                                         False, "sidecar", "it is labelled istio-injection=enabled")),
    ("{istio.io/rev: canary}", {}, ({}, "it is labelled istio.io/rev=canary (revision-based injection)", False,
                                    "sidecar", "it is labelled istio.io/rev=canary")),
    ("{istio.io/rev: canary}", REV, ({"istio.io/rev": "1-24"}, None, True, "sidecar", "it is labelled istio.io/rev=1-24")),
    ("{istio.io/rev: ''}", OFF, ({}, None, False, "none", "namespace shop carries no injection label")),
    ("{istio.io/rev: canary, istio-injection: disabled}", OFF,
     ({}, None, False, "none", "namespace shop carries no injection label")),
    ("{istio.io/dataplane-mode: none}", AMBIENT, ({}, "it is labelled istio.io/dataplane-mode=none", False, "none",
                                                  "namespace shop carries no injection label")),
    ("{istio.io/dataplane-mode: none}", {}, (INJ, None, True, "sidecar", "it is labelled istio-injection=enabled")),
    ("{istio.io/dataplane-mode: ambient}", AMBIENT, ({}, None, True, "ambient",
                                                     "it is labelled istio.io/dataplane-mode=ambient")),
    ("{istio.io/dataplane-mode: ambient}", OFF, ({}, None, False, "ambient",
                                                 "it is labelled istio.io/dataplane-mode=ambient")),
    ("{istio-injection: enabled}", AMBIENT, ({"istio.io/dataplane-mode": "ambient"}, None, True, "ambient",
                                             "it is labelled istio.io/dataplane-mode=ambient")),
    ("[a]", {}, ({}, "its metadata.labels is not a plain mapping, and rewriting it would lose what is written there",
                 False, "none", "namespace shop carries no injection label")),
    ("~", {}, (INJ, None, True, "sidecar", "it is labelled istio-injection=enabled")),
]


@pytest.mark.parametrize("labels,spec,expected", LABELLING, ids=[f"{l} {s}" for l, s, _ in LABELLING])
def test_namespace_labelling_and_data_plane(labels, spec, expected):
    ns = build(ns_item(labels=labels), spec).namespaces["shop"]
    assert (dict(ns.add_labels), ns.unlabelled_because, ns.labelled_on_mesh, ns.dataplane, ns.dataplane_reason) == expected
    assert ns.injected is (expected[3] == "sidecar")


def test_a_refused_namespace_is_told_and_left_as_written():
    text = ns_item(labels="{istio-injection: disabled}")
    items, results = generate(items_from_yaml(text), None)
    assert [r.message for r in results if "unlabelled" in r.message] == [
        "left namespace shop unlabelled: it is labelled istio-injection=disabled"]
    assert items[0].labels == {"istio-injection": "disabled"}


def test_labelled_namespaces_are_named_in_the_summary():
    text = "---\n".join([ns_item("a"), ns_item("b", "{istio-injection: enabled}"), ns_item("c")])
    items, results = generate(items_from_yaml(text), None)
    assert [i.labels for i in items if i.kind == "Namespace"] == [INJ, INJ, INJ]
    assert results[-1].message.endswith("; labelled namespaces: a, c")
    items, results = generate(items_from_yaml(ns_item("a")), {"apiVersion": "istio-mesh-fn.dev/v1alpha1",
                                                               "kind": "IstioMesh", "spec": OFF})
    assert results[-1].message.endswith("; labelled namespaces: none")


def test_system_namespaces_and_unlisted_ones_are_not_labelled():
    text = "---\n".join([ns_item("istio-system"), ns_item("kube-ops"), ns_item("shop")])
    model = build(text, {"exclude": {"namespaces": ["kube-ops"]}})
    assert {n: dict(model.namespaces[n].add_labels) for n in ("istio-system", "kube-ops", "shop")} == \
        {"istio-system": {}, "kube-ops": {}, "shop": INJ}
    model = build(text, {"injection": {"namespaces": ["kube-ops"]}})
    assert {n: dict(model.namespaces[n].add_labels) for n in ("istio-system", "kube-ops", "shop")} == \
        {"istio-system": {}, "kube-ops": INJ, "shop": {}}


@pytest.mark.parametrize("spec,dataplane", [
    ({"injection": {"namespaces": ["other"]}}, "sidecar"),
    ({"injection": {"namespaces": ["other"], "mode": "revision", "revision": "1-24"}}, "sidecar"),
    ({"injection": {"namespaces": ["other"], "mode": "ambient"}}, "ambient"),
])
def test_listed_namespaces_without_an_item_are_on_the_mesh(spec, dataplane):
    model = build(ns_item(), spec)
    other = model.namespaces["other"]
    assert (other.item, other.labelled_on_mesh, other.dataplane, other.dataplane_reason) == \
        (None, False, dataplane, "injection.namespaces lists other")


def test_listed_namespaces_are_not_on_the_mesh_when_injection_is_disabled():
    model = build(ns_item(), {"injection": {"namespaces": ["other"], "mode": "disabled"}})
    assert "other" not in model.namespaces or model.namespaces["other"].dataplane == "none"


@pytest.mark.parametrize("text,spec,lands", [
    (ns_item(), {}, "sidecar"),
    (ns_item(), AMBIENT, "ambient"),
    (ns_item(), OFF, None),
    ("---\n".join([ns_item(), ns_item("web")]), {}, None),
    ("---\n".join([ns_item(), ns_item("istio-system")]), {}, "sidecar"),
    (ns_item(), {"defaultNamespace": "elsewhere"}, None),
])
def test_items_without_namespace_land_in_the_only_application_namespace(text, spec, lands):
    model = build(text, spec)
    if lands is None:
        assert "" not in model.namespaces or model.namespaces[""].dataplane == "none"
    else:
        blank = model.namespaces[""]
        assert (blank.dataplane, blank.dataplane_reason) == \
            (lands, "items without a namespace land in shop, the package's only application namespace")


PA = "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {spec}\n"


@pytest.mark.parametrize("pas,spec,mode,why", [
    ([], {}, "STRICT", "the generated PeerAuthentication (mtls.mode STRICT)"),
    ([], {"mtls": {"mode": "PERMISSIVE"}}, "PERMISSIVE", "the generated PeerAuthentication (mtls.mode PERMISSIVE)"),
    ([], {"mtls": {"scope": "none"}}, "PERMISSIVE", "no PeerAuthentication applies: Istio's default"),
    ([("x", "shop", "{mtls: {mode: DISABLE}}")], {}, "DISABLE", "the PeerAuthentication shop/x in the input"),
    ([("x", "shop", "{mtls: {mode: UNSET}}")], {}, "STRICT", "the generated PeerAuthentication (mtls.mode STRICT)"),
    ([("x", "shop", "{mtls: {mode: 7}}")], {}, "STRICT", "the generated PeerAuthentication (mtls.mode STRICT)"),
    ([("x", "shop", "{selector: {matchLabels: {a: b}}, mtls: {mode: DISABLE}}")], {}, "STRICT",
     "the generated PeerAuthentication (mtls.mode STRICT)"),
    ([("m", "istio-system", "{mtls: {mode: PERMISSIVE}}")], {}, "PERMISSIVE",
     "the mesh-wide PeerAuthentication istio-system/m in the input"),
    ([("m", "istio-system", "{mtls: {mode: PERMISSIVE}}"), ("x", "shop", "{mtls: {mode: STRICT}}")], {}, "STRICT",
     "the PeerAuthentication shop/x in the input"),
    # UNSET inherits: the next source decides.
    ([("m", "istio-system", "{mtls: {mode: UNSET}}")], {}, "STRICT", "the generated PeerAuthentication (mtls.mode STRICT)"),
])
def test_the_mtls_mode_a_namespace_enforces(pas, spec, mode, why):
    text = "---\n".join([ns_item()] + [PA.format(name=n, ns=ns, spec=s) for n, ns, s in pas])
    ns = build(text, spec).namespaces["shop"]
    assert (ns.mtls, ns.mtls_reason) == (mode, why)


def test_a_person_s_mesh_wide_default_means_none_is_generated_and_istios_default_applies():
    text = "---\n".join([ns_item(), PA.format(name="default", ns="istio-system", spec="{mtls: {mode: UNSET}}")])
    ns = build(text).namespaces["shop"]
    assert (ns.mtls, ns.mtls_reason) == ("PERMISSIVE", "no PeerAuthentication applies: Istio's default")


def test_namespace_scope_covers_only_mesh_namespaces():
    text = "---\n".join([ns_item(), ns_item("web", "{istio-injection: disabled}")])
    model = build(text, {"mtls": {"scope": "namespace"}})
    assert (model.namespaces["shop"].mtls, model.namespaces["web"].mtls) == ("STRICT", "PERMISSIVE")
    assert model.mesh_namespaces == ("shop",)


def test_namespaces_known_only_from_services_are_not_injected():
    model = build("apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: zed}\nspec: {ports: [{port: 80}]}\n")
    zed = model.namespaces["zed"]
    assert (zed.item, zed.dataplane, zed.dataplane_reason) == (None, "none", "namespace zed is not known to be sidecar-injected")
    assert list(model.namespaces) == ["istio-system", "zed"]
