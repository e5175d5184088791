# The container image and the end-to-end tests' prerequisites (issue 3).
IMAGE ?= localhost/istio-mesh-fn:dev

.PHONY: image e2e hadolint

# Builds ./Dockerfile with docker or podman, whichever has a working engine. Where the base
# image cannot be pulled (no registry), scripts/image.sh builds on a local stand-in base.
image:
	IMAGE=$(IMAGE) scripts/image.sh build

hadolint: test-prereqs
	$${CACHE_DIR:-$$HOME/.cache/istio-mesh-fn}/tools/bin/hadolint --failure-threshold warning Dockerfile

e2e: $(STAMP) test-prereqs
	$(BIN)/pytest -q tests/e2e

test-prereqs::
	@scripts/e2e-prereqs.sh
