#!/usr/bin/env bash
# Runs the instability pilot of bench/pilot/instability/README.md into OUT (default
# /tmp/pilot-instability), one design after another, and prints analyze.py's table (h5py +
# scipy: PY=/path/to/python with both). BIN=path/to/spikebench runs a copy of the binary (a
# rebuild of build/cpu while the pilot runs would pull the worker executable from under it);
# RESUME=1 continues killed designs (--resume). Designs in priority order; pass names to run a
# subset:
#   shallow   the cpu proxy as it is (N 4, d 128), lr 3e-3 .. 3e-1
#   deep      the paper's depth at narrow width (N 24, d 64, h 4), lr 3e-3 .. 3e-1
#   warmup0   shallow, no warmup, lr 1e-2 .. 1e-1
#   beta2     shallow, beta2 0.95, lr 1e-2 .. 1e-1
#   seq       shallow, L 16 / 64 / 256 at 512 tokens per update, lr 1e-2, 3e-2
#   long      N 8, d 64, 1,000 updates, lr 1e-2, 3e-2
# (The secondary axes ran on the shallow design: deep, run first, separated the methods less.)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
source "$root/scripts/env.sh"
out="${OUT:-/tmp/pilot-instability}"
py="${PY:-python3}"
bin="${BIN:-$root/build/cpu/suite/spikebench}"
deep=(--set n_layers=24 --set d=64 --set n_heads=4)
run() {
  local name="$1"; shift
  local t0=$SECONDS
  "$bin" run "$@" --out "$out/$name" --jobs 2 --fail-on regressions ${RESUME:+--resume} \
    >>"$out/$name.log" 2>&1
  echo "pilot: $name done in $((SECONDS - t0)) s"
}
mkdir -p "$out"
designs=("$@"); [ "${#designs[@]}" -gt 0 ] || designs=(shallow warmup0 beta2 seq long deep)
for d in "${designs[@]}"; do
  case "$d" in
    shallow) run shallow "$here/lr.yaml" ;;
    deep)    run deep "$here/lr.yaml" "${deep[@]}" ;;
    warmup0) run warmup0 "$here/axes.yaml" --set warmup_fraction=0 ;;
    beta2)   run beta2 "$here/axes.yaml" --set beta2=0.95 ;;
    seq)     run seq "$here/seq.yaml" ;;
    long)    run long "$here/long.yaml" ;;
    *) echo "run.sh: unknown design '$d'" >&2; exit 2 ;;
  esac
done
"$py" "$here/analyze.py" "$out"/*/*.h5
