#!/usr/bin/env bash
# Sets up (idempotent), builds the cpu preset, runs every registered artifact at a scale
# (default cpu) and renders the report. Usage: scripts/reproduce.sh [--scale cpu|gpu|paper] [--out DIR]
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$SPIKEBENCH_ROOT"
[ -f build/cpu/build.ninja ] || cmake --preset cpu >/dev/null
cmake --build build/cpu --target spikebench
exec build/cpu/suite/spikebench reproduce "$@"
