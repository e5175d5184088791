"""The function's streams and limits under hostile conditions (issue 11, #5 and #10): PATH
arguments and --config within the input limit whatever ``st_size`` says, a limit setting
that is no number, a reader that goes away, a full disk, closed stdin, stdout or stderr."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from fn.limits import MAX_INPUT_ENV

from ._support import DEPLOYMENT, ROOT, SERVICE, resource_list

MB = 1 << 20
CONFIG = "apiVersion: istio-mesh-fn.dev/v1alpha1\nkind: IstioMesh\nmetadata: {name: mesh}\nspec: {}\n"


def _cap_memory():
    # Should a read ever be unbounded again, fail with MemoryError instead of eating the machine.
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def fn(*args: str, stdin=None, stdout=subprocess.PIPE, env: dict[str, str] | None = None, close: int | None = None,
       timeout: float = 120) -> subprocess.CompletedProcess:
    def pre():
        _cap_memory()
        if close is not None:
            os.close(close)

    return subprocess.run([sys.executable, "-m", "fn", *args], stdin=stdin, stdout=stdout,
                          stderr=subprocess.PIPE if close != 2 else subprocess.DEVNULL,
                          cwd=ROOT, timeout=timeout, env=dict(os.environ, **(env or {})), preexec_fn=pre)


def package(tmp_path: Path) -> tuple[Path, Path]:
    objs = tmp_path / "objs.yaml"
    objs.write_text(SERVICE + "\n---\n" + DEPLOYMENT + "\n")
    cfg = tmp_path / "config.yaml"
    cfg.write_text(CONFIG)
    return objs, cfg


def big_resource_list(n: int = 3000) -> bytes:
    """Over a MiB of output: more than a pipe holds, so a reader that leaves is noticed."""
    items = [f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}, namespace: shop}}\ndata: {{k: '{'x' * 300}'}}"
             for i in range(n)]
    return resource_list(items).encode()


def stderr_of(p) -> str:
    return p.stderr.decode() if p.stderr else ""


# ---------------------------------------------------------------------- limits

@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_as_path_or_config_is_read_only_up_to_the_limit(device, tmp_path):
    objs, cfg = package(tmp_path)
    for args in ((("--config", str(cfg), device)), ("--config", device, str(objs))):
        p = fn(*args, env={MAX_INPUT_ENV: "1"})
        assert p.returncode == 1 and p.stdout == b"", stderr_of(p)
        assert "over the 1 MiB limit" in stderr_of(p) and "Traceback" not in stderr_of(p)


def test_a_fifo_as_path_is_read_only_up_to_the_limit(tmp_path):
    objs, cfg = package(tmp_path)
    fifo = tmp_path / "in.yaml"
    os.mkfifo(fifo)

    def write():
        try:
            with open(fifo, "wb") as fh:
                fh.write(objs.read_bytes() + b"#" * (3 * MB))
        except BrokenPipeError:
            pass

    t = threading.Thread(target=write, daemon=True)
    t.start()
    p = fn("--config", str(cfg), str(fifo), env={MAX_INPUT_ENV: "1"})
    t.join(timeout=60)
    assert p.returncode == 1 and p.stdout == b""
    assert f"{fifo}: input is over the 1 MiB limit" in stderr_of(p)


def test_path_arguments_share_one_limit(tmp_path):
    objs, cfg = package(tmp_path)
    pad = tmp_path / "pad.yaml"
    pad.write_text("#" * (MB // 2) + "\n")
    assert fn("--config", str(cfg), str(objs), str(pad), env={MAX_INPUT_ENV: "1"}).returncode == 0
    p = fn("--config", str(cfg), str(objs), str(pad), str(pad), str(pad), env={MAX_INPUT_ENV: "1"})
    assert p.returncode == 1 and "over the 1 MiB limit" in stderr_of(p)


@pytest.mark.parametrize("value", ["inf", "-inf", "1e308", "12345678901234567890123456", "nan", "0", "-1",
                                   "32MB", "lots", "\u0663\u0662x"])
def test_a_limit_setting_that_is_no_size_is_an_error_naming_it(value, tmp_path):
    objs, cfg = package(tmp_path)
    env = dict(os.environ, **{MAX_INPUT_ENV: value})
    for args, stdin in (((), resource_list([SERVICE]).encode()), (("--config", str(cfg), str(objs)), b"")):
        p = subprocess.run([sys.executable, "-m", "fn", *args], input=stdin, capture_output=True, cwd=ROOT, env=env,
                           timeout=120)
        err = stderr_of(p)
        assert p.returncode == 1 and p.stdout == b"", err
        assert f"{MAX_INPUT_ENV}=" in err and "internal error" not in err and err.count("\n") == 1, err


@pytest.mark.parametrize("value", ["", "1", "0.5", " 64 ", "1e3", "1048576"])
def test_limit_settings_that_are_sizes_work(value, tmp_path):
    objs, cfg = package(tmp_path)
    p = fn("--config", str(cfg), str(objs), env={MAX_INPUT_ENV: value})
    assert p.returncode == 0, stderr_of(p)


# ------------------------------------------------------------------ the streams

@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_a_reader_that_goes_away_is_an_error_not_a_quiet_truncation(unbuffered):
    # `istio-mesh-fn < rl.yaml | head -1`. PYTHONUNBUFFERED=1 (the container image sets it)
    # once made the rest of the output vanish with exit 0.
    proc = subprocess.Popen([sys.executable, "-m", "fn"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT, env=dict(os.environ, PYTHONUNBUFFERED=unbuffered))
    feeder = threading.Thread(target=lambda: (proc.stdin.write(big_resource_list()), proc.stdin.close()), daemon=True)
    feeder.start()
    assert proc.stdout.readline().startswith(b"apiVersion")
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) != 0, err
    feeder.join(timeout=60)
    assert "Traceback" not in err and "Exception ignored" not in err and "internal error" not in err, err
    assert "cannot write the output" in err


def test_a_full_disk_is_an_io_error_not_a_bug(tmp_path):
    objs, cfg = package(tmp_path)
    with open("/dev/full", "wb") as full:
        p = fn("--config", str(cfg), str(objs), stdout=full)
    err = stderr_of(p)
    assert p.returncode == 1 and "No space left on device" in err, err
    assert "bug" not in err and "Traceback" not in err and "Exception ignored" not in err


def test_closed_stdin_is_an_io_error_not_a_bug():
    p = fn(stdin=subprocess.DEVNULL, close=0)
    err = stderr_of(p)
    assert p.returncode == 1 and "standard input is closed" in err and "bug" not in err, err


def test_closed_stdout_is_an_io_error_not_a_bug(tmp_path):
    objs, cfg = package(tmp_path)
    p = fn("--config", str(cfg), str(objs), close=1)
    err = stderr_of(p)
    assert p.returncode == 1 and "standard output is closed" in err and "bug" not in err, err


def test_with_stderr_closed_no_message_lands_in_stdout(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: a\n")
    p = fn(str(bad), close=2)
    assert p.returncode == 1 and p.stdout == b""
    # ... and with warnings on a run that succeeds, stdout holds the objects and nothing else.
    objs, cfg = package(tmp_path)
    cfg.write_text(CONFIG.replace("spec: {}", "spec: {mtls: {mode: PERMISSIVE}}"))
    p = fn("--config", str(cfg), str(objs), close=2)
    assert p.returncode == 0 and b"istio-mesh-fn:" not in p.stdout and b"warning" not in p.stdout


def test_analyze_with_stderr_closed_writes_no_message_to_stdout(tmp_path):
    p = subprocess.run([sys.executable, "-m", "fn", "analyze", str(tmp_path / "missing.yaml")], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, cwd=ROOT, preexec_fn=lambda: os.close(2), timeout=120)
    assert p.returncode == 2 and p.stdout == b""


def test_analyze_output_to_a_full_disk_or_a_gone_reader(tmp_path):
    many = "".join(f"---\napiVersion: v1\nkind: Service\nmetadata: {{name: s{i}, namespace: shop}}\n"
                   f"spec:\n  ports: [{{port: 80}}]\n" for i in range(1500))
    f = tmp_path / "many.yaml"
    f.write_text(many)
    with open("/dev/full", "wb") as full:
        p = subprocess.run([sys.executable, "-m", "fn", "analyze", str(f)], stdout=full, stderr=subprocess.PIPE,
                           cwd=ROOT, timeout=120)
    assert p.returncode == 1 and b"No space left on device" in p.stderr and b"bug" not in p.stderr
    proc = subprocess.Popen([sys.executable, "-m", "fn", "analyze", str(f)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) != 0 and "cannot write the output" in err and "Traceback" not in err, err


def test_output_to_a_text_only_stdout_still_works(monkeypatch):
    # Embedders (and some test runners) put an io.StringIO in sys.stdout: it has no .buffer.
    import io

    from fn.cli import write_out

    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    write_out("kind: Service # é\n")
    assert out.getvalue() == "kind: Service # é\n"


def test_graph_with_stderr_closed_writes_no_message_to_stdout(tmp_path):
    p = subprocess.run([sys.executable, "-m", "fn", "graph", str(tmp_path / "missing.yaml")], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, cwd=ROOT, preexec_fn=lambda: os.close(2), timeout=120)
    assert p.returncode == 2 and p.stdout == b""
