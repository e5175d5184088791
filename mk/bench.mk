# make bench: the function against the libyaml floor and kpt, as whole processes
# (benchmarks/bench.py says how). Writes docs/performance.md and docs/performance.png.
# It runs the function as users get it: installed from the wheel into its own venv, not
# the editable development install, whose import hook alone costs ~15 ms of start-up
# (pathlib, fnmatch, urllib for every run). The floors and `import yaml` run on that
# venv's interpreter too. matplotlib draws the plot: a bench-only dependency, never
# needed at run time. BENCH_ARGS passes options, e.g. BENCH_ARGS="--sizes 1,100,500 --repeat 2".
BENCH_VENV := .venv-bench
BENCH_ARGS ?=

.PHONY: bench bench-venv

bench-venv:
	@test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -qq 'matplotlib>=3.8'
	$(BENCH_VENV)/bin/pip install -qq --force-reinstall --no-deps . && $(BENCH_VENV)/bin/pip install -qq .

bench: bench-venv
	$(BENCH_VENV)/bin/python benchmarks/bench.py --bin $(BENCH_VENV)/bin $(BENCH_ARGS)
