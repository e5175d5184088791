"""The Argo CD config-management plugin (argocd/plugin.yaml), run the way Argo CD's
cmp-server runs it: the command and args exec'd directly (no shell of ours), cwd = the
app's path in a copy of the repo, ARGOCD_APP_* and ARGOCD_ENV_* / PARAM_* in the env.

No standalone kustomize binary is installed here: `kustomize build` is `kubectl kustomize`
behind a two-line `kustomize` wrapper on PATH."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from .conftest import Env, ROOT, which

PLUGIN = yaml.safe_load((ROOT / "argocd" / "plugin.yaml").read_text())
SERVICES = {"frontend", "ms-identity", "ms-inventory", "ms-order-management", "ms-product", "ms-supplier"}


@pytest.fixture(scope="module")
def argocd_env(base_env, tmp_path_factory) -> Env:
    kubectl = which("kubectl")
    bin_dir = tmp_path_factory.mktemp("argocd-bin")
    if shutil.which("kustomize") is None:
        (bin_dir / "kustomize").write_text(
            f'#!/bin/sh\n[ "$1" = build ] && shift\nexec {kubectl} kustomize "$@"\n')
        (bin_dir / "kustomize").chmod(0o755)
    # The sidecar's environment: its PATH with kustomize and istio-mesh-fn, nothing of ours.
    path = os.pathsep.join([str(bin_dir), base_env.vars["PATH"]])
    keep = {k: v for k, v in os.environ.items() if k in ("HOME", "LANG", "TMPDIR")}
    return Env(vars=dict(keep, PATH=path))


@pytest.fixture
def repo(tmp_path) -> Path:
    """The cmp-server works on a copy of the repo at the Application's revision."""
    dest = tmp_path / "repo"
    shutil.copytree(ROOT / "kustomization-example", dest / "kustomization-example")
    return dest


def app_env(app_path: str, env: dict[str, str] | None = None, params: dict[str, str] | None = None) -> dict[str, str]:
    out = {
        "ARGOCD_APP_NAME": "kubestock-staging",
        "ARGOCD_APP_NAMESPACE": "kubestock-staging",
        "ARGOCD_APP_REVISION": "0123456789abcdef0123456789abcdef01234567",
        "ARGOCD_APP_SOURCE_PATH": app_path,
        "ARGOCD_APP_SOURCE_REPO_URL": "https://git.example.com/kubestock/deploy.git",
        "ARGOCD_APP_SOURCE_TARGET_REVISION": "main",
        "KUBE_VERSION": "1.30.0",
        "KUBE_API_VERSIONS": "v1,apps/v1,networking.istio.io/v1,security.istio.io/v1",
    }
    for key, value in (env or {}).items():
        out[f"ARGOCD_ENV_{key}"] = value
    if params:
        out["ARGOCD_APP_PARAMETERS"] = json.dumps([{"name": k, "string": v} for k, v in params.items()])
        for key, value in params.items():
            out["PARAM_" + "".join(c if c.isalnum() else "_" for c in key).upper()] = value
    return out


def run_step(step: dict, argocd_env: Env, cwd: Path, extra: dict[str, str]):
    cmd = list(step["command"]) + list(step.get("args") or [])
    return argocd_env.run(cmd, cwd=cwd, extra=extra, timeout=120)


def discover(argocd_env, cwd, extra):
    return run_step(PLUGIN["spec"]["discover"]["find"], argocd_env, cwd, extra)


def generate(argocd_env, cwd, extra):
    return run_step(PLUGIN["spec"]["generate"], argocd_env, cwd, extra)


def manifests(stdout: str) -> list[dict]:
    objs = [d for d in yaml.safe_load_all(stdout) if d is not None]
    for o in objs:
        assert isinstance(o, dict) and {"apiVersion", "kind", "metadata"} <= o.keys(), f"not a manifest: {o!r}"
    return objs


def test_plugin_is_a_v2_config_management_plugin():
    assert PLUGIN["apiVersion"] == "argoproj.io/v1alpha1" and PLUGIN["kind"] == "ConfigManagementPlugin"
    names = {p["name"] for p in PLUGIN["spec"]["parameters"]["static"]}
    assert {"mtls-mode", "timeout", "retry-attempts", "injection", "config", "kustomize-build-options"} <= names


