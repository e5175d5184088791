"""Secure defaults: STRICT mTLS unless a person opts out (and then a warning); YAML tags
never construct or run anything; the function needs no network and writes no file."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

from fn import yamlnodes as yn

from ._support import DEPLOYMENT, SERVICE, ROOT, cli, resource_list, rl_items, rl_results, run_text, text_of

NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}"
PACKAGE = [NAMESPACE, SERVICE, DEPLOYMENT]


def peer_authentications(stdout: str) -> list[dict]:
    return [yn.to_py(n) for n in rl_items(stdout) if yn.scalar_str(yn.get(n, "kind")) == "PeerAuthentication"]


@pytest.mark.parametrize("fc", [
    None,
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {timeout: 10s}",
    "apiVersion: istio-mesh-fn.dev/v1alpha1\nkind: IstioMesh\nmetadata: {name: m}\nspec: {}",
    "apiVersion: istio-mesh-fn.dev/v1alpha1\nkind: IstioMesh\nmetadata: {name: m}\nspec:\n  mtls: {scope: namespace}",
])
def test_strict_mtls_by_default(fc):
    out = run_text(resource_list(PACKAGE, fc))
    assert out.exit_code == 0
    pas = peer_authentications(out.stdout)
    assert pas and all(pa["spec"]["mtls"]["mode"] == "STRICT" for pa in pas)
    assert not [r for r in out.results if r.severity == "warning" and "mTLS" in r.message]
    dr = [yn.to_py(n) for n in rl_items(out.stdout) if yn.scalar_str(yn.get(n, "kind")) == "DestinationRule"]
    assert dr[0]["spec"]["trafficPolicy"]["tls"] == {"mode": "ISTIO_MUTUAL"}


@pytest.mark.parametrize("mode", ["PERMISSIVE", "DISABLE"])
@pytest.mark.parametrize("form", ["typed", "configmap"])
def test_weaker_mtls_only_on_explicit_opt_in_and_with_a_warning(mode, form):
    fc = (f"apiVersion: istio-mesh-fn.dev/v1alpha1\nkind: IstioMesh\nmetadata: {{name: m}}\nspec:\n  mtls: {{mode: {mode}}}"
          if form == "typed" else f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\ndata: {{mtlsMode: {mode}}}")
    proc = cli(resource_list(PACKAGE, fc).encode())
    assert proc.returncode == 0, proc.stderr.decode()
    stdout = proc.stdout.decode()
    assert [pa["spec"]["mtls"]["mode"] for pa in peer_authentications(stdout)] == [mode]
    warnings = [r for r in rl_results(stdout) if r["severity"] == "warning"]
    assert any(f"mTLS mode {mode} was chosen explicitly" in r["message"] and "STRICT" in r["message"]
               for r in warnings), warnings
    # kustomize and ArgoCD users see only stderr: the warning is there too.
    assert f"[warning] mTLS mode {mode} was chosen explicitly" in proc.stderr.decode()


# ------------------------------------------------------------ YAML never constructs

def _payloads(sentinel: Path) -> list[str]:
    s = str(sentinel)
    return [
        f"!!python/object/apply:os.system ['touch {s}']",
        f"!!python/object/apply:builtins.exec [\"open('{s}', 'w')\"]",
        f"!!python/object/new:subprocess.Popen [['touch', '{s}']]",
        "!!python/name:os.system ''",
        "!!python/module:os ''",
        "!!python/object:fn.results.Result {message: x}",
    ]


def test_python_tags_are_never_constructed_or_run(tmp_path):
    sentinel = tmp_path / "pwned"
    for i, payload in enumerate(_payloads(sentinel)):
        item = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: tagged-{i}, namespace: shop}}\ndata:\n  x: {payload}"
        tagged_config = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\ndata:\n  mtlsMode: {payload}"
        sent = resource_list(PACKAGE + [item])
        proc = cli(sent.encode(), cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr.decode()
        back = {text_of(n) for n in rl_items(proc.stdout.decode())}
        # The tagged item passes through exactly as written, tag included.
        assert text_of(rl_items(sent)[-1]) in back
        assert payload.split(" ")[0] in proc.stdout.decode()
        # In the function config it is a value like any other: refused, not run.
        proc = cli(resource_list(PACKAGE, tagged_config).encode(), cwd=tmp_path)
        assert proc.returncode == 1 and b"invalid function config: data.mtlsMode" in proc.stderr
        # A tagged whole item, the plain stream, and a --config file.
        proc = cli(resource_list(PACKAGE + [payload]).encode(), cwd=tmp_path)
        assert proc.returncode == 1 and b"istio-mesh-fn: [error] items[3]" in proc.stderr
        proc = cli(("\n---\n".join(PACKAGE + [item]) + "\n").encode(), cwd=tmp_path)
        assert proc.returncode == 0 and payload.split(" ")[0].encode() in proc.stdout
        config = tmp_path / "config.yaml"
        config.write_text(tagged_config + "\n")
        proc = cli(("\n---\n".join(PACKAGE) + "\n").encode(), "--config", str(config), cwd=tmp_path)
        assert proc.returncode == 1 and b"Traceback" not in proc.stderr
        assert not sentinel.exists(), f"{payload} was executed"


def test_the_loader_is_a_composer_not_a_constructor():
    # Items stay node graphs: a tagged scalar is text with a tag, whatever the tag names.
    node = yn.compose_all("a: !!python/object/apply:os.system ['true']\n")[0]
    value = yn.get(node, "a")
    assert value.tag == "tag:yaml.org,2002:python/object/apply:os.system"
    assert yn.to_py(node) == {"a": ["true"]}


# ------------------------------------------------- no network, no writable filesystem

AUDIT_WRAPPER = textwrap.dedent("""
    import os, sys
    violations = []
    WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def hook(event, args):
        if event == "open":
            path, mode, flags = args
            if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (flags or 0) & WRITE:
                violations.append(f"open for writing: {path!r}")
        elif event.startswith(("socket.", "subprocess.", "os.exec", "os.posix_spawn", "os.fork", "os.system",
                               "os.remove", "os.rename", "os.mkdir", "os.rmdir", "os.chmod", "shutil.",
                               "urllib.", "http.client.")):
            violations.append(f"{event}: {args!r}"[:200])

    sys.addaudithook(hook)
    from fn.cli import main
    try:
        code = main(sys.argv[1:])
    finally:
        sys.stdout.flush()
        for v in violations:
            print("AUDIT VIOLATION:", v, file=sys.stderr)
    sys.exit(code)
