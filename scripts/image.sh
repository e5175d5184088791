#!/usr/bin/env bash
# Build the istio-mesh-fn image with whichever container engine works here.
#
#   scripts/image.sh build      build $IMAGE from the top-level Dockerfile
#   scripts/image.sh engine     print the engine that works (docker or podman), or fail saying why
#   scripts/image.sh base       (stand-in) make the local Debian base image
#   scripts/image.sh wheels     (stand-in) download the dependency wheels for the base image's Python
#   scripts/image.sh sbom FILE  CycloneDX SBOM (JSON) of the Python packages installed in $IMAGE
#
# `build` runs the plain `docker build .` when the base image ($BASE_IMAGE, default
# python:3.12-slim) is present or can be pulled. On a machine with no registry (CI here),
# it builds the same Dockerfile on a stand-in: a Debian base image made with debootstrap
# and the wheels downloaded from PyPI on the host, both cached under $CACHE_DIR. The
# Dockerfile is the same in both cases; only --build-arg values differ.
#
# Environment: IMAGE (default localhost/istio-mesh-fn:dev), BASE_IMAGE, ENGINE (docker|podman),
# OFFLINE (auto|0|1, default auto), CACHE_DIR (default ~/.cache/istio-mesh-fn).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE_DIR=${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/istio-mesh-fn}
IMAGE=${IMAGE:-localhost/istio-mesh-fn:dev}
OFFLINE=${OFFLINE:-auto}
DEFAULT_BASE=python:3.12-slim
SUITE=bookworm
STANDIN_BASE=localhost/istio-mesh-fn-base:$SUITE
STANDIN_PY=311   # bookworm's python3 is 3.11
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/pyproject.toml")

say() { echo "image.sh: $*" >&2; }
die() { say "error: $*"; exit 1; }

engine() {
    if [[ -n ${ENGINE:-} ]]; then
        command -v "$ENGINE" >/dev/null || die "ENGINE=$ENGINE is not on PATH"
        echo "$ENGINE"; return
    fi
    # `docker` may be a bare client with no engine behind it: ask the engine, not the client.
    if command -v docker >/dev/null && timeout 20 docker info >/dev/null 2>&1; then echo docker; return; fi
    if command -v podman >/dev/null && timeout 60 podman info >/dev/null 2>&1; then echo podman; return; fi
    die "no working container engine: 'docker info' and 'podman info' both failed (on Debian: make test-prereqs installs podman)"
}

have_image() { "$1" image inspect "$2" >/dev/null 2>&1; }

base() {
    local eng=$1 tarball=$CACHE_DIR/base-$SUITE.tar rootfs
    have_image "$eng" "$STANDIN_BASE" && return
    if [[ ! -s $tarball ]]; then
        command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install debootstrap)"
        rootfs=$(mktemp -d "$CACHE_DIR/rootfs.XXXXXX")
        say "debootstrap $SUITE into $rootfs (about a minute)"
        debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
            "$SUITE" "$rootfs" >"$CACHE_DIR/debootstrap.log" 2>&1 \
            || { rm -rf "$rootfs"; die "debootstrap failed, see $CACHE_DIR/debootstrap.log"; }
        # What a container never needs: downloaded .debs, apt lists, docs, man pages, locales.
        rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
               "$rootfs"/usr/share/doc "$rootfs"/usr/share/man "$rootfs"/usr/share/locale \
               "$rootfs"/usr/share/info
        tar -C "$rootfs" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
        rm -rf "$rootfs"
    fi
    say "importing $tarball as $STANDIN_BASE"
    "$eng" import --quiet "$tarball" "$STANDIN_BASE" >/dev/null
}

# The runtime dependencies, as pyproject.toml lists them, plus the build backend.
requirements() {
    python3 - "$ROOT/pyproject.toml" <<'PY'
import sys, tomllib
data = tomllib.load(open(sys.argv[1], "rb"))
print("\n".join(data["project"]["dependencies"] + data["build-system"]["requires"]))
PY
}

wheels() {
    local reqs key dir
    reqs=$(requirements)
    key=$(printf '%s\n' "$reqs" | sha256sum | cut -c1-12)
    dir=$CACHE_DIR/wheelhouse-cp$STANDIN_PY-$key
    [[ -f $dir/.complete ]] && { echo "$dir"; return; }
    mkdir -p "$dir"
    say "downloading wheels for CPython ${STANDIN_PY:0:1}.${STANDIN_PY:1} into $dir: $(echo $reqs)"
    mapfile -t req_array <<<"$reqs"
    python3 -m pip download --quiet --disable-pip-version-check --dest "$dir" \
        --only-binary=:all: --implementation cp --python-version "${STANDIN_PY:0:1}.${STANDIN_PY:1}" \
        --abi "cp$STANDIN_PY" --abi abi3 --abi none --platform manylinux2014_x86_64 \
        --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 --platform any \
        "${req_array[@]}" 2> >(grep -v "is ignored: it is neither" >&2)
    touch "$dir/.complete"
    echo "$dir"
}

