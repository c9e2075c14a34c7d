#!/usr/bin/env bash
# Sets up (idempotent), builds the cpu preset and runs every test (ctest: Catch2 cases of
# test_datasets, test_text, test_models, test_suite), then the CI stability gate (.ci/gate.sh),
# then renders the gate's report and checks it in headless Chromium (scripts/check-report.sh).
# Exit status is non-zero when any test or gate check fails.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$SPIKEBENCH_ROOT"
[ -f build/cpu/build.ninja ] || cmake --preset cpu >/dev/null
cmake --build build/cpu --target spikebench spikebench_tests
ctest --test-dir build/cpu --output-on-failure -j2
.ci/gate.sh
build/cpu/suite/spikebench report build/cpu/gate >/dev/null
scripts/check-report.sh build/cpu/gate/report
