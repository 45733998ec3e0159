#!/usr/bin/env bash
# Sanitizer jobs (also: scripts/test.sh --sanitizers). An ASan+UBSan build (clang-19, build-asan)
# runs every ctest test: unit tests, both ONNX suites, the model tests, the fuzz replays and the
# concurrency test. A ThreadSanitizer build (build-tsan) runs the concurrency test. Both use the
# test data MAIN_BUILD wrote (exported models, ONNX 1.23 suite; HYDRA_TEST_DATA_FROM), so build
# that tree's default target first. build-asan is also scripts/fuzz.sh's tree (HYDRA_FUZZ), so
# CI compiles the sanitized compiler once. Any sanitizer report fails its test.
# Usage: scripts/test_sanitizers.sh MAIN_BUILD [asan] [tsan]   (default: both)
#   Each job's last line is ctest's count; TESTS_LOG=FILE also appends "NAME COUNT" lines.
set -euo pipefail
cd "$(dirname "$0")/.."
MAIN=$(realpath "$1")
shift
JOBS=${JOBS:-$(nproc)}
jobs=("$@")
[ ${#jobs[@]} -eq 0 ] && jobs=(asan tsan)

bash scripts/bootstrap.sh
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache)
configure() { # build-dir, then options
  local dir=$1
  shift
  CC=clang-19 CXX=clang++-19 cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHYDRA_WERROR=ON \
    -DHYDRA_EXAMPLES=OFF -DHYDRA_TEST_DATA_FROM="$MAIN" "${launcher[@]}" "$@" >/dev/null
}
ctest_counted() { # name, then ctest arguments; records how many tests ran
  local name=$1 log
  shift
  log=$(mktemp)
  ctest --output-on-failure -j"$JOBS" "$@" | tee "$log"
  local n
  n=$(grep -o 'tests failed out of [0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  rm -f "$log"
  [ -n "${TESTS_LOG:-}" ] && echo "$name $n" >>"$TESTS_LOG"
  return 0
}

# halt_on_error: the first report fails the test, with its stack. Leaks are reported (LSan).
# allocator_may_return_null: an allocation too large for ASan returns NULL as malloc's would, so
# the out-of-memory paths the tests hold to a status run (ASan aborts on them by default).
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

for j in "${jobs[@]}"; do
  case $j in
  asan)
    configure build-asan -DHYDRA_SANITIZE=ON -DHYDRA_FUZZ=ON
    cmake --build build-asan -j"$JOBS"
    ctest_counted asan+ubsan --test-dir build-asan
    ;;
  tsan)
    configure build-tsan -DHYDRA_TSAN=ON
    cmake --build build-tsan -j"$JOBS" --target hydra_concurrency
    ctest_counted tsan --test-dir build-tsan -L concurrency
    ;;
  *)
    echo "test_sanitizers.sh: unknown job '$j' (asan or tsan)" >&2
    exit 2
    ;;
  esac
done
