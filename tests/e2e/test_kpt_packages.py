"""kpt fn render on the project's own package (kustomization-example/base) and on the
shared YAML-fidelity package, with the function as an exec and as a container image."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from .conftest import IMAGE, ROOT
from .kptpkg import checkout, diff, files, kptfile

BASE = ROOT / "kustomization-example" / "base"
SERVICES = ["frontend", "ms-identity", "ms-inventory", "ms-order-management", "ms-product", "ms-supplier"]


def render(kpt, env, pkg: Path, allow_exec: bool):
    cmd = [kpt, "fn", "render", str(pkg)] + (["--allow-exec"] if allow_exec else [])
    return env.run(cmd, cwd=pkg.parent).ok()


@pytest.fixture(params=["exec", "image"])
def runner(request, kpt):
    """(env, Kptfile maker, allow_exec) for the function as exec and as image."""
    if request.param == "exec":
        env = request.getfixturevalue("base_env")
        return env, lambda name: kptfile(name, exec="istio-mesh-fn"), True
    env = request.getfixturevalue("container_env")
    return env, lambda name: kptfile(name, image=IMAGE), False


def test_base_renders_where_the_design_puts_files_and_twice_is_a_no_op(kpt, runner, tmp_path):
    env, make_kptfile, allow_exec = runner
    staged = tmp_path / "staged"
    shutil.copytree(BASE, staged)
    (staged / "Kptfile").write_text(make_kptfile("base"))
    pkg = checkout(staged, tmp_path / "base")
    before = files(pkg)

    render(kpt, env, pkg, allow_exec)
    after = files(pkg)
    added = set(after) - set(before)
    want = {f"services/{s}/istio-{k}.yaml" for s in SERVICES for k in ("destinationrule", "virtualservice")}
    want.add("istio/peer-authentication-strict.yaml")
    assert added == want
    for name in added:
        # Files kpt writes carry no kpt bookkeeping annotations.
        text = after[name].decode()
        assert "config.kubernetes.io/" not in text, f"{name} leaks kpt annotations:\n{text}"
    dr = yaml.safe_load(after["services/ms-identity/istio-destinationrule.yaml"])
    assert (dr["kind"], dr["spec"]["host"]) == ("DestinationRule", "ms-identity")
    vs = yaml.safe_load(after["services/ms-identity/istio-virtualservice.yaml"])
    assert vs["kind"] == "VirtualService"
    pa = yaml.safe_load(after["istio/peer-authentication-strict.yaml"])
    assert (pa["kind"], pa["metadata"]["namespace"], pa["spec"]["mtls"]["mode"]) == (
        "PeerAuthentication", "istio-system", "STRICT")
    # The edits to existing files: the injection label on the Namespace, and each new
    # file added to the resources of the kustomization above it (issue 10), appended
    # and nothing else changed.
    changed = {n for n in before if before[n] != after[n]}
    kustomizations = {"kustomization.yaml"} | {f"services/{s}/kustomization.yaml" for s in SERVICES}
    assert changed == {"namespaces/staging.yaml"} | kustomizations
    assert yaml.safe_load(after["namespaces/staging.yaml"])["metadata"]["labels"] == {"istio-injection": "enabled"}
    assert after["kustomization.yaml"] == before["kustomization.yaml"] + b"  - istio/peer-authentication-strict.yaml\n"
    for s in SERVICES:
        name = f"services/{s}/kustomization.yaml"
        assert after[name] == before[name] + b"  - istio-destinationrule.yaml\n  - istio-virtualservice.yaml\n"

    first = diff(pkg)
    render(kpt, env, pkg, allow_exec)
    assert diff(pkg) == first, "the second render changed the package"


def test_fidelity_package_matches_an_identity_render(kpt, runner, shared, tmp_path, base_env):
    """Files the function does not own stay byte-identical to what `exec: /bin/cat` leaves."""
    env, make_kptfile, allow_exec = runner
    src = shared / "fixtures" / "yaml-fidelity"

    identity = tmp_path / "identity"
    checkout(src, identity)
    (identity / "Kptfile").write_text(kptfile("fidelity", exec="/bin/cat"))
    render(kpt, base_env, identity, allow_exec=True)

    ours = tmp_path / "ours"
    checkout(src, ours)
    (ours / "Kptfile").write_text(make_kptfile("fidelity"))
    render(kpt, env, ours, allow_exec)

    want, got = files(identity), files(ours)
    for name, content in want.items():
        if name != "Kptfile":
            assert got[name] == content, f"{name} differs from the identity render"
    assert set(got) - set(want) == {"istio-destinationrule.yaml", "istio-virtualservice.yaml",
                                    "istio/peer-authentication-strict.yaml"}
    app = got["app.yaml"].decode()
    assert "name: checkout # inline comment" in app
    assert app.startswith("# A package whose files the function has no reason to change")


def test_rendered_kustomize_base_builds_with_its_istio_config(kpt, kubectl, base_env, tmp_path):
    """kpt fn render on a package that is also a kustomize base, then kustomize: the
    build includes every generated object, because the files were registered."""
    staged = tmp_path / "staged"
    shutil.copytree(BASE, staged)
    (staged / "Kptfile").write_text(kptfile("base", exec="istio-mesh-fn"))
    pkg = checkout(staged, tmp_path / "base")
    render(kpt, base_env, pkg, True)
    out = base_env.run([kubectl, "kustomize", str(pkg)], cwd=tmp_path).ok().stdout
    kinds = [d["kind"] for d in yaml.safe_load_all(out) if d]
    assert kinds.count("DestinationRule") == 6 and kinds.count("VirtualService") == 6
    assert kinds.count("PeerAuthentication") == 1


def test_register_resources_false_leaves_kustomizations_alone(kpt, base_env, tmp_path):
    staged = tmp_path / "staged"
    shutil.copytree(BASE, staged)
    (staged / "Kptfile").write_text(kptfile("base", exec="istio-mesh-fn") + "      configMap:\n        registerResources: \"false\"\n")
    pkg = checkout(staged, tmp_path / "base")
    before = files(pkg)
    render(kpt, base_env, pkg, True)
    after = files(pkg)
    assert {n for n in before if before[n] != after[n]} == {"namespaces/staging.yaml"}
