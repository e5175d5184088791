"""``analyze`` on hostile inputs: one size limit for everything it reads, a directory walk
that neither hangs nor skips in silence nor recurses, a nesting limit with a message, and
exit 2 only for input it could not read (issue 11, #5 and #10)."""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from fn.analyze import cli
from fn.analyze.load import LoadError, load_bytes, load_paths, Loaded
from fn.limits import MAX_INPUT_ENV, MAX_NESTING_DEPTH

ROOT = Path(__file__).resolve().parents[2]
MB = 1 << 20

SERVICE = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  ports: [{name: http, port: 80}]\n"
BROKEN_VS = """\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: cart, namespace: shop}
spec:
  hosts: [cart]
  http:
  - route:
    - destination: {host: carts}
"""


def _cap_memory():
    # Should a read ever be unbounded again, fail with MemoryError instead of eating the machine.
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def analyze(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "fn", "analyze", *args], input=stdin, capture_output=True,
                          cwd=ROOT, timeout=timeout, env=dict(os.environ, **(env or {})), preexec_fn=_cap_memory)
    proc.stdout, proc.stderr = proc.stdout.decode(), proc.stderr.decode()
    return proc


def clean_failure(p: subprocess.CompletedProcess, code: int = 2) -> None:
    assert p.returncode == code, (p.returncode, p.stdout[-500:], p.stderr[-2000:])
    assert "Traceback" not in p.stderr and "internal error" not in p.stderr, p.stderr
    assert p.stdout == ""


def feed_fifo(path: Path, data: bytes) -> threading.Thread:
    """A writer on the other end of a FIFO; gives up quietly when the reader stops."""
    def write():
        try:
            with open(path, "wb") as fh:
                fh.write(data)
        except BrokenPipeError:
            pass

    t = threading.Thread(target=write, daemon=True)
    t.start()
    return t


# ------------------------------------------------------------------ the size limit

