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
# OpenMP threads sleep instead of spinning while they wait: on a shared 2-core machine spinning
# made 2-thread training 3-8x slower (bench/README.md); results are unchanged (same partitioning).
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
# ccache hits across clones in other folders (CI clones afresh): hash paths relative to the root.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$SPIKEBENCH_ROOT}"