""")


def _sandboxed(tmp_path: Path, stdin: bytes, *args: str):
    import subprocess

    cwd = tmp_path / "ro"
    cwd.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("HOME", "TMPDIR", "XDG_CACHE_HOME")}
    env.update(PYTHONDONTWRITEBYTECODE="1", TMPDIR="/nonexistent")  # bytecode is the image's job
    cwd.chmod(0o555)
    try:
        return subprocess.run([sys.executable, "-c", AUDIT_WRAPPER, *args], input=stdin, capture_output=True,
                              env=env, cwd=cwd, timeout=120)
    finally:
        cwd.chmod(0o755)


@pytest.mark.parametrize("mode", ["krm", "krm-analyze-schema", "plain-with-config", "analyze"])
def test_no_network_no_writes_no_home(tmp_path, mode):
    fc = ("apiVersion: istio-mesh-fn.dev/v1alpha1\nkind: IstioMesh\nmetadata: {name: m}\nspec:\n"
          "  analyze: {schema: true}")
    config = tmp_path / "config.yaml"
    config.write_text(fc + "\n")
    package = tmp_path / "pkg.yaml"
    package.write_text("\n---\n".join(PACKAGE) + "\n")
    if mode == "krm":
        proc = _sandboxed(tmp_path, resource_list(PACKAGE).encode())
    elif mode == "krm-analyze-schema":
        proc = _sandboxed(tmp_path, resource_list(PACKAGE, fc).encode())
    elif mode == "plain-with-config":
        proc = _sandboxed(tmp_path, b"", "--config", str(config), str(package))
    else:
        proc = _sandboxed(tmp_path, b"", "analyze", str(package))
    err = proc.stderr.decode()
    assert "AUDIT VIOLATION" not in err, err
    assert proc.returncode == 0, err
    assert b"DestinationRule" in proc.stdout or mode == "analyze"


def test_the_audit_hook_would_see_a_write(tmp_path):
    # The sandbox above proves something only if it catches what it forbids.
    target = tmp_path / "written"
    wrapper = AUDIT_WRAPPER.replace("from fn.cli import main",
                                    f"from fn.cli import main\nopen({str(target)!r}, 'w').close()")
    import subprocess

    proc = subprocess.run([sys.executable, "-c", wrapper], input=resource_list(PACKAGE).encode(),
                          capture_output=True, timeout=60, cwd=ROOT)
    assert b"AUDIT VIOLATION: open for writing" in proc.stderr
