# Tests of the tests (issue 17): seeded bugs and mutation testing. Both take long, so
# neither is part of `make test`; the committed summary they produce is checked there.
.PHONY: seeded-bugs mutation

seeded-bugs: $(STAMP)
	$(BIN)/python tools/seeded_bugs.py
