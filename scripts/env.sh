# Sourced by the other scripts: runs setup (idempotent) and exports what the build needs.
# shellcheck shell=bash
SPIKEBENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
eval "$("$SPIKEBENCH_ROOT/scripts/setup.sh" --print-env)"
# Data folder: explicit env, else the local mirror beside the clone.
if [ -z "${SPIKEBENCH_DATA_DIR:-}" ] && [ -d "$SPIKEBENCH_ROOT/../shared/data" ]; then
  export SPIKEBENCH_DATA_DIR="$(cd "$SPIKEBENCH_ROOT/../shared/data" && pwd)"
fi
# glibc: keep large (50257-wide logits) buffers off mmap; measured in bench/ (README).
export MALLOC_MMAP_MAX_="${MALLOC_MMAP_MAX_:-0}"
export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-1073741824}"
