"""``make bench``: the function against the libyaml floor and kpt, as processes.

Four commands get the same ResourceList on stdin, stdout to /dev/null:

- **function**: ``.venv/bin/istio-mesh-fn`` (the console script users run: interpreter
  start-up, imports, parse, transform, analyzers, serialize, all in);
- **floor**: ``.venv/bin/python benchmarks/floor.py``, a bare PyYAML libyaml load plus
  dump, started the same way, so start-up and ``import yaml`` count on both sides;
- **floor without GC**: the same with ``--no-gc`` (the cyclic collector off, as the
  function has it): half of the floor at scale is the collector;
- **kpt**: ``kpt fn eval - --exec /bin/cat``, kpt reading the ResourceList on stdin
  (``-``), handing it through ``cat`` and writing it out: what any exec function costs
  before it does anything.

Plus ``python -c "import yaml"``, the start-up reference. Every sample is one process,
timed from fork to exit (wall clock) with its CPU time and peak RSS from ``wait4``, by
the small benchmarks/spawn.py (RSS read from the benchmark itself would be inflated).
Rounds are interleaved: each round runs every (command, N) once, in a shuffled order,
so drift in machine load hits every side alike; medians are taken over rounds. One
untimed warm-up round comes first (page cache, bytecode caches) and checks the outputs.

The results go between markers in docs/performance.md (the rest of that file is kept)
and into docs/performance.png. Exit status 1 when a target fails.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import generate  # noqa: E402

MARK_START = "<!-- bench:start -->"
MARK_END = "<!-- bench:end -->"
OWNER_LINE = "istio-mesh-fn.dev/generated-by: istio-mesh-fn"

HEADLINE_N = 2000
LINEAR_PAIR = (2000, 20000)
RATIO_TARGET = 0.25
RATIO_STRETCH = 0.12
LINEAR_TARGET = 11.0
STARTUP_TARGET = 1.5
MEMORY_TARGET_PER_BYTE = 25.0  # peak RSS per byte of input
BIG_INPUT_BYTES = 100e6  # the "100 MB monorepo" point


@dataclass
class Sample:
    wall: float
    cpu: float
    rss_mb: float


@dataclass
class Series:
    samples: list[Sample] = field(default_factory=list)

    def median(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    def peak_mb(self) -> float:
        return max(s.rss_mb for s in self.samples)

    def spread(self) -> tuple[float, float]:
        walls = [s.wall for s in self.samples]
        return min(walls), max(walls)


# Children may write bytecode caches (the warm-up round does), as an installed
# package has them: a shell with PYTHONDONTWRITEBYTECODE set would otherwise have the
# function recompile every module it imports on every run, and the floor almost none.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


SPAWN = [sys.executable, "-S", "-E", os.path.join(HERE, "spawn.py")]


def run_once(argv: list[str], stdin_path: str | None, stdout_path: str | None = None) -> tuple[Sample, int]:
    """One process, spawn to exit, measured by benchmarks/spawn.py (which says why)."""
    fin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    fout = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    try:
        proc = subprocess.run(SPAWN + argv, stdin=fin, stdout=fout, stderr=subprocess.PIPE, cwd=ROOT,
                              env=CHILD_ENV, check=True)
    finally:
        for f in (fin, fout):
            if f is not subprocess.DEVNULL:
                f.close()
    wall, cpu, rss_kb, rc = proc.stderr.split()
    return Sample(float(wall), float(cpu), int(rss_kb) / 1024), int(rc)


# ------------------------------------------------------------------ checks

def check_function_output(n: int, rl_path: str, out_path: str, deep: bool) -> None:
    """Untimed: the function did its work, and (``deep``) passed every other item
    through unchanged, as the very text it was read from. Namespaces are excluded: the
    function labels them."""
    with open(out_path, encoding="utf-8") as fh:
        out = fh.read()
    generated = out.count(OWNER_LINE)
    if generated != 2 * n + 1:
        raise SystemExit(f"N={n}: expected {2 * n + 1} generated objects, found {generated}")
    if not deep:
        return
    with open(rl_path, encoding="utf-8") as fh:
        entries = fh.read().split("\nitems:\n", 1)[1].split("\nfunctionConfig:", 1)[0]
    for entry in ("- " + e for e in entries.removeprefix("- ").split("\n- ")):
        text = entry if entry.endswith("\n") else entry + "\n"
        if "kind: Namespace\n" not in text and text not in out:
            raise SystemExit(f"N={n}: an item was not written as it was read: {text[:200]!r}")
    import yaml

    def items(text: str) -> dict[tuple[str, str, str], str]:
        root = yaml.compose(text, Loader=yaml.CSafeLoader)
        seq = next(v for k, v in root.value if k.value == "items")
        found = {}
        for node in seq.value:
            top = {k.value: v for k, v in node.value}
            meta = {k.value: v for k, v in top["metadata"].value}
            ns = meta["namespace"].value if "namespace" in meta else ""
            found[(top["kind"].value, ns, meta["name"].value)] = yaml.serialize(node, Dumper=yaml.CSafeDumper)
        return found

    with open(rl_path, encoding="utf-8") as fh:
        before = items(fh.read())
    after = items(out)
    for key, text in before.items():
        if key[0] != "Namespace" and after.get(key) != text:
            raise SystemExit(f"N={n}: {key} did not pass through unchanged")


# ------------------------------------------------------------------ machine

def _cmd_output(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=ROOT).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine(bin_dir: str, kpt: str | None) -> dict[str, str]:
    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "")
    except OSError:
        pass
    py = os.path.join(bin_dir, "python")
    versions = _cmd_output([py, "-c", (
        "import sys, yaml, yaml._yaml as c; "
        "print(sys.version.split()[0], yaml.__version__, c.get_version_string(), sep='|')"
    )]).split("|")
    commit = _cmd_output(["git", "rev-parse", "--short", "HEAD"])
    dirty = _cmd_output(["git", "status", "--porcelain", "--untracked-files=no", "--", "fn"])
    return {
        "cpu": cpu or platform.processor() or "unknown",
        "cores": str(os.cpu_count()),
        "memory": _mem_total(),
        "kernel": f"{platform.system()} {platform.release()}",
        "python": versions[0] if versions else "?",
        "pyyaml": versions[1] if len(versions) > 1 else "?",
        "libyaml": versions[2] if len(versions) > 2 else "?",
        "kpt": (_cmd_output([kpt, "version"]) if kpt else "not installed") or "?",
        "commit": commit + (" (fn/ modified)" if dirty else ""),
    }


def _mem_total() -> str:
    try:
        with open("/proc/meminfo", encoding="utf-8") as fh:
            kb = int(next(line for line in fh if line.startswith("MemTotal")).split()[1])
        return f"{kb / 1048576:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        return "?"


# ------------------------------------------------------------------ report

def _fmt_s(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}" if x < 1 else f"{x:.2f}"


def _fmt_r(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}×"


@dataclass
class Target:
    name: str
    measured: str
    limit: str
    ok: bool
    required: bool = True

    @property
    def verdict(self) -> str:
        if not self.required:
            return "met" if self.ok and self.limit != "–" else ("not met" if self.limit != "–" else "info")
        return "PASS" if self.ok else "FAIL"


def evaluate(series: dict[tuple[str, int | None], Series], sizes: list[int],
             pairs: dict[tuple[str, int], list[float]], in_bytes: dict[int, int]) -> list[Target]:
    """Ratios are medians of ratios within a unit (see main); times are medians."""
    out = []

    def paired(other: str, n: int) -> float | None:
        values = pairs.get((other, n))
        return statistics.median(values) if values else None

    def med(cmd: str, n: int | None) -> float | None:
        s = series.get((cmd, n))
        return s.median() if s and s.samples else None

    fn, floor, ratio = med("function", HEADLINE_N), med("floor", HEADLINE_N), paired("floor", HEADLINE_N)
    if fn is not None and floor is not None and ratio is not None:
        out.append(Target(f"function ≤ {RATIO_TARGET:g}× floor at N = {HEADLINE_N:,}",
                          f"{ratio:.2f}× ({fn:.2f} s vs {floor:.2f} s)", f"≤ {RATIO_TARGET:g}×",
                          ratio <= RATIO_TARGET))
        out.append(Target(f"stretch: function ≤ {RATIO_STRETCH:g}× floor at N = {HEADLINE_N:,}",
                          f"{ratio:.2f}×", f"≤ {RATIO_STRETCH:g}×", ratio <= RATIO_STRETCH, required=False))
    nogc, ratio = med("floor-nogc", HEADLINE_N), paired("floor-nogc", HEADLINE_N)
    if fn is not None and nogc is not None and ratio is not None:
        out.append(Target(f"function against the floor without GC at N = {HEADLINE_N:,} (reported, no target)",
                          f"{ratio:.2f}× ({fn:.2f} s vs {nogc:.2f} s)", "–", True, required=False))
    lo, hi = LINEAR_PAIR
    base = med("function", 1)
    t_lo, t_hi = med("function", lo), med("function", hi)
    if None not in (base, t_lo, t_hi):
        ratio = (t_hi - base) / (t_lo - base)
        out.append(Target(f"linear: N = {lo:,} → {hi:,} (10× input), time past start-up",
                          f"{ratio:.2f}× ({t_lo - base:.2f} s → {t_hi - base:.2f} s)",
                          f"≤ {LINEAR_TARGET:g}×", ratio <= LINEAR_TARGET))
    imp, startup = med("import-yaml", None), paired("import-yaml", 1)
    if base is not None and imp is not None and startup is not None:
        cpu = series[("function", 1)].cpu() / series[("import-yaml", None)].cpu()
        out.append(Target("start-up: one service vs `python -c \"import yaml\"`",
                          f"{startup:.2f}× ({base * 1000:.0f} ms vs {imp * 1000:.0f} ms); CPU time {cpu:.2f}×",
                          f"≤ {STARTUP_TARGET:g}×", startup <= STARTUP_TARGET))
    big = max((n for n in sizes if in_bytes[n] >= 0.95 * BIG_INPUT_BYTES), default=None)
    for n in [HEADLINE_N] + ([big] if big else []):
        s = series.get(("function", n))
        if s and s.samples:
            peak = s.peak_mb()
            per_byte = peak * 2**20 / in_bytes[n]
            out.append(Target(f"peak memory at N = {n:,} ({in_bytes[n] / 1e6:.0f} MB in; max RSS over runs)",
                              f"{per_byte:.1f} bytes per input byte ({peak:.0f} MB)",
                              f"≤ {MEMORY_TARGET_PER_BYTE:g} (≤ {MEMORY_TARGET_PER_BYTE * in_bytes[n] / 2**20:.0f} MB)",
                              per_byte <= MEMORY_TARGET_PER_BYTE))
    if big:
        t_big, t_head = med("function", big), med("function", HEADLINE_N)
        if None not in (base, t_big, t_head):
            scale = in_bytes[big] / in_bytes[HEADLINE_N]
            ratio = (t_big - base) / (t_head - base) / scale
            out.append(Target(f"the {in_bytes[big] / 1e6:.0f} MB point finishes, linear in time",
                              f"{t_big:.1f} s; time per byte {ratio:.2f}× that at N = {HEADLINE_N:,}",
                              f"≤ {LINEAR_TARGET / 10:g}×", ratio <= LINEAR_TARGET / 10))
    return out


def render(series, pairs, sizes, objects, in_bytes, targets, info, args, started, finished, loads) -> str:
    def med(cmd, n):
        s = series.get((cmd, n))
        return s.median() if s and s.samples else None

    def paired(other, n):
        values = pairs.get((other, n))
        return statistics.median(values) if values else None

    lines = [
        MARK_START,
        "<!-- Written by `make bench` (benchmarks/bench.py); edits between these markers are overwritten. -->",
        "",
        f"Measured {started:%Y-%m-%d %H:%M}–{finished:%H:%M} UTC, {args.repeat} interleaved rounds "
        f"after one warm-up round (N = 1 and `import yaml` {args.small_repeat} times a round; N > "
        f"{args.floor_max:,} in the first {min(args.big_repeat, args.repeat)} rounds only, without the floors); "
        f"medians of wall time per process, stdout to /dev/null. The function and both floors at one N run "
        f"back to back (at N = 1 with `python -c \"import yaml\"` too); their ratios are medians of the "
        f"ratios within each such unit. kpt's ratio is of medians.",
        "",
        "| N services | objects in | input | function | floor (libyaml load + dump) | function / floor "
        "| floor without GC | function / floor without GC "
        "| kpt fn eval (`cat`) | function / kpt | function peak RSS | per input byte | floor peak RSS |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n in sizes:
        fn, fl, ng, kp = med("function", n), med("floor", n), med("floor-nogc", n), med("kpt", n)
        fs, fls = series.get(("function", n)), series.get(("floor", n))
        lines.append(
            f"| {n:,} | {objects[n]:,} | {in_bytes[n] / 1e6:.2f} MB | {_fmt_s(fn)} s | "
            f"{_fmt_s(fl) + ' s' if fl else '–'} | {_fmt_r(paired('floor', n))} | "
            f"{_fmt_s(ng) + ' s' if ng else '–'} | {_fmt_r(paired('floor-nogc', n))} | "
            f"{_fmt_s(kp) + ' s' if kp else '–'} | "
            f"{_fmt_r(fn / kp if fn and kp else None)} | "
            f"{fs.peak_mb():.0f} MB | {fs.peak_mb() * 2**20 / in_bytes[n]:.1f} B | "
            f"{f'{fls.peak_mb():.0f} MB' if fls and fls.samples else '–'} |"
        )
    imp = med("import-yaml", None)
    lines += [
        "",
        f"Start-up reference, `python -c \"import yaml\"`: {imp * 1000:.0f} ms." if imp else "",
        "",
        "**Targets**",
        "",
        "| target | measured | limit | verdict |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {t.name} | {t.measured} | {t.limit} | **{t.verdict}** |" for t in targets]
    lines += [
        "",
        "<details><summary>Spread and CPU time per command</summary>",
        "",
        "| command | N | runs | median wall | min – max wall | median CPU (user + sys) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for (cmd, n), s in sorted(series.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        if not s.samples:
            continue
        lo, hi = s.spread()
        lines.append(f"| {cmd} | {'' if n is None else f'{n:,}'} | {len(s.samples)} | {_fmt_s(s.median())} s | "
                     f"{_fmt_s(lo)} – {_fmt_s(hi)} s | {_fmt_s(s.cpu())} s |")
    lines += [
        "",
        "</details>",
        "",
        "**Machine**",
        "",
        f"- CPU: {info['cpu']}, {info['cores']} cores; memory {info['memory']}; {info['kernel']}",
        f"- Python {info['python']}, PyYAML {info['pyyaml']}, libyaml {info['libyaml']}; kpt {info['kpt']}",
        f"- Code: commit {info['commit']}",
        f"- Load average (1 min) at start {loads[0]:.2f}, at end {loads[1]:.2f}",
        "",
        "![time against N: function and floor](performance.png)",
        "",
        MARK_END,
    ]
    return "\n".join(lines)


def write_doc(path: str, block: str) -> None:
    """Replace the block between the markers; keep everything else in the file."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        text = "# Performance\n\n" + MARK_START + "\n" + MARK_END + "\n"
    if MARK_START in text and MARK_END in text:
        head, rest = text.split(MARK_START, 1)
        tail = rest.split(MARK_END, 1)[1]
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def plot(path: str, series, sizes: list[int]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    styles = {
        "function": dict(marker="o", color="tab:blue", label="istio-mesh-fn (whole process)"),
        "floor": dict(marker="s", color="tab:orange", label="floor: libyaml load + dump"),
        "floor-nogc": dict(marker="s", color="tab:red", linestyle=":", label="floor without GC"),
        "kpt": dict(marker="^", color="tab:gray", linestyle="--", label="kpt fn eval --exec cat"),
    }
    for ax, scale in zip(axes, ("linear", "log")):
        for cmd, style in styles.items():
            pts = [(n, series[(cmd, n)].median()) for n in sizes if series.get((cmd, n)) and series[(cmd, n)].samples]
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], **style)
        ax.set_xscale(scale)
        ax.set_yscale(scale)
        ax.set_xlabel("services N (objects = 3N + 2·N/50)")
        ax.set_ylabel("median wall time per run (s)")
        ax.set_title("linear axes" if scale == "linear" else "log–log axes")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ------------------------------------------------------------------ main

