#!/usr/bin/env bash
# Configures and builds spikebench with a CMake preset (default: cpu). Usage: scripts/build.sh [PRESET] [TARGET...]
set -euo pipefail
source "$(dirname "$0")/env.sh"
preset="${1:-cpu}"; shift || true
cd "$SPIKEBENCH_ROOT"
[ -f "build/$preset/build.ninja" ] || cmake --preset "$preset" >/dev/null
if [ "$#" -gt 0 ]; then cmake --build "build/$preset" --target "$@"; else cmake --build "build/$preset"; fi
