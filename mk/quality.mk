# Tests of the tests (issue 17): seeded bugs and mutation testing. Both take long, so
# neither is part of `make test`; the committed summary they produce is checked there.
.PHONY: seeded-bugs mutation

seeded-bugs: $(STAMP)
	$(BIN)/python tools/seeded_bugs.py

# Mutation testing of fn/ (pyproject's [tool.mutmut]); about an hour on two cores. It runs
# in a throwaway worktree so the checkout is never left mutated, then writes
# docs/mutation.json and the table in docs/testing.md.
MUTATION_DIR ?= /tmp/istio-mesh-fn-mutation

mutation: $(STAMP)
	$(BIN)/pip install -qq 'mutmut>=3.3'
	rm -rf $(MUTATION_DIR) && git worktree prune && git worktree add -q --detach $(MUTATION_DIR) HEAD
	cd $(MUTATION_DIR) && $(CURDIR)/$(BIN)/mutmut run > mutmut.log 2>&1 || true
	$(BIN)/python tools/mutation_summary.py $(MUTATION_DIR)
