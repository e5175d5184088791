# istio-mesh-fn as a KRM function image, for kpt (`image:`), kustomize (`container:`)
# and anything else that runs `docker run -i IMAGE` with a ResourceList on stdin.
#
#   docker build -t localhost/istio-mesh-fn:dev .        # or: make image
#
# The image runs the way kpt and kustomize run functions: no network, any user
# (`--user nobody`), no-new-privileges, and a read-only root filesystem.
#
# Offline builds: put wheels for every dependency (and setuptools, wheel) in
# wheelhouse/ and pass --build-arg PIP_NO_INDEX=1 --build-arg PIP_FIND_LINKS=/src/wheelhouse.

ARG BASE_IMAGE=python:3.12-slim

# ---- build: the package's wheel plus the wheels of what it imports at run time ----
FROM ${BASE_IMAGE} AS build
ARG PIP_NO_INDEX=0
ARG PIP_FIND_LINKS=
# Dependencies taken without their own dependencies. The CEL engine's package requires
# typer, rich, pygments and prompt_toolkit (about 25 MB installed) for its REPL; the
# function loads only its compiled extension (fn/analyze/schema/celrules.py).
ARG NO_DEPS=common-expression-language
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY . .
RUN python3 -c "import re, sys, tomllib; \
deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; \
bare = {n.strip().lower() for n in sys.argv[1].split(',')}; \
name = lambda d: re.split(r'[<>=!~;\[ ]', d, maxsplit=1)[0].lower(); \
open('/tmp/deps.txt', 'w').write('\n'.join(d for d in deps if name(d) not in bare) + '\n'); \
open('/tmp/nodeps.txt', 'w').write('\n'.join(d for d in deps if name(d) in bare) + '\n')" "$NO_DEPS" \
 && python3 -m venv /opt/pip \
 && /opt/pip/bin/pip wheel --no-deps --wheel-dir /wheels . \
 && /opt/pip/bin/pip wheel --wheel-dir /wheels -r /tmp/deps.txt \
 && /opt/pip/bin/pip wheel --no-deps --wheel-dir /wheels -r /tmp/nodeps.txt \
 && sha256sum /wheels/*.whl > /wheels.sha256

# ---- runtime: the wheels installed into a venv, no pip, no build tools ----
FROM ${BASE_IMAGE} AS runtime
ARG BASE_IMAGE
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="istio-mesh-fn" \
      org.opencontainers.image.description="KRM function that generates and checks Istio mesh config for kpt, kustomize and Argo CD" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="${BASE_IMAGE}"
ENV PATH=/opt/istio-mesh-fn/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
# The list of wheels (with hashes) goes into the image: it records what is installed, and
# it makes the install step below rebuild whenever a wheel changes (a bind mount alone does
# not invalidate some builders' layer cache).
COPY --from=build /wheels.sha256 /opt/istio-mesh-fn/wheels.sha256
# Bytecode is compiled at install time: at run time the root filesystem may be read-only.
# /wheels holds exactly the run-time closure, so it is installed as is (--no-deps); the
# last line proves the CEL engine loads without its REPL's packages.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python3 -m venv /opt/istio-mesh-fn \
 && /opt/istio-mesh-fn/bin/pip install --no-index --no-deps /wheels/*.whl \
 && /opt/istio-mesh-fn/bin/pip uninstall --yes pip setuptools \
 && istio-mesh-fn --version \
 && python3 -c "from fn.analyze.schema import celrules; assert celrules.cel.compile('1 + 1')"
USER 65532:65532
ENTRYPOINT ["istio-mesh-fn"]
