"""Profile one in-process run of the function on a generated ResourceList.

    .venv/bin/python benchmarks/profile_fn.py 2000            # cProfile, top functions
    .venv/bin/python benchmarks/profile_fn.py 2000 --no-profile   # wall time and GC only

The run goes through ``fn.cli.main`` exactly as the console script does (stdin and
stdout are swapped for in-memory buffers), so every phase is in. The garbage collector's
own time is shown separately: cProfile charges it to whichever function happened to
allocate, which hides it.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import generate  # noqa: E402


class _GcTimer:
    def __init__(self) -> None:
        self.count = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self._start = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            g = info["generation"]
            self.count[g] += 1
            self.seconds[g] += time.perf_counter() - self._start


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="profile the function in-process")
    p.add_argument("services", type=int)
    p.add_argument("--no-profile", action="store_true", help="time only, no cProfile")
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--sort", default="cumulative", help="pstats sort key (cumulative, tottime)")
    args = p.parse_args(argv)

    data = generate.resource_list(args.services).encode()
    from fn import cli

    class _Stdin:
        buffer = io.BytesIO(data)

    out = io.StringIO()
    timer = _GcTimer()
    gc.callbacks.append(timer)
    real_in, real_out = sys.stdin, sys.stdout
    sys.stdin, sys.stdout = _Stdin, out  # type: ignore[assignment]
    prof = None if args.no_profile else cProfile.Profile()
    t0 = time.perf_counter()
    try:
        if prof:
            prof.enable()
        rc = cli.main([])
        if prof:
            prof.disable()
    finally:
        sys.stdin, sys.stdout = real_in, real_out
        gc.callbacks.remove(timer)
    wall = time.perf_counter() - t0
    print(f"N={args.services}: exit {rc}, {len(data):,} bytes in, {len(out.getvalue()):,} out, "
          f"{wall:.2f} s wall{' (under cProfile)' if prof else ''}")
    print("gc: " + ", ".join(f"gen{g} {timer.count[g]}x {timer.seconds[g]:.2f} s" for g in range(3)))
    if prof:
        pstats.Stats(prof).sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