def test_discover_matches_a_kustomization_with_istio_mesh_yaml(repo, argocd_env):
    app = "kustomization-example/overlays/argocd"
    found = discover(argocd_env, repo / app, app_env(app))
    assert found.returncode == 0 and found.stdout.strip(), found
    base = "kustomization-example/base"
    assert discover(argocd_env, repo / base, app_env(base)).stdout.strip() == ""


def test_generate_with_the_config_file(repo, argocd_env):
    app = "kustomization-example/overlays/argocd"
    run = generate(argocd_env, repo / app, app_env(app)).ok()
    objs = manifests(run.stdout)
    assert {o["metadata"]["name"] for o in objs if o["kind"] == "VirtualService"} == SERVICES
    assert {o["metadata"]["name"] for o in objs if o["kind"] == "DestinationRule"} == {f"{s}-destination" for s in SERVICES}
    vs = next(o for o in objs if o["kind"] == "VirtualService" and o["metadata"]["name"] == "ms-order-management")
    assert vs["spec"]["http"][0]["timeout"] == "60s"
    assert all(o["metadata"].get("namespace") == "kubestock-staging" for o in objs
               if o["kind"] in ("VirtualService", "DestinationRule", "Deployment", "Service"))
    assert "config.kubernetes.io/" not in run.stdout


@pytest.mark.parametrize("how", ["env", "params"])
def test_generate_with_settings(repo, argocd_env, how):
    app = "kustomization-example/base"
    settings = {"MTLS_MODE": "PERMISSIVE", "TIMEOUT": "45s", "RETRY_ATTEMPTS": "5"}
    if how == "env":
        extra = app_env(app, env=settings)
    else:
        extra = app_env(app, params={k.lower().replace("_", "-"): v for k, v in settings.items()})
    run = generate(argocd_env, repo / app, extra).ok()
    objs = manifests(run.stdout)
    vs = next(o for o in objs if o["kind"] == "VirtualService" and o["metadata"]["name"] == "frontend")
    assert vs["spec"]["http"][0]["timeout"] == "45s"
    assert vs["spec"]["http"][0]["retries"]["attempts"] == 5
    pa = next(o for o in objs if o["kind"] == "PeerAuthentication")
    assert pa["spec"]["mtls"]["mode"] == "PERMISSIVE"
    # The function's warning about PERMISSIVE goes to stderr, never into the manifests.
    assert "PERMISSIVE" in run.stderr


def test_a_parameter_wins_over_the_env(repo, argocd_env):
    app = "kustomization-example/base"
    extra = app_env(app, env={"TIMEOUT": "45s"}, params={"timeout": "12s"})
    objs = manifests(generate(argocd_env, repo / app, extra).ok().stdout)
    assert {o["spec"]["http"][0]["timeout"] for o in objs if o["kind"] == "VirtualService"} == {"12s"}


def test_allowed_kustomize_build_options_are_passed(repo, argocd_env):
    app = "kustomization-example/base"
    for opts in ("--enable-helm", "--load-restrictor LoadRestrictionsRootOnly", "--helm-kube-version 1.30.0"):
        generate(argocd_env, repo / app, app_env(app, env={"KUSTOMIZE_BUILD_OPTIONS": opts})).ok()
        generate(argocd_env, repo / app, app_env(app, params={"kustomize-build-options": opts})).ok()


def leaky_app(repo: Path) -> str:
    """An app whose kustomization names a file outside its folder: kustomize refuses it
    unless the load restrictor is off."""
    (repo / "secret.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: not-for-this-app}\n"
                                      "data: {token: hunter2}\n")
    app = repo / "kustomization-example" / "leaky"
    app.mkdir()
    (app / "kustomization.yaml").write_text("resources:\n- ../base\n- ../../secret.yaml\n")
    return "kustomization-example/leaky"


