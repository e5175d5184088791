"""Registering generated files in the kustomization above them (kustomize.registerResources)."""

from fn.kustomize import register
from fn.results import Results
from krm import items_from_yaml


def kustomization(resources, api="kustomize.config.k8s.io/v1beta1", kind="Kustomization"):
    if resources is None:
        return f"apiVersion: {api}\nkind: {kind}\n"
    return f"apiVersion: {api}\nkind: {kind}\nresources:" + "".join(f"\n- {r}" for r in resources) + "\n"


def at(text, path):
    return items_from_yaml(text, path)


def listed(item):
    return item.get("resources")


def test_root_kustomization_gets_paths_relative_to_the_root():
    root = at(kustomization(["app.yaml"]), "kustomization.yaml")
    results = Results()
    register(["istio/pa.yaml"], root, results)
    assert listed(root[0]) == ["app.yaml", "istio/pa.yaml"]
    assert "added istio/pa.yaml to the resources of kustomization.yaml" in results[0].message


def test_nearest_kustomization_wins_and_entries_are_relative_to_it():
    root = at(kustomization(["svc"]), "kustomization.yaml")
    svc = at(kustomization(["service.yaml"]), "svc/kustomization.yaml")
    register(["svc/istio-vs.yaml", "svc/deep/istio-dr.yaml"], root + svc, Results())
    assert listed(svc[0]) == ["service.yaml", "deep/istio-dr.yaml", "istio-vs.yaml"]
    assert listed(root[0]) == ["svc"]


def test_every_path_is_considered_even_after_one_without_an_owner_or_list():
    # Sorted order: a/ has no kustomization, b/ one without resources:, c/ a real one.
    b = at(kustomization(None), "b/kustomization.yaml")
    c = at(kustomization(["x.yaml"]), "c/kustomization.yaml")
    register(["a/one.yaml", "b/two.yaml", "c/three.yaml", "c/x.yaml", "c/four.yaml"], b + c, Results())
    assert listed(c[0]) == ["x.yaml", "four.yaml", "three.yaml"]
    assert listed(b[0]) is None


def test_a_listed_directory_covers_its_files_with_or_without_a_trailing_slash():
    for entry in ("istio", "istio/"):
        root = at(kustomization([entry]), "kustomization.yaml")
        register(["istio/pa.yaml", "istiox/pa.yaml"], root, Results())
        assert listed(root[0]) == [entry, "istiox/pa.yaml"], entry


def test_only_kustomize_kustomizations_count():
    other = at(kustomization(["a.yaml"], api="example.com/v1"), "kustomization.yaml")
    not_k = at(kustomization(["a.yaml"], kind="Component"), "kustomization.yaml")
    results = Results()
    register(["b.yaml"], other + not_k, results)
    assert listed(other[0]) == ["a.yaml"] and listed(not_k[0]) == ["a.yaml"] and not results


def test_items_with_paths_that_are_not_kustomizations_do_not_hide_one():
    root = at(kustomization(["app.yaml"]), "kustomization.yaml")
    app = at("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {}\n", "app.yaml")
    register(["new.yaml"], root + app, Results())
    assert listed(root[0]) == ["app.yaml", "new.yaml"]


def test_a_file_named_otherwise_is_not_a_kustomization():
    odd = at(kustomization(["a.yaml"]), "base/kust.yaml")
    register(["base/b.yaml"], odd, Results())
    assert listed(odd[0]) == ["a.yaml"]


def test_already_listed_files_are_not_added_twice_and_nothing_is_said():
    root = at(kustomization(["new.yaml"]), "kustomization.yaml")
    results = Results()
    register(["new.yaml", "new.yaml"], root, results)
    assert listed(root[0]) == ["new.yaml"] and not results


def test_a_listed_file_whose_name_ends_like_a_slash_covers_nothing_beside_it():
    # Only a trailing "/" is dropped from an entry: "appX" or "app/" + "X" is a file, not
    # the directory app/.
    root = at(kustomization(["appX", "app/service.yaml"]), "kustomization.yaml")
    register(["app/istio-vs.yaml"], root, Results())
    assert listed(root[0]) == ["appX", "app/service.yaml", "app/istio-vs.yaml"]