build() {
    local eng base_image=${BASE_IMAGE:-$DEFAULT_BASE} offline=$OFFLINE start
    eng=$(engine)
    start=$(date +%s)
    local old_id
    old_id=$("$eng" image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
    if [[ $offline == auto ]]; then
        offline=1
        if [[ -n ${BASE_IMAGE:-} ]] || have_image "$eng" "$base_image" \
            || timeout 120 "$eng" pull -q "$base_image" >/dev/null 2>&1; then
            offline=0
        else
            say "$base_image cannot be pulled: building on the local stand-in base instead"
        fi
    fi
    if [[ $offline == 0 ]]; then
        say "$eng build -t $IMAGE (base $base_image)"
        "$eng" build -t "$IMAGE" --build-arg "BASE_IMAGE=$base_image" \
            --build-arg "VERSION=$VERSION" "$ROOT"
    else
        mkdir -p "$CACHE_DIR"
        base "$eng"
        local wh; wh=$(wheels)
        # A build context of exactly what `docker build .` would send, plus the wheelhouse.
        CTX=$(mktemp -d "$CACHE_DIR/context.XXXXXX")
        trap 'rm -rf "$CTX"' EXIT
        local ctx=$CTX
        cp -r "$ROOT/fn" "$ROOT/pyproject.toml" "$ROOT/README.md" "$ROOT/Dockerfile" "$ROOT/.dockerignore" "$ctx/"
        cp -r "$wh" "$ctx/wheelhouse"
        say "$eng build -t $IMAGE (stand-in base $STANDIN_BASE, offline wheels)"
        "$eng" build -t "$IMAGE" --build-arg "BASE_IMAGE=$STANDIN_BASE" \
            --build-arg "VERSION=$VERSION" --build-arg PIP_NO_INDEX=1 \
            --build-arg PIP_FIND_LINKS=/src/wheelhouse "$ctx"
    fi
    # Drop the image this build replaced (only that one), so rebuilds do not pile up.
    local new_id
    new_id=$("$eng" image inspect --format '{{.Id}}' "$IMAGE")
    if [[ -n $old_id && $old_id != "$new_id" ]]; then
        "$eng" image rm "$old_id" >/dev/null 2>&1 || true
    fi
    say "built $IMAGE in $(( $(date +%s) - start ))s, $("$eng" image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%.1f MB", $1/1e6}')"
}

# The SBOM lists what is installed in the image, read from the image itself: each
# distribution's name and version, with the sha256 of the wheel it was installed from
# (wheels.sha256, recorded at build time). cyclonedx-py (PyPI cyclonedx-bom) writes and
# validates the CycloneDX document; the root component comes from pyproject.toml.
sbom() {
    local out=${1:?usage: $0 sbom FILE} eng reqs
    command -v cyclonedx-py >/dev/null || die "cyclonedx-py is missing (pip install cyclonedx-bom; make sbom installs it)"
    eng=$(engine)
    have_image "$eng" "$IMAGE" || die "$IMAGE is not built (make image)"
    reqs=$(mktemp)
    "$eng" run --rm --network none --entrypoint python3 "$IMAGE" -c '
import importlib.metadata as md, re
norm = lambda s: re.sub(r"[-_.]+", "_", s).lower()
hashes = {}
for line in open("/opt/istio-mesh-fn/wheels.sha256"):
    digest, path = line.split()
    name, version = path.rsplit("/", 1)[1].split("-")[:2]
    hashes[(norm(name), version)] = digest
for d in sorted(md.distributions(), key=lambda d: norm(d.metadata["Name"])):
    name, version = d.metadata["Name"], d.version
    h = hashes.get((norm(name), version))
    print(f"{name}=={version}" + (f" --hash=sha256:{h}" if h else ""))
' >"$reqs" || { rm -f "$reqs"; die "could not list the packages in $IMAGE"; }
    mkdir -p "$(dirname "$out")"
    # A flat list (requirements carry no dependency graph): cyclonedx-py warns about that.
    PYTHONWARNINGS=ignore::UserWarning cyclonedx-py requirements --pyproject "$ROOT/pyproject.toml" --mc-type application \
        --output-reproducible --of JSON -o "$out" "$reqs" || { rm -f "$reqs"; die "cyclonedx-py failed"; }
    rm -f "$reqs"
    say "wrote $out ($(grep -c '"bom-ref"' "$out") bom-refs) for $IMAGE"
}

case ${1:-build} in
    build) build ;;
    engine) engine ;;
    base) mkdir -p "$CACHE_DIR"; base "$(engine)" ;;
    wheels) mkdir -p "$CACHE_DIR"; wheels ;;
    sbom) sbom "${2:-}" ;;
    *) die "usage: $0 [build|engine|base|wheels|sbom FILE]" ;;
esac
