#!/usr/bin/env bash
# Runs every Hydra test: installs what is missing, configures with warnings as errors, builds,
# and runs ctest (unit tests, the ONNX conformance suite, the PyTorch-exported model tests).
# Usage: scripts/test.sh [BUILD_DIR] [--sanitizers] [--fuzz SECONDS]   (default BUILD_DIR: build)
#   --sanitizers  then the ASan+UBSan and TSan jobs (scripts/test_sanitizers.sh)
#   --fuzz S      then each fuzz target for S seconds (scripts/fuzz.sh, in the ASan tree)
# Each step's wall time is printed; the last line counts the tests that ran.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build
SANITIZERS=0
FUZZ=0
while [ $# -gt 0 ]; do
  case $1 in
  --sanitizers) SANITIZERS=1 ;;
  --fuzz) FUZZ=$2; shift ;;
  -*) echo "test.sh: unknown option $1" >&2; exit 2 ;;
  *) BUILD=$1 ;;
  esac
  shift
done
JOBS=${JOBS:-$(nproc)}
export JOBS
TESTS_LOG=$(mktemp)
export TESTS_LOG
trap 'rm -f "$TESTS_LOG"' EXIT
start=$SECONDS
step() { # name, then the command; prints its wall time
  local t0=$SECONDS
  echo "=== test.sh: $1"
  shift
  "$@"
  echo "=== test.sh: $((SECONDS - t0)) s"
}
main_tests() {
  local log n
  log=$(mktemp)
  ctest --test-dir "$BUILD" --output-on-failure -j"$JOBS" | tee "$log"
  n=$(grep -o 'tests failed out of [0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  rm -f "$log"
  echo "$BUILD $n" >>"$TESTS_LOG"
}

bash scripts/bootstrap.sh
step "configure $BUILD" cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHYDRA_WERROR=ON
step "build $BUILD" cmake --build "$BUILD" -j"$JOBS"
step "ctest $BUILD" main_tests
if [ "$SANITIZERS" = 1 ]; then
  step "ASan+UBSan build and ctest (build-asan)" bash scripts/test_sanitizers.sh "$BUILD" asan
  step "TSan build and concurrency test (build-tsan)" bash scripts/test_sanitizers.sh "$BUILD" tsan
fi
if [ "$FUZZ" != 0 ]; then
  step "fuzz targets, $FUZZ s each (build-asan)" \
    bash scripts/fuzz.sh "$FUZZ" build-asan "$BUILD/onnx-suite-1.23"
  echo "fuzz-targets $(cat build-asan/fuzz-targets-run)" >>"$TESTS_LOG"
fi
summary=$(awk '{n += $2; s = s sep $2 " " $1; sep = ", "} END {print n " tests passed (" s ")"}' \
  "$TESTS_LOG")
echo "test.sh: $summary in $(((SECONDS - start) / 60)) min"
