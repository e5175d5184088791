# Distribution artifacts (issue 16): `make dist` builds the sdist and the wheel into dist/
# and checks them with twine; `make sbom` writes the image's CycloneDX SBOM.
# `make test` builds both too (tests/ecosystem/test_packaging.py), in a temporary copy.
DIST_DIR ?= dist

.PHONY: dist

dist: $(STAMP)
	rm -rf $(DIST_DIR)
	$(BIN)/python -m build --outdir $(DIST_DIR) .
	$(BIN)/twine check --strict $(DIST_DIR)/*
	@ls -l $(DIST_DIR) | awk 'NR>1 {printf "%s %.1f kB\n", $$9, $$5/1e3}'

# The image's SBOM (CycloneDX JSON), read from the built image: what is installed, with
# the hash of each wheel. cyclonedx-bom is a build-time tool only, never in the image.
SBOM_STAMP := $(VENV)/.sbom-installed
SBOM ?= $(DIST_DIR)/istio-mesh-fn-image.cdx.json

.PHONY: sbom

$(SBOM_STAMP): $(STAMP)
	$(BIN)/pip install -qq 'cyclonedx-bom>=4'
	@touch $@

sbom: $(SBOM_STAMP) image
	PATH=$(CURDIR)/$(BIN):$$PATH IMAGE=$(IMAGE) scripts/image.sh sbom $(SBOM)
