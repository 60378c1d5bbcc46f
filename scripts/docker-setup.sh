#!/usr/bin/env bash
# Set up bubblewrap for the isolated local sandbox and a Docker engine for Patchwright's
# container sandbox, then build its images.
# Idempotent: installs docker.io and debootstrap only when missing, starts dockerd only
# when no engine answers, and `patchwright sandbox bootstrap` reuses images whose inputs
# did not change. Needs root (apt, dockerd). Log of a dockerd started here:
# ${PATCHWRIGHT_DOCKERD_LOG:-/var/log/patchwright-dockerd.log}.
set -euo pipefail
# bubblewrap isolates the default local sandbox (Linux namespaces); needed with or without Docker.
if ! command -v bwrap >/dev/null 2>&1; then
    echo "docker-setup: installing bubblewrap" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends bubblewrap >/dev/null
fi
if [ "${PATCHWRIGHT_NO_DOCKER:-}" = 1 ]; then
    echo "docker-setup: skipped (PATCHWRIGHT_NO_DOCKER=1)" >&2
    exit 0
fi
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LOG="${PATCHWRIGHT_DOCKERD_LOG:-/var/log/patchwright-dockerd.log}"

say() { echo "docker-setup: $*" >&2; }

if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
    say "installing docker.io and debootstrap"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends docker.io debootstrap >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
    say "starting dockerd (log: $LOG)"
    mkdir -p "$(dirname "$LOG")"
    nohup dockerd >>"$LOG" 2>&1 </dev/null &
    for _ in $(seq 1 120); do
        docker info >/dev/null 2>&1 && break
        sleep 0.5
    done
    if ! docker info >/dev/null 2>&1; then
        say "dockerd did not answer within 60 s; last lines of $LOG:"
        tail -n 20 "$LOG" >&2 || true
        exit 1
    fi
fi

if ! python3 -c 'import patchwright.sandbox.images, docker' >/dev/null 2>&1; then
    say "installing patchwright (editable, dev extra)"
    python3 -m pip install -q -e "$ROOT[dev]"
fi
say "building sandbox images"
python3 -m patchwright.cli sandbox bootstrap
