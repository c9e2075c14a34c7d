#!/usr/bin/env bash
# Runs the pilot rounds of bench/pilot/README.md into OUT (default /tmp/pilot) and prints the
# paired statistics (analyze.py needs h5py + scipy: python3 -m venv V; V/bin/pip install scipy
# h5py; PY=V/bin/python). Round 1: the embedding σ's reference width and lr; round 2: lr sweep,
# sequence length, RMSNorm, β2 = 0.95 on the chosen design. ~25 min on 2 cores.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/scripts/env.sh"
out="${1:-/tmp/pilot}"
py="${PY:-python3}"
bin="$root/build/cpu/suite/spikebench"
run() { local o="$1"; shift; "$bin" run "$@" --out "$out/$o" --jobs 2 --fail-on regressions >"$out/$o.log" 2>&1; }
mkdir -p "$out"
# Round 1: σ from the model's width (d 128) vs a paper width (sigma_d 2048), two lrs each.
run A1 "$root/bench/pilot/pilot.yaml"
run A2 "$root/bench/pilot/pilot.yaml" --set lr=3.0e-2
run B1 "$root/bench/pilot/pilot.yaml" --set sigma_d=2048 --set lr=3.0e-3
run B2 "$root/bench/pilot/pilot.yaml" --set sigma_d=2048 --set lr=1.0e-2
# Round 2 on design A.
for s in pilot-lr pilot-seq pilot-rms pilot-beta2; do run "$s" "$root/bench/pilot/$s.yaml"; done
"$py" "$root/bench/pilot/analyze.py" "$out"/*/*.h5