def test_a_file_over_the_limit_is_refused(tmp_path):
    f = tmp_path / "big.yaml"
    f.write_text(SERVICE + "---\n" + "# padding\n" * (MB // 5))
    p = analyze(str(f), env={MAX_INPUT_ENV: "1"})
    clean_failure(p)
    assert f"{f}: input is 2.0 MiB, over the 1 MiB limit" in p.stderr and MAX_INPUT_ENV in p.stderr


def test_the_limit_covers_all_files_together(tmp_path):
    for i in range(3):
        (tmp_path / f"{i}.yaml").write_text(SERVICE.replace("web", f"web{i}") + "# pad\n" * (MB // 12))
    clean_failure(analyze(str(tmp_path), env={MAX_INPUT_ENV: "1"}))
    assert analyze(str(tmp_path), env={MAX_INPUT_ENV: "2"}).returncode == 0


def test_stdin_over_the_limit_is_refused():
    p = analyze("-", stdin=SERVICE.encode() + b"#" * (2 * MB), env={MAX_INPUT_ENV: "1"})
    clean_failure(p)
    assert "<stdin>: input is over the 1 MiB limit" in p.stderr


def test_mesh_config_over_the_limit_is_refused(tmp_path):
    svc = tmp_path / "svc.yaml"
    svc.write_text(SERVICE)
    mesh = tmp_path / "mesh.yaml"
    mesh.write_text("rootNamespace: istio-system\n" + "#" * (2 * MB))
    p = analyze("--mesh-config", str(mesh), str(svc), env={MAX_INPUT_ENV: "1"})
    clean_failure(p)
    assert f"{mesh}: input is" in p.stderr


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_read_only_up_to_the_limit(device, tmp_path):
    # st_size is 0 for a device: the limit must hold while reading, not only from stat.
    svc = tmp_path / "svc.yaml"
    svc.write_text(SERVICE)
    clean_failure(analyze(device, env={MAX_INPUT_ENV: "1"}))
    clean_failure(analyze("--mesh-config", device, str(svc), env={MAX_INPUT_ENV: "1"}))


def test_a_fifo_given_as_a_path_is_read_up_to_the_limit(tmp_path):
    fifo = tmp_path / "in.yaml"
    os.mkfifo(fifo)
    writer = feed_fifo(fifo, SERVICE.encode() + b"#" * (3 * MB))
    p = analyze(str(fifo), env={MAX_INPUT_ENV: "1"})
    writer.join(timeout=60)
    clean_failure(p)
    assert "over the 1 MiB limit" in p.stderr


def test_a_fifo_given_as_a_path_under_the_limit_is_analyzed(tmp_path):
    # What `istio-mesh-fn analyze <(kustomize build)` hands over.
    fifo = tmp_path / "in.yaml"
    os.mkfifo(fifo)
    writer = feed_fifo(fifo, BROKEN_VS.encode())
    p = analyze(str(fifo))
    writer.join(timeout=60)
    assert p.returncode == 1 and "IST0101" in p.stdout, p.stderr


@pytest.mark.parametrize("value", ["inf", "1e308", "12345678901234567890123456", "lots", "0", "-5", "nan"])
def test_a_bad_limit_setting_is_an_error_naming_it(value, tmp_path):
    svc = tmp_path / "svc.yaml"
    svc.write_text(SERVICE)
    p = analyze(str(svc), env={MAX_INPUT_ENV: value})
    clean_failure(p)
    assert MAX_INPUT_ENV in p.stderr and repr(value) in p.stderr


# -------------------------------------------------------------- the directory walk

def test_a_fifo_in_a_directory_is_skipped_with_a_warning_not_waited_on(tmp_path):
    (tmp_path / "vs.yaml").write_text(BROKEN_VS)
    os.mkfifo(tmp_path / "stuck.yaml")
    p = analyze(str(tmp_path), timeout=60)  # a hang is the failure, not a slow pass
    assert p.returncode == 1 and "IST0101" in p.stdout, p.stderr
    assert f"warning: {tmp_path / 'stuck.yaml'}: skipped: not a regular file" in p.stderr


def test_an_unreadable_subdirectory_is_an_error_not_a_silent_skip(tmp_path, monkeypatch, capsys):
    # The suite may run as root, for whom no mode bit makes a directory unreadable: the
    # listing is made to fail the way it fails for another user.
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "svc.yaml").write_text(SERVICE)
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "vs.yaml").write_text(BROKEN_VS)
    real = os.scandir

    def scandir(path="."):
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert cli.main([str(tmp_path)]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert f"{locked}: cannot read directory: Permission denied" in out.err


def _as_another_user() -> list[str]:
    """A command prefix under which mode bits apply: none for a normal user; for root
    (CI runs as root) setpriv to nobody, when nobody can run the project from here."""
    if os.geteuid() != 0:
        return []
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    try:
        ok = subprocess.run(prefix + [sys.executable, "-c", "import fn.analyze.cli"], cwd=ROOT, capture_output=True,
                            timeout=60).returncode == 0
    except FileNotFoundError:
        ok = False
    if not ok:
        pytest.skip("running as root, and user nobody cannot run the project from this checkout")
    return prefix


def test_an_unreadable_subdirectory_for_real():
    import shutil
    import tempfile

    prefix = _as_another_user()
    top = Path(tempfile.mkdtemp(prefix="istio-mesh-fn-perm-"))
    try:
        top.chmod(0o755)
        (top / "svc.yaml").write_text(SERVICE)
        locked = top / "locked"
        locked.mkdir()
        (locked / "vs.yaml").write_text(BROKEN_VS)
        locked.chmod(0)
        p = subprocess.run(prefix + [sys.executable, "-m", "fn", "analyze", str(top)], capture_output=True, text=True,
                           cwd=ROOT, timeout=120)
        clean_failure(p)
        assert f"{locked}: cannot read directory: Permission denied" in p.stderr
    finally:
        locked.chmod(0o755)
        shutil.rmtree(top)


def test_a_symlinked_directory_is_read(tmp_path):
    outside = tmp_path / "shared-routes"
    outside.mkdir()
    (outside / "vs.yaml").write_text(BROKEN_VS)
    app = tmp_path / "app"
    app.mkdir()
    (app / "svc.yaml").write_text(SERVICE)
    (app / "routes").symlink_to(outside, target_is_directory=True)
    p = analyze(str(app))
    assert p.returncode == 1 and f"{app / 'routes' / 'vs.yaml'}:" in p.stdout, (p.stdout, p.stderr)


def test_a_symlink_loop_ends_and_each_directory_is_read_once(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "vs.yaml").write_text(BROKEN_VS)
    (tmp_path / "a" / "loop").symlink_to(tmp_path, target_is_directory=True)
    p = analyze(str(tmp_path), timeout=60)
    assert p.returncode == 1 and p.stdout.count("IST0101") == 1, (p.stdout, p.stderr)
    assert "already read" in p.stderr


def test_a_dangling_symlink_is_an_error(tmp_path):
    (tmp_path / "svc.yaml").write_text(SERVICE)
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    p = analyze(str(tmp_path))
    clean_failure(p)
    assert "gone.yaml: cannot read" in p.stderr


def test_a_self_looping_symlink_is_an_error_when_named_as_a_manifest_and_a_warning_otherwise(tmp_path):
    (tmp_path / "svc.yaml").write_text(SERVICE)
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    p = analyze(str(tmp_path))
    assert p.returncode == 0 and f"{tmp_path / 'loop'}: skipped: Too many levels of symbolic links" in p.stderr
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    clean_failure(analyze(str(tmp_path)))


def test_five_hundred_nested_directories(tmp_path):
    deep = tmp_path
    for _ in range(500):
        deep = deep / "d"
    deep.mkdir(parents=True)
    (deep / "vs.yaml").write_text(BROKEN_VS)
    p = analyze(str(tmp_path))
    assert p.returncode == 1 and "IST0101" in p.stdout, p.stderr[-2000:]


# ------------------------------------------------------------------ YAML nesting

def flow_nested(levels: int) -> str:
    return ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep, namespace: shop}\n"
            f"binaryData: {{x: {'[' * levels}{']' * levels}}}\n")


def block_nested(levels: int) -> str:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: deep, namespace: shop}", "extra:"]
    lines += [" " * (i + 1) + "k:" for i in range(levels)]
    lines.append(" " * (levels + 1) + "v: 1")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("text", [flow_nested(500), block_nested(500), flow_nested(990)], ids=["flow-500", "block-500", "flow-990"])
