#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-19, ASan+UBSan, tests/fuzz/) in their own build tree and
# runs each for a while from seeds of both ONNX suites plus the kept regression inputs.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [BUILD_DIR] [ONNX_1.23_SUITE_DIR]
#   CI runs it briefly (scripts/test.sh); long campaigns: scripts/fuzz.sh 36000.
# A crash leaves its input in BUILD_DIR/fuzz-artifacts/: copy it to tests/fuzz/regressions/<target>/
# with a name that says what it was, and fix the cause.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
BUILD=${2:-build-fuzz}
SUITE_123=${3:-}
JOBS=${JOBS:-$(nproc)}

bash scripts/bootstrap.sh
CC=clang-19 cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHYDRA_SANITIZE=ON \
  -DHYDRA_FUZZ=ON -DHYDRA_WERROR=ON >/dev/null
cmake --build "$BUILD" -j"$JOBS" --target fuzz_import fuzz_tensor

mkdir -p "$BUILD/fuzz-artifacts"
suite_112=/usr/share/libonnx-testdata/data
run() { # target, then seed folders (read recursively; new finds go to the first, writable one)
  local t=$1
  shift
  mkdir -p "$BUILD/fuzz-corpus/$t"
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
    "$BUILD/tests/fuzz/fuzz_$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=20 \
    -rss_limit_mb=4096 -max_len=1048576 -artifact_prefix="$BUILD/fuzz-artifacts/$t-" \
    -print_final_stats=1 "$BUILD/fuzz-corpus/$t" "$@"
}
seeds_import=("tests/fuzz/regressions/import" "$suite_112/node" "$suite_112/simple"
  "$suite_112/pytorch-converted" "$suite_112/pytorch-operator")
[ -n "$SUITE_123" ] && seeds_import+=("$SUITE_123/node")
run import "${seeds_import[@]}"
run tensor tests/fuzz/regressions/tensor "$suite_112/node"
