"""The example rendered with routing.api gateway-api: under kpt (exec), through a plain
pipe after kubectl kustomize, and under kubectl kustomize as a container transformer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, unavailable
from .kptpkg import checkout, files

BASE = ROOT / "kustomization-example" / "base"
OVERLAY = ROOT / "kustomization-example" / "overlays" / "staging-gateway-api"
SERVICES = {"frontend", "ms-identity", "ms-inventory", "ms-order-management", "ms-product", "ms-supplier"}
CONFIG = """apiVersion: istio-mesh-fn.dev/v1alpha1
kind: IstioMesh
metadata:
  name: istio-mesh
  annotations:
    config.kubernetes.io/local-config: "true"
spec:
  routing:
    api: gateway-api
"""
KPTFILE = """apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: base
  annotations:
    config.kubernetes.io/local-config: "true"
pipeline:
  mutators:
    - exec: istio-mesh-fn
      configPath: istio-mesh.yaml
"""


def check_routes(objs: list[dict], namespace: str | None) -> None:
    kinds = {o["kind"] for o in objs}
    assert "VirtualService" not in kinds
    routes = {o["metadata"]["name"]: o for o in objs if o["kind"] == "HTTPRoute"}
    assert set(routes) == SERVICES
    for name, route in routes.items():
        assert route["apiVersion"] == "gateway.networking.k8s.io/v1"
        assert route["metadata"].get("namespace") == namespace
        parent = route["spec"]["parentRefs"][0]
        assert (parent["group"], parent["kind"], parent["name"]) == ("", "Service", name)
        backend = route["spec"]["rules"][0]["backendRefs"][0]
        assert (backend["group"], backend["kind"], backend["weight"]) == ("", "Service", 1)


def test_kpt_render_exec_writes_httproutes_beside_each_service(kpt, base_env, tmp_path):
    staged = tmp_path / "staged"
    shutil.copytree(BASE, staged)
    (staged / "Kptfile").write_text(KPTFILE)
    (staged / "istio-mesh.yaml").write_text(CONFIG)
    pkg = checkout(staged, tmp_path / "base")
    before = files(pkg)
    base_env.run([kpt, "fn", "render", str(pkg), "--allow-exec"], cwd=pkg.parent).ok()
    after = files(pkg)
    added = set(after) - set(before)
    want = {f"services/{s}/{k}.yaml" for s in SERVICES for k in ("istio-destinationrule", "gateway-httproute")}
    want.add("istio/peer-authentication-strict.yaml")
    assert added == want
    objs = [yaml.safe_load(after[n]) for n in sorted(added)]
    check_routes(objs, None)
    # A second render changes nothing.
    base_env.run([kpt, "fn", "render", str(pkg), "--allow-exec"], cwd=pkg.parent).ok()
    assert files(pkg) == after


def test_kubectl_kustomize_piped_through_the_function(kubectl, base_env, tmp_path):
    config = tmp_path / "istio-mesh.yaml"
    config.write_text(CONFIG)
    built = base_env.run([kubectl, "kustomize", str(ROOT / "kustomization-example" / "overlays" / "argocd")]).ok()
    run = base_env.run(["istio-mesh-fn", "--config", str(config)], input=built.stdout).ok()
    objs = [d for d in yaml.safe_load_all(run.stdout) if d]
    check_routes(objs, "kubestock-staging")


def test_kubectl_kustomize_container_transformer(kubectl, request):
    if shutil.which("kubectl") is None:
        unavailable("kubectl is not on PATH")
    env = request.getfixturevalue("container_env")
    run = env.run([kubectl, "kustomize", "--enable-alpha-plugins", str(OVERLAY)]).ok()
    objs = [d for d in yaml.safe_load_all(run.stdout) if d]
    check_routes(objs, "kubestock-staging")
    order = next(o for o in objs if o["kind"] == "HTTPRoute" and o["metadata"]["name"] == "ms-order-management")
    assert order["spec"]["rules"][0]["timeouts"]["request"] == "60s"
