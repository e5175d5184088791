"""Hostile sizes: an alias bomb ("billion laughs") is refused in well under a second with
bounded memory; an input past the size limit is refused just as cleanly, without being
held in memory; big inputs under the limit work. Numbers are measured on the real CLI
process (wall time, and peak RSS from wait4) and printed with ``pytest -s``."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from fn.function import run
from fn.resourcelist import DEFAULT_MAX_INPUT_MB, MAX_INPUT_ENV, process

from ._support import RL_HEAD, ROOT, rl_items, text_of

MB = 1024 * 1024


# Linux hands a child the peak RSS of whoever forked it (ru_maxrss survives fork and
# exec), and this pytest process may be hundreds of MB by now. So the CLI is forked from
# a small wrapper (no site, a few MB), which reports the child's wait4 numbers.
_WRAPPER = """
import os, sys, time
report, argv = sys.argv[1], sys.argv[2:]
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execv(argv[0], argv)
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
with open(report, "w") as fh:
    fh.write(f"{os.waitstatus_to_exitcode(status)} {time.perf_counter() - t0} {ru.ru_maxrss}")
"""


def measured(stdin_path: Path | None, *args: str, env_extra: dict[str, str] | None = None):
    """Run the CLI on a file as stdin; return (exit code, stdout, stderr, seconds, peak RSS MiB)."""
    env = dict(os.environ, **(env_extra or {}))
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report"
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        try:
            proc = subprocess.run([sys.executable, "-S", "-c", _WRAPPER, str(report), sys.executable, "-m", "fn", *args],
                                  stdin=stdin, capture_output=True, env=env, cwd=ROOT)
        finally:
            if stdin_path:
                stdin.close()
        code, seconds, rss_kb = report.read_text().split()
        return int(code), proc.stdout, proc.stderr.decode(), float(seconds), int(rss_kb) / 1024


def billion_laughs(levels: int = 9, width: int = 10) -> str:
    """The classic: each level refers ``width`` times to the one before; 10^9 leaves."""
    lines = [RL_HEAD + "items:", "- apiVersion: v1", "  kind: ConfigMap", "  metadata: {name: lol}", "  data:",
             "    l0: &l0 [lol]"]
    for i in range(1, levels):
        lines.append(f"    l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels, width", [(9, 10), (40, 2), (200, 2)])
def test_alias_bomb_is_refused_fast_in_process(levels, width):
    data = billion_laughs(levels, width).encode()
    start = time.perf_counter()
    out = process(data, run)
    elapsed = time.perf_counter() - start
    assert out.exit_code == 1 and out.stdout == ""
    assert "alias bomb" in out.fatal and "excessive aliasing" in out.fatal
    assert elapsed < 1.0, f"refusal took {elapsed:.2f}s"


def test_alias_bomb_through_the_cli_time_and_memory(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(billion_laughs())
    code, stdout, stderr, seconds, rss = measured(bomb)
    print(f"\nbillion laughs ({bomb.stat().st_size} bytes, 10^9 nodes expanded): exit {code}, "
          f"{seconds:.2f}s wall (process start included), peak RSS {rss:.0f} MiB")
    assert code == 1 and stdout == b""
    assert "alias bomb" in stderr and "Traceback" not in stderr
    assert seconds < 3.0  # interpreter start-up included; the refusal itself is < 1 s above
    assert rss < 100


def test_alias_bomb_in_a_plain_stream_too():
    stream = billion_laughs().split("items:\n", 1)[1].replace("\n  ", "\n")[2:]
    out = process(stream.encode(), run)
    assert out.exit_code == 1 and "alias bomb" in out.fatal


def test_ordinary_aliasing_is_still_accepted():
    # Fifty uses of one 40-node anchor: what people write for shared env blocks.
    env = "[" + ", ".join(f"{{name: V{i}, value: '{i}'}}" for i in range(10)) + "]"
    text = RL_HEAD + "items:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: base}\n" \
        f"  data: {{x: y}}\n  env: &env {env}\n" + "".join(
            f"- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: c{i}}}\n  env: *env\n" for i in range(50))
    out = process(text.encode(), run)
    assert out.exit_code == 0, out.fatal
    # The anchoring item is untouched and written as read; the aliases, which point
    # outside their items, are expanded (kpt reads each item on its own).
    assert "*env" not in out.stdout and out.stdout.count("&env") == 1
    items = yaml.safe_load(out.stdout)["items"]
    assert all(len(i["env"]) == 10 for i in items if i["metadata"]["name"].startswith("c"))


def _write_big(path: Path, size: int) -> None:
    """A ResourceList of ``size`` bytes: Services, Deployments and tricky ConfigMaps."""
    chunk = """- apiVersion: v1
  kind: Service
  metadata: {{name: svc-{i}, namespace: ns-{n}}}
  spec:
    selector: {{app: app-{i}}}
    ports: [{{name: http, port: 8080}}]
