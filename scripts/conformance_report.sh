#!/usr/bin/env bash
# Runs both ONNX suites over a built tree and rewrites docs/conformance.md (a section per suite);
# with --write-expected also both expected-pass lists, from what passes today.
# Usage: scripts/conformance_report.sh [BUILD_DIR] [--write-expected]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
WRITE=${2:-}
run() { # suite-name data-dir expected-list
  local extra=()
  [ "$WRITE" = --write-expected ] && extra=(--expected "tests/conformance/$3" --write-expected "tests/conformance/$3")
  "$BUILD/tests/conformance/hydra_conformance" --suite "$1" --data "$2" \
    --report docs/conformance.md --jobs 2 "${extra[@]}"
}
run "ONNX 1.12 (libonnx-testdata)" /usr/share/libonnx-testdata/data expected_pass_onnx-1.12.txt
run "ONNX 1.23 (onnx 1.23.2 wheel)" "$BUILD/onnx-suite-1.23" expected_pass_onnx-1.23.txt
