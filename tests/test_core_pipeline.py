"""The core's own steps, pinned one by one: prune, the per-Service summary of what was
not generated, placement (order, duplicates, paths) and the summary result."""

from fn.core import place, prune, safe_path, transform
from fn.items import Item
from fn.policies import Generated
from fn.results import Results
from fn.settings import default_settings
from krm import items_from_yaml


def obj(kind, name, ns="shop"):
    meta = {"name": name, "annotations": {"istio-mesh-fn.dev/generated-by": "istio-mesh-fn"}}
    if ns:
        meta["namespace"] = ns
    return {"apiVersion": "networking.istio.io/v1", "kind": kind, "metadata": meta, "spec": {}}


def test_place_orders_by_path_kind_namespace_and_name():
    gs = [Generated(obj("VirtualService", "b", "y"), "p.yaml"), Generated(obj("VirtualService", "a", "z"), "p.yaml"),
          Generated(obj("DestinationRule", "c", "a"), "p.yaml"), Generated(obj("VirtualService", "a", "x"), "a.yaml")]
    out = place(gs, frozenset(), Results())
    assert [(i.kind, i.namespace, i.name) for i in out] == [
        ("VirtualService", "x", "a"), ("DestinationRule", "a", "c"), ("VirtualService", "y", "b"),
        ("VirtualService", "z", "a")]


def test_place_writes_each_identity_once_and_names_the_duplicate():
    results = Results()
    out = place([Generated(obj("VirtualService", "a"), "x.yaml"), Generated(obj("VirtualService", "a"), "y.yaml")],
                frozenset(), results)
    assert len(out) == 1
    [w] = results
    assert w.severity == "warning"
    assert w.message == ("two Services would generate VirtualService a; generated it once "
                         "(make the name template unique, e.g. with {namespace})")
    assert w.resource_ref == {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "name": "a"}


def test_place_numbers_objects_per_file_and_never_writes_into_a_person_s_file():
    gs = [Generated(obj("VirtualService", "a"), "svc/istio.yaml"), Generated(obj("VirtualService", "b"), "svc/istio.yaml"),
          Generated(obj("DestinationRule", "c"), "svc/app.yaml")]
    out = place(gs, frozenset({"svc/app.yaml"}), Results())
    ann = {i.name: (i.annotations["internal.config.kubernetes.io/path"], i.annotations["internal.config.kubernetes.io/index"],
                    i.annotations["config.kubernetes.io/path"], i.annotations["config.kubernetes.io/index"]) for i in out}
    assert ann == {"c": ("svc/app.generated.yaml", "0", "svc/app.generated.yaml", "0"),
                   "a": ("svc/istio.yaml", "0", "svc/istio.yaml", "0"),
                   "b": ("svc/istio.yaml", "1", "svc/istio.yaml", "1")}


def test_place_without_kpt_paths_adds_no_path_annotations_and_checks_no_path():
    out = place([Generated(obj("VirtualService", "a"), "../x")], frozenset(), Results())
    assert [i.name for i in out] == ["a"] and "internal.config.kubernetes.io/path" not in out[0].annotations


def test_place_refuses_a_path_outside_the_package_with_an_error_naming_the_object():
    results = Results()
    out = place([Generated(obj("VirtualService", "a"), "../x.yaml")], frozenset({"app.yaml"}), results)
    assert out == []
    assert [r.message for r in results] == [
        "refused to place VirtualService a at '../x.yaml': not a .yaml file inside the package"]
    assert results[0].severity == "error"


def test_safe_path():
    assert safe_path("a/b.yaml") and safe_path("b.yml") and safe_path("a b/c.yaml")
    for bad in ("/a.yaml", "../a.yaml", "a/../../b.yaml", "a/b.txt", "a/.hidden.yaml", "a/b", ""):
        assert not safe_path(bad), bad