- apiVersion: apps/v1
  kind: Deployment
  metadata: {{name: app-{i}, namespace: ns-{n}}}
  spec:
    template:
      metadata:
        labels: {{app: app-{i}, version: v1}}
- apiVersion: v1
  kind: ConfigMap
  metadata: {{name: cm-{i}, namespace: ns-{n}}}
  data: {{on: yes, mode: 0755, mask: 0x1F, blob: {blob}}}
"""
    blob = "x" * 300
    with open(path, "w") as fh:
        fh.write(RL_HEAD + "items:\n")
        written, i = len(RL_HEAD) + 7, 0
        block = []
        while written < size:
            text = chunk.format(i=i, n=i % 20, blob=blob)
            block.append(text)
            written += len(text)
            i += 1
            if len(block) == 2000:
                fh.write("".join(block))
                block = []
        fh.write("".join(block))


def test_input_over_the_limit_is_refused_cleanly_without_being_held_in_memory(tmp_path):
    big = tmp_path / "big.yaml"
    _write_big(big, (DEFAULT_MAX_INPUT_MB + 1) * MB)
    code, stdout, stderr, seconds, rss = measured(big)
    print(f"\n{DEFAULT_MAX_INPUT_MB + 1} MiB input ({big.stat().st_size / MB:.0f} MiB) on stdin: exit {code}, {seconds:.2f}s wall, "
          f"peak RSS {rss:.0f} MiB")
    assert code == 1 and stdout == b"" and "Traceback" not in stderr
    assert f"over the {DEFAULT_MAX_INPUT_MB} MiB limit" in stderr and MAX_INPUT_ENV in stderr
    assert stderr.count("\n") == 1
    assert seconds < 15
    assert rss < DEFAULT_MAX_INPUT_MB + 100  # the first limit+1 bytes, then chunks
    # The same file as an argument is refused before it is read.
    code, stdout, stderr, seconds, rss = measured(None, str(big))
    assert code == 1 and "limit" in stderr and rss < 100


def test_the_limit_is_configurable(tmp_path):
    data = tmp_path / "two.yaml"
    _write_big(data, 2 * MB)
    code, _, stderr, _, _ = measured(data, env_extra={MAX_INPUT_ENV: "1"})
    assert code == 1 and "over the 1 MiB limit" in stderr
    small = tmp_path / "small.yaml"
    _write_big(small, MB // 4)
    code, stdout, stderr, _, _ = measured(small, env_extra={MAX_INPUT_ENV: "1"})
    assert code == 0, stderr


def test_a_large_package_under_the_limit_works_with_bounded_memory(tmp_path):
    path = tmp_path / "large.yaml"
    _write_big(path, 2 * MB)
    code, stdout, stderr, seconds, rss = measured(path)
    size = path.stat().st_size / MB
    print(f"\n{size:.1f} MiB input: exit {code}, {seconds:.1f}s wall, peak RSS {rss:.0f} MiB "
          f"({rss / size:.0f}x the input)")
    assert code == 0, stderr[-2000:]
    sent = rl_items(path.read_text())
    back = rl_items(stdout.decode())
    # Every item comes back unchanged, in order, followed by what was generated.
    assert [text_of(n) for n in back[:len(sent)]] == [text_of(n) for n in sent]
    assert len(back) > len(sent)
    assert rss < 200 * size + 100