@pytest.mark.parametrize("output", ["text", "json", "yaml"])
def test_deep_nesting_within_the_limit_is_analyzed(text, output):
    p = analyze("-o", output, "-", stdin=text.encode())
    assert p.returncode in (0, 1) and "Traceback" not in p.stderr and "internal error" not in p.stderr, p.stderr[-2000:]
    assert p.stdout


def test_nesting_past_the_limit_through_aliases_is_refused_with_the_limit():
    # Each level of anchors adds the depth of the one before: fewer than 1000 levels as
    # written, far more once the aliases stand for their nodes.
    half = 400
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep, namespace: shop}\ndata:\n"
            f"  a: &a {'[' * half}x{']' * half}\n"
            f"  b: &b {'[' * half}*a{']' * half}\n"
            f"  c: {'[' * half}*b{']' * half}\n")
    p = analyze("-", stdin=text.encode())
    clean_failure(p)
    assert f"nested more than {MAX_NESTING_DEPTH} levels deep" in p.stderr


def test_the_loader_checks_depth_without_recursing():
    loaded = Loaded()
    with pytest.raises(LoadError, match="levels deep"):
        load_bytes(("a: &a " + "[" * 600 + "x" + "]" * 600 + "\nb: " + "[" * 600 + "*a" + "]" * 600 + "\n").encode(),
                   "t.yaml", loaded)


# ------------------------------------------------------- what the exit code says

def test_an_empty_analyzers_list_is_an_error_not_a_green_run(tmp_path):
    f = tmp_path / "vs.yaml"
    f.write_text(BROKEN_VS)
    for value in ("", ",", " , ,"):
        p = analyze("--analyzers", value, str(f))
        clean_failure(p)
        assert "--analyzers names no analyzer" in p.stderr


def test_closed_stdin_is_an_input_error():
    p = subprocess.run([sys.executable, "-m", "fn", "analyze", "-"], capture_output=True, text=True, cwd=ROOT,
                       stdin=subprocess.DEVNULL, preexec_fn=lambda: os.close(0), timeout=120)
    clean_failure(p)
    assert "standard input is closed" in p.stderr


def test_load_paths_keeps_its_signature_and_reads_stdin_within_the_limit():
    with pytest.raises(LoadError, match="over the"):
        from fn.limits import Budget

        load_paths(["-"], stdin=io.BytesIO(b"#" * 2048), budget=Budget(1024))


def test_an_empty_analyzers_list_in_the_validator_config_is_an_error():
    from .test_validator import fn as run_validator, validator

    rc, out, stderr = run_validator(validator(analyzers=[]))
    assert rc == 1, stderr
    errors = [r for r in out["results"] if r["severity"] == "error"]
    assert [r["field"]["path"] for r in errors] == ["spec.analyzers"], errors
    assert len(out["items"]) == 3  # passed through, as for any config error


def test_a_bad_limit_setting_is_a_load_error_for_every_caller_of_the_loader(monkeypatch):
    # `graph` reads through load_paths too, and catches LoadError only.
    monkeypatch.setenv(MAX_INPUT_ENV, "inf")
    with pytest.raises(LoadError, match=MAX_INPUT_ENV):
        load_paths(["-"], stdin=io.BytesIO(SERVICE.encode()))