def test_prune_keeps_foreign_kinds_with_a_warning_naming_the_item():
    items = items_from_yaml("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: shop\n  annotations:\n"
                            "    istio-mesh-fn.dev/generated-by: istio-mesh-fn\n---\n"
                            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: v\n"
                            "  annotations:\n    istio-mesh-fn.dev/generated-by: istio-mesh-fn\n---\n"
                            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", "app.yaml")
    results = Results()
    kept = prune(items, results)
    assert [i.kind for i in kept] == ["Secret", "ConfigMap"]
    [w] = results
    assert w.severity == "warning" and w.message.startswith("Secret shop/s carries istio-mesh-fn.dev/generated-by")
    assert w.resource_ref == {"apiVersion": "v1", "kind": "Secret", "name": "s", "namespace": "shop"}
    assert w.file == {"path": "app.yaml", "index": 0}


def test_uncovered_services_get_one_result_each_with_every_reason():
    text = ("apiVersion: v1\nkind: Service\nmetadata: {name: bare, namespace: shop}\nspec: {selector: {app: x}}\n---\n"
            "apiVersion: v1\nkind: Service\nmetadata: {name: ext, namespace: shop}\n"
            "spec: {type: ExternalName, externalName: example.com}\n")
    s = default_settings()
    _, results = transform(items_from_yaml(text), s)
    msgs = {r.resource_ref["name"]: r.message for r in results if "no Istio config generated" in r.message}
    assert msgs["ext"] == ("ext: no Istio config generated: ExternalName Services point outside the cluster: "
                           "no mesh policy is generated for them")
    assert msgs["bare"].startswith("bare: no Istio config generated: ")
    assert "the Service has no ports" in msgs["bare"]
    assert all(r.severity == "info" for r in results if "no Istio config generated" in r.message)


def test_summary_counts_each_kind_in_registry_order():
    text = ("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n"
            "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: shop}\n"
            "spec: {selector: {app: a}, ports: [{port: 80}]}\n---\n"
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: shop}\n"
            "spec: {template: {metadata: {labels: {app: a}}}}\n")
    _, results = transform(items_from_yaml(text), default_settings())
    [summary] = [r for r in results if r.tags and "DestinationRule" in r.tags]
    assert summary.message == ("generated 1 DestinationRule, 1 VirtualService, 1 PeerAuthentication; "
                               "labelled namespaces: shop")
    assert summary.tags == {"DestinationRule": "1", "VirtualService": "1", "PeerAuthentication": "1"}
    assert summary.severity == "info"


def test_place_goes_on_after_a_refused_path_and_after_a_duplicate():
    results = Results()
    gs = [Generated(obj("VirtualService", "a"), "../a.yaml"), Generated(obj("VirtualService", "b"), "../b.yaml"),
          Generated(obj("VirtualService", "c"), "c.yaml"), Generated(obj("VirtualService", "c"), "d.yaml"),
          Generated(obj("VirtualService", "e"), "e.yaml")]
    out = place(gs, frozenset({"app.yaml"}), results)
    assert [i.name for i in out] == ["c", "e"]
    assert [r.severity for r in results] == ["error", "error", "warning"]


def test_place_sorts_objects_without_a_namespace_first():
    out = place([Generated(obj("VirtualService", "a", "a"), "p.yaml"), Generated(obj("VirtualService", "b", ""), "p.yaml")],
                frozenset(), Results())
    assert [i.name for i in out] == ["b", "a"]


def test_prune_goes_on_after_a_foreign_kind():
    marked = "  annotations:\n    istio-mesh-fn.dev/generated-by: istio-mesh-fn\n"
    items = items_from_yaml(f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n{marked}---\n"
                            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n{marked}---\n"
                            f"apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: v\n{marked}")
    results = Results()
    assert [i.kind for i in prune(items, results)] == ["Secret", "ConfigMap"]
    assert len(results) == 2


def test_the_uncovered_service_result_names_its_file():
    items = items_from_yaml("apiVersion: v1\nkind: Service\nmetadata: {name: bare, namespace: shop}\nspec: {}\n", "svc.yaml")
    _, results = transform(items, default_settings())
    [r] = [r for r in results if "no Istio config generated" in r.message]
    assert r.file == {"path": "svc.yaml", "index": 0}