@pytest.mark.parametrize("opts", [
    "--load-restrictor LoadRestrictionsNone", "--load-restrictor=LoadRestrictionsNone",
    "--enable-helm --load-restrictor LoadRestrictionsNone", "--enable-alpha-plugins", "--enable-exec",
    "--mount=type=bind,src=/,dst=/host", "-o /tmp/x", "--helm-command=/bin/sh", "--no-such-flag", "--load-restrictor",
])
def test_an_application_cannot_widen_what_kustomize_reads_or_runs(repo, argocd_env, opts):
    app = leaky_app(repo)
    for extra in (app_env(app, env={"KUSTOMIZE_BUILD_OPTIONS": opts}),
                  app_env(app, params={"kustomize-build-options": opts})):
        run = generate(argocd_env, repo / app, extra)
        assert run.returncode != 0 and run.stdout == "", run.stdout
        assert "hunter2" not in run.stdout + run.stderr
        assert "not allowed in an Application" in run.stderr or "needs a value" in run.stderr, run.stderr


def test_the_admin_sets_kustomize_build_options_in_the_sidecar_env(repo, argocd_env):
    app = leaky_app(repo)
    admin = Env(vars=dict(argocd_env.vars, ISTIO_MESH_FN_KUSTOMIZE_BUILD_OPTIONS="--load-restrictor LoadRestrictionsNone"))
    objs = manifests(generate(admin, repo / app, app_env(app)).ok().stdout)
    assert any(o["metadata"]["name"] == "not-for-this-app" for o in objs)
    # ... or lets Applications give one more option themselves.
    allow = Env(vars=dict(argocd_env.vars, ISTIO_MESH_FN_KUSTOMIZE_ALLOWED_OPTIONS="--load-restrictor=LoadRestrictionsNone"))
    generate(allow, repo / app, app_env(app, env={"KUSTOMIZE_BUILD_OPTIONS": "--load-restrictor LoadRestrictionsNone"})).ok()
    # Without either, the same app is refused by kustomize itself.
    refused = generate(argocd_env, repo / app, app_env(app))
    assert refused.returncode != 0 and refused.stdout == ""


@pytest.mark.parametrize("case", ["bad-setting", "bad-config-file", "file-and-settings", "missing-config-file"])
def test_a_failing_function_fails_generate_with_nothing_on_stdout(repo, argocd_env, case):
    """Empty output from a 'successful' generate would make an auto-pruning app delete
    everything: every failure must be a non-zero exit."""
    app = "kustomization-example/overlays/argocd"
    extra = app_env(app)
    if case == "bad-setting":
        app = "kustomization-example/base"
        extra = app_env(app, params={"mtls-mode": "SUPERSTRICT"})
        want = "data.mtlsMode"
    elif case == "bad-config-file":
        cfg = repo / app / "istio-mesh.yaml"
        cfg.write_text(cfg.read_text().replace("timeout: 60s", "timeout: later"))
        want = "spec.services[0].timeout"
    elif case == "file-and-settings":
        extra = app_env(app, env={"TIMEOUT": "5s"})
        want = "keep one"
    else:
        extra = app_env(app, params={"config": "mesh-prod.yaml"})
        want = "mesh-prod.yaml not found"
    run = generate(argocd_env, repo / app, extra)
    assert run.returncode != 0
    assert run.stdout == ""
    assert want in run.stderr, run.stderr


