#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-19, ASan+UBSan, tests/fuzz/) in their own build tree and
# runs each for a while from seeds of both ONNX suites, tests/fuzz/seeds/ and the kept regression
# inputs. Every target runs even when one crashes; the script then fails naming each crash.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [BUILD_DIR] [ONNX_1.23_SUITE_DIR]
#   Briefly: scripts/test.sh --fuzz 30 (in the sanitizer tree build-asan); long
#   campaigns: scripts/fuzz.sh 36000.
# A crash leaves its input in BUILD_DIR/fuzz-artifacts/ (and, base64, in the log): copy it to
# tests/fuzz/regressions/<target>/ with a name that says what it was, and fix the cause.
# BUILD_DIR/fuzz-targets-run gets the number of targets that ran without a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
BUILD=${2:-build-fuzz}
SUITE_123=${3:-}
JOBS=${JOBS:-$(nproc)}
TARGETS=(import compile_run tensor run_tensors)

bash scripts/bootstrap.sh
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache)
CC=clang-19 CXX=clang++-19 cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHYDRA_SANITIZE=ON \
  -DHYDRA_FUZZ=ON -DHYDRA_WERROR=ON "${launcher[@]}" >/dev/null
cmake --build "$BUILD" -j"$JOBS" --target "${TARGETS[@]/#/fuzz_}"

mkdir -p "$BUILD/fuzz-artifacts"
suite_112=/usr/share/libonnx-testdata/data
crashed=()
ran=0
run() { # target, then seed folders (read recursively; new finds go to the first, writable one)
  local t=$1 before
  shift
  mkdir -p "$BUILD/fuzz-corpus/$t"
  before=$(ls "$BUILD/fuzz-artifacts" | grep -c "^$t-" || true)
  if ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
    "$BUILD/tests/fuzz/fuzz_$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=20 \
    -rss_limit_mb=4096 -max_len=1048576 -artifact_prefix="$BUILD/fuzz-artifacts/$t-" \
    -print_final_stats=1 "$BUILD/fuzz-corpus/$t" "$@"; then
    ran=$((ran + 1))
    return 0
  fi
  crashed+=("$t")
  # The input, kept: the newest artifact of this target, also in the log for a CI without files.
  local f
  f=$(ls -t "$BUILD/fuzz-artifacts/$t-"* 2>/dev/null | head -n 1 || true)
  if [ -n "$f" ] && [ "$(ls "$BUILD/fuzz-artifacts" | grep -c "^$t-")" -gt "$before" ]; then
    echo "fuzz.sh: $t crashed; input kept in $f ($(stat -c %s "$f") bytes), base64:"
    head -c 65536 "$f" | base64
  else
    echo "fuzz.sh: $t failed without leaving an input (see its output above)"
  fi
}
seeds_import=("tests/fuzz/regressions/import" "$suite_112/node" "$suite_112/simple"
  "$suite_112/pytorch-converted" "$suite_112/pytorch-operator")
[ -n "$SUITE_123" ] && seeds_import+=("$SUITE_123/node")
run import "${seeds_import[@]}"
# libFuzzer runs every seed before its clock starts, and compiling and running the suites' ~2,950
# models takes minutes: a short run (CI's) seeds compile_run with the kept inputs only. The
# suites' models go through compile and run under ASan in the sanitizer tree's conformance tests.
if [ "$SECONDS_PER_TARGET" -ge 600 ]; then
  run compile_run "${seeds_import[@]}"
else
  run compile_run tests/fuzz/regressions/import
fi
run tensor tests/fuzz/regressions/tensor "$suite_112/node"
run run_tensors tests/fuzz/seeds/run_tensors
echo "$ran" >"$BUILD/fuzz-targets-run"
if [ ${#crashed[@]} -gt 0 ]; then
  echo "fuzz.sh: crashes in ${crashed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: ${#TARGETS[@]} targets, ${SECONDS_PER_TARGET} s each, no crash"
