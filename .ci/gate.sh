#!/usr/bin/env bash
# The stability gate: runs the cpu-scale artifacts listed in .ci/gate.txt against their golden
# values (baselines/cpu/<artifact>.yaml). A golden value that moves beyond its tolerance, or a
# claim verdict that changes, fails the gate. Regenerate deliberately with
#   build/cpu/suite/spikebench run ARTIFACT --update-golden
# and commit the changed golden file with the reason.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/build/cpu/suite/spikebench"
out="${SPIKEBENCH_GATE_OUT:-$root/build/cpu/gate}"
rm -rf "$out"
failed=0 passed=0
while read -r artifact _; do
  case "$artifact" in ''|'#'*) continue ;; esac
  if "$bin" run "$artifact" --scale cpu --out "$out" --fail-on regressions; then
    passed=$((passed + 1))
  else
    echo "gate: $artifact FAILED (see $out/$artifact-cpu.h5)"
    failed=$((failed + 1))
  fi
done < "$root/.ci/gate.txt"
echo "gate: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
