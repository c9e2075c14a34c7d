#!/usr/bin/env bash
# Sets up (idempotent), builds the cpu preset, runs every registered artifact at a scale
# (default cpu) and renders the report. Usage: scripts/reproduce.sh [--scale cpu|gpu|paper] [--out DIR]
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$SPIKEBENCH_ROOT"
[ -f build/cpu/build.ninja ] || cmake --preset cpu >/dev/null
cmake --build build/cpu --target spikebench
status=0
build/cpu/suite/spikebench reproduce "$@" || status=$?
# The report as a reader sees it: links resolve, figures are not blank, Chromium renders it.
out=results
for ((i = 1; i <= $#; i++)); do [ "${!i}" = --out ] && j=$((i + 1)) && out="${!j}"; done
if [ -f "$out/report/index.html" ]; then
  scripts/check-report.sh "$out/report" || status=1
  # Every claim with its statistic, as Markdown: the page docs/status.md is (committed from a full
  # cpu reproduce with `scripts/status.py results --out docs/status.md`).
  scripts/status.py "$out" --out "$out/report/status.md" || status=1
fi
exit "$status"