def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="benchmark the function against the libyaml floor and kpt")
    p.add_argument("--sizes", default="1,100,200,500,1000,2000,5000,20000,23500",
                   help="comma-separated N (services); 23,500 is the 100 MB point")
    p.add_argument("--repeat", type=int, default=5, help="timed rounds (default 5)")
    p.add_argument("--small-repeat", type=int, default=4,
                   help="runs per round of the sub-second jobs (N = 1 and the start-up reference), "
                        "whose medians are the noisiest (default 4)")
    p.add_argument("--kpt-max", type=int, default=HEADLINE_N, help="largest N to run kpt at (it is slow)")
    p.add_argument("--floor-max", type=int, default=5000,
                   help="largest N to run the floors at (at 100 MB one floor run takes minutes)")
    p.add_argument("--warmup-max", type=int, default=10**9,
                   help="largest N to run in the untimed warm-up round (the timed runs still check the exit status)")
    p.add_argument("--big-repeat", type=int, default=2,
                   help="timed rounds for N above --floor-max (default 2; each run takes a minute)")
    p.add_argument("--no-kpt", action="store_true")
    p.add_argument("--bin", default=os.path.join(ROOT, ".venv", "bin"))
    p.add_argument("--out", default=os.path.join(ROOT, "docs", "performance.md"))
    p.add_argument("--plot", default=os.path.join(ROOT, "docs", "performance.png"))
    p.add_argument("--no-write", action="store_true", help="print only; leave docs/ alone")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)

    sizes = sorted({int(x) for x in args.sizes.split(",") if x.strip()})
    kpt = None if args.no_kpt else shutil.which("kpt")
    fn_cmd = [os.path.join(args.bin, "istio-mesh-fn")]
    floor_cmd = [os.path.join(args.bin, "python"), os.path.join(HERE, "floor.py")]
    nogc_cmd = floor_cmd + ["--no-gc"]
    import_cmd = [os.path.join(args.bin, "python"), "-c", "import yaml"]
    kpt_cmd = [kpt, "fn", "eval", "-", "--exec", "/bin/cat"] if kpt else None

    work = tempfile.mkdtemp(prefix="istio-mesh-fn-bench-")
    pairs: dict[tuple[str, int], list[float]] = {}
    started = _dt.datetime.now(_dt.timezone.utc)
    # The code measured is what make bench installed, before the rounds: a commit made
    # while they run must not be credited with them.
    info = machine(args.bin, kpt)
    load_start = os.getloadavg()[0]
    try:
        inputs, objects, in_bytes = {}, {}, {}
        for n in sizes:
            path = os.path.join(work, f"rl-{n}.yaml")
            text = generate.resource_list(n)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            inputs[n], objects[n], in_bytes[n] = path, generate.expected_count(n), len(text.encode())

        jobs: list[tuple[str, int | None, list[str], str | None]] = [("import-yaml", None, import_cmd, None)]
        for n in sizes:
            jobs.append(("function", n, fn_cmd, inputs[n]))
            if n <= args.floor_max:
                jobs.append(("floor", n, floor_cmd, inputs[n]))
                jobs.append(("floor-nogc", n, nogc_cmd, inputs[n]))
            if kpt_cmd and n <= args.kpt_max:
                jobs.append(("kpt", n, kpt_cmd, inputs[n]))

        print(f"warm-up and checks ({len(jobs)} jobs)...", file=sys.stderr)
        for name, n, cmd, stdin in jobs:
            if n is not None and n > args.warmup_max:
                continue
            out = os.path.join(work, "out.yaml") if name == "function" else None
            _, rc = run_once(cmd, stdin, out)
            if rc != 0:
                raise SystemExit(f"{name} N={n} exited {rc}: {' '.join(cmd)}")
            if out:
                check_function_output(n, stdin, out, deep=n <= 200)

        series: dict[tuple[str, int | None], Series] = {(name, n): Series() for name, n, _, _ in jobs}
        # Units run back to back: the function and the floor at one N, and at N = 1 also
        # the start-up reference. Their ratios are taken within a unit, so a slow minute
        # (this machine's speed drifts) weighs on both sides of a ratio alike.
        by_key = {(name, n): job for job in jobs for name, n in [job[:2]]}
        units = [[by_key[("function", n)]]
                 + ([by_key[("floor", n)], by_key[("floor-nogc", n)]] if n <= args.floor_max else [])
                 + ([by_key[("import-yaml", None)]] if n == 1 else [])
                 for n in sizes]
        units += [[job] for job in jobs if job[0] == "kpt"]
        if 1 not in sizes:
            units.append([by_key[("import-yaml", None)]])
        rng = random.Random(args.seed)
        for r in range(args.repeat):
            # The sub-second unit runs several times a round: cheap, and its ratio (the
            # start-up target) is the one a busy neighbour moves most.
            order = [u for u in units for _ in range(args.small_repeat if u[0][1] in (None, 1) else 1)
                     if u[0][1] is None or u[0][1] <= args.floor_max or r < args.big_repeat]
            rng.shuffle(order)
            t_round = time.perf_counter()
            for unit in order:
                unit = unit[:]
                rng.shuffle(unit)
                walls = {}
                for name, n, cmd, stdin in unit:
                    sample, rc = run_once(cmd, stdin)
                    if rc != 0:
                        raise SystemExit(f"{name} N={n} exited {rc} in round {r + 1}")
                    series[(name, n)].samples.append(sample)
                    walls[name] = sample.wall
                for floor in ("floor", "floor-nogc"):
                    if floor in walls:
                        n = unit[0][1]
                        pairs.setdefault((floor, n), []).append(walls["function"] / walls[floor])
                if "import-yaml" in walls and "function" in walls:
                    pairs.setdefault(("import-yaml", 1), []).append(walls["function"] / walls["import-yaml"])
            print(f"round {r + 1}/{args.repeat}: {time.perf_counter() - t_round:.0f} s, "
                  f"load {os.getloadavg()[0]:.2f}", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    finished = _dt.datetime.now(_dt.timezone.utc)
    loads = (load_start, os.getloadavg()[0])

    def med(cmd, n):
        s = series.get((cmd, n))
        return s.median() if s and s.samples else None

    print(f"\n{'N':>6} {'objects':>8} {'function':>9} {'floor':>8} {'fn/floor':>9} {'fn/nogc':>8} {'kpt':>8} "
          f"{'fn/kpt':>7} {'fn RSS':>8}")
    for n in sizes:
        fn, fl, kp = med("function", n), med("floor", n), med("kpt", n)
        r1, r2 = pairs.get(("floor", n)), pairs.get(("floor-nogc", n))
        print(f"{n:>6} {objects[n]:>8} {fn:>8.3f}s {(f'{fl:.3f}s' if fl else '-'):>8} "
              f"{(f'{statistics.median(r1):.2f}x' if r1 else '-'):>9} {(f'{statistics.median(r2):.2f}x' if r2 else '-'):>8} "
              f"{(f'{kp:.3f}s' if kp else '-'):>8} {(f'{fn / kp:.2f}x' if kp else '-'):>7} "
              f"{series[('function', n)].peak_mb():>6.0f}MB")
    imp = med("import-yaml", None)
    print(f"python -c 'import yaml': {imp * 1000:.0f} ms")
    targets = evaluate(series, sizes, pairs, in_bytes)
    print()
    for t in targets:
        print(f"{t.verdict}  {t.name}: {t.measured} (limit {t.limit})")

    if not args.no_write:
        os.makedirs(os.path.dirname(args.out), exist_ok=True)
        write_doc(args.out, render(series, pairs, sizes, objects, in_bytes, targets, info, args, started, finished, loads))
        plot(args.plot, series, sizes)
        print(f"\nwrote {os.path.relpath(args.out, ROOT)} and {os.path.relpath(args.plot, ROOT)}")
    return 0 if all(t.ok for t in targets if t.required) else 1


if __name__ == "__main__":
    sys.exit(main())
