#!/usr/bin/env bash
# Cross-CPU fingerprint of the training proxy: runs fig1 at scale cpu with 2 seeds (4 runs)
# unpinned and under ISA pins, and prints each run's final train and valid loss with 17
# significant digits plus the machine record. Run it on two CPUs and diff the outputs: equal
# lines under a pin set mean golden files written under those pins would hold across the two
# (README, "Other CPUs"). Usage: scripts/pins.sh [BUILD_DIR] > OUT.txt
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$root/${1:-build/cpu}/suite/spikebench"
source "$root/scripts/env.sh" >/dev/null
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "# scripts/pins.sh, $(date -u +%Y-%m-%dT%H:%MZ), git $(git -C "$root" rev-parse --short=12 HEAD)"
echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), flags: $(grep -m1 '^flags' /proc/cpuinfo | grep -o 'avx512f\|avx2' | sort -u | tr '\n' ' ')"
sets=("none:"
      "aten+mkl+onednn avx2:ATEN_CPU_CAPABILITY=avx2 MKL_CBWR=AVX2 ONEDNN_MAX_CPU_ISA=AVX2"
      "aten+mkl(compatible)+onednn avx2:ATEN_CPU_CAPABILITY=avx2 MKL_CBWR=COMPATIBLE ONEDNN_MAX_CPU_ISA=AVX2")
for s in "${sets[@]}"; do
  name="${s%%:*}" vars="${s#*:}"
  out="$tmp/${name//[^a-z0-9]/_}"
  # shellcheck disable=SC2086
  env $vars "$bin" run fig1 --scale cpu --seeds 2 --out "$out" --fail-on regressions >/dev/null 2>&1 || true
  /usr/bin/python3 - "$out/fig1-cpu.h5" "$name" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
a = lambda o, k: (lambda v: v.decode() if isinstance(v, bytes) else v)(o.attrs.get(k, ""))
print(f"pins {sys.argv[2]!r}: cpu_vendor {a(f,'cpu_vendor')}, cpu {a(f,'cpu')}, cpu_isa {a(f,'cpu_isa')}, "
      f"numerics_env {a(f,'numerics_env')!r}")
for name, g in sorted(f["runs"].items()):
    print(f"  {name:28s} train {g['train/loss'][-1]:.17g}  valid {g['valid/loss'][-1]:.17g}")
PY
done
