# make bench: the function against the libyaml floor and kpt, as whole processes
# (benchmarks/bench.py says how). Writes docs/performance.md and docs/performance.png.
# matplotlib draws the plot: a bench-only dependency, installed here and never needed
# at run time. BENCH_ARGS passes options, e.g. BENCH_ARGS="--sizes 1,100,500 --repeat 2".
BENCH_STAMP := $(VENV)/.bench-installed
BENCH_ARGS ?=

.PHONY: bench

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install -qq 'matplotlib>=3.8'
	@touch $@

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)
