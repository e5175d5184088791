"""Run one command; report its wall time, CPU time, peak RSS and exit code on stderr.

    python -S benchmarks/spawn.py CMD ARG... < stdin > stdout 2> report

Why a separate small process: Linux hands a child the peak RSS of whoever forked it
(``ru_maxrss`` survives fork and exec), so a child spawned straight from the benchmark
would report the benchmark's own memory. From here (no site, a few MB) it reports its
own. The clock starts just before the fork: the command's start-up is in, this
wrapper's is not. The command's stderr goes to /dev/null.
"""

import os
import sys
import time


def main() -> None:
    argv = sys.argv[1:]
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: stderr to /dev/null, then become the command
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    sys.stderr.write(f"{wall:.6f} {ru.ru_utime + ru.ru_stime:.6f} {ru.ru_maxrss} {rc}\n")


if __name__ == "__main__":
    main()