@pytest.fixture(scope="module")
def sidecar_image(container_env, image, tmp_path_factory) -> str:
    """argocd/Dockerfile built on the function image. The kustomize image cannot be pulled
    here, so a stand-in provides /app/kustomize: a wrapper around a kubectl that the test
    mounts into the container."""
    import tarfile

    engine = container_env.engine
    work = tmp_path_factory.mktemp("kustomize-standin")
    script = work / "kustomize"
    script.write_text('#!/bin/sh\n[ "$1" = build ] && shift\nexec /usr/local/bin/kubectl kustomize "$@"\n')
    with tarfile.open(work / "rootfs.tar", "w") as tar:
        info = tar.gettarinfo(script, arcname="app/kustomize")
        info.mode = 0o755
        with open(script, "rb") as fh:
            tar.addfile(info, fh)
    standin = "localhost/istio-mesh-fn-e2e-kustomize:standin"
    container_env.run([engine, "import", str(work / "rootfs.tar"), standin]).ok()
    tag = "localhost/istio-mesh-fn-argocd:e2e"
    old = container_env.run([engine, "image", "inspect", "--format", "{{.Id}}", tag]).stdout.strip()
    container_env.run([engine, "build", "-t", tag, "-f", str(ROOT / "argocd" / "Dockerfile"),
                       "--build-arg", f"FUNCTION_IMAGE={image}", "--build-arg", f"KUSTOMIZE_IMAGE={standin}",
                       str(ROOT / "argocd")], timeout=600).ok()
    new = container_env.run([engine, "image", "inspect", "--format", "{{.Id}}", tag]).stdout.strip()
    if old and old != new:
        container_env.run([engine, "image", "rm", old])  # only the one this build replaced
    return tag


def test_sidecar_image_runs_generate_as_999(sidecar_image, container_env, repo):
    """The plugin's generate inside the sidecar image: UID 999, no network, read-only root."""
    engine = container_env.engine
    kubectl = os.path.realpath(which("kubectl"))
    app = "kustomization-example/overlays/argocd"
    script = PLUGIN["spec"]["generate"]["args"][0]
    cmd = [engine, "run", "--rm", "--network", "none", "--read-only", "--security-opt=no-new-privileges",
           "-v", f"{kubectl}:/usr/local/bin/kubectl:ro", "-v", f"{repo}:/repo:ro", "-w", f"/repo/{app}"]
    for key, value in app_env(app).items():
        cmd += ["-e", f"{key}={value}"]
    cmd += ["--entrypoint", "sh", sidecar_image, "-c", f"id -u >&2; {script}"]
    run = container_env.run(cmd, timeout=180).ok()
    assert run.stderr.splitlines()[0] == "999"
    objs = manifests(run.stdout)
    assert {o["metadata"]["name"] for o in objs if o["kind"] == "VirtualService"} == SERVICES
    inspect = container_env.run([engine, "image", "inspect", "--format", "{{.Config.User}}", sidecar_image]).ok()
    assert inspect.stdout.strip() == "999:999"
    baked = container_env.run([engine, "run", "--rm", "--entrypoint", "cat", sidecar_image,
                               "/home/argocd/cmp-server/config/plugin.yaml"]).ok()
    assert baked.stdout == (ROOT / "argocd" / "plugin.yaml").read_text()


def readme_blocks(path: Path, tag: str) -> dict[str, str]:
    """Fenced blocks preceded by `<!-- TAG: name -->`."""
    import re

    pattern = re.compile(r"<!-- " + tag + r": (\S+) -->\n```\w*\n(.*?)\n```", re.S)
    return {m.group(1): m.group(2) for m in pattern.finditer(path.read_text())}


def test_argocd_readme_applications_match_the_plugin():
    blocks = readme_blocks(ROOT / "argocd" / "README.md", "argocd")
    assert {"repo-server-patch", "application-config-file", "application-settings"} <= blocks.keys()
    plugin_name = f'{PLUGIN["metadata"]["name"]}-{PLUGIN["spec"]["version"]}'
    params = {p["name"] for p in PLUGIN["spec"]["parameters"]["static"]}
    script = PLUGIN["spec"]["generate"]["args"][0]
    for name in ("application-config-file", "application-settings"):
        app = yaml.safe_load(blocks[name])
        source = app["spec"]["source"]
        assert source["plugin"]["name"] == plugin_name
        assert (ROOT / source["path"]).is_dir(), source["path"]
        for p in source["plugin"].get("parameters", []):
            assert p["name"] in params
        for e in source["plugin"].get("env", []):
            assert e["name"] in script, f"{e['name']} is no setting the plugin reads"
    patch = yaml.safe_load(blocks["repo-server-patch"])
    sidecar = patch["spec"]["template"]["spec"]["containers"][0]
    assert sidecar["securityContext"]["runAsUser"] == 999
