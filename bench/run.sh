#!/usr/bin/env bash
# The benchmark in one command: builds hydrac, exports the reference models (torch 1.13, the model
# tests' export), installs the pinned ONNX Runtime into a venv in the build tree, measures one
# core's FMA peak and the GEMM alone (tests/bench/gemm_bench.c), then times Hydra against ORT
# (bench/bench.py) and writes docs/performance.md.
#
# usage: bash bench/run.sh [--quick] [--no-sharing] [--no-dynamic] [--no-aot] [--baseline HYDRAC] [--only MODEL,...] [--rounds R]
#                          [--seconds S] [--threads 1,2] [BUILD_DIR]
#   BUILD_DIR   default build/ (configured here, Release, when it has no CMakeCache.txt)
#   --quick     two configurations, 3 short rounds: a check that everything runs
#   --baseline  another hydrac binary (e.g. a copy from before a change) timed in the same rounds
# JOBS (default 2) sets the build's parallelism.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=
pass=()
while [ $# -gt 0 ]; do
  case $1 in
    --quick|--no-sharing|--no-dynamic|--no-aot) pass+=("$1") ;;
    --baseline)
      [ $# -ge 2 ] && [ -x "$2" ] || { echo "bench/run.sh: --baseline wants a hydrac binary" >&2; exit 2; }
      pass+=("$1" "$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"); shift ;;
    --only|--rounds|--seconds|--threads)
      [ $# -ge 2 ] || { echo "bench/run.sh: $1 wants a value" >&2; exit 2; }
      pass+=("$1" "$2"); shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
    *) build=$1 ;;
  esac
  shift
done
build=$(mkdir -p "${build:-$src/build}" && cd "${build:-$src/build}" && pwd)

step() { echo "== bench: $*" >&2; }

if [ ! -f "$build/CMakeCache.txt" ]; then
  step "configuring $build"
  cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DHYDRA_EXAMPLES=OFF >&2
fi
step "building hydrac and exporting the reference models (torch 1.13; minutes the first time)"
cmake --build "$build" -j"${JOBS:-2}" --target hydrac hydra_runtime hydra_test_models hydra_test_models_merge >&2

step "ONNX Runtime venv ($build/venv/ort)"
bash "$src/scripts/python_env.sh" "$build/venv/ort" "$src/tests/python/requirements-ort.txt" >&2

step "single-core FMA peak"
mkdir -p "$build/bench"
cc -O2 -march=native -ffp-contract=fast -o "$build/bench/peak_fma" "$src/bench/peak_fma.c"
peak_line=$("$build/bench/peak_fma")
echo "$peak_line" >&2
peak=${peak_line#peak_gflops=}
peak=${peak%% *}

step "GEMM alone (tests/bench/gemm_bench.c: gemm.c built as generated code builds it, the library's micro-kernels)"
clang=$(sed -n 's/^HYDRA_CLANG:FILEPATH=//p' "$build/CMakeCache.txt")
"${clang:-clang-19}" -O3 -march=native -fno-math-errno -I"$src/runtime/include" -I"$src/runtime/src" \
  "$src/tests/bench/gemm_bench.c" "$src/runtime/src/kernels/gemm.c" "$src/runtime/src/gemm_isa.c" \
  "$build/runtime/libhydrart.a" -lpthread -lm -o "$build/bench/gemm_bench"
"$build/bench/gemm_bench" 5 | tee "$build/bench/gemm_bench.txt" >&2

step "timing (interleaved rounds)"
cd "$src/bench"
exec "$build/venv/ort/bin/python" bench.py --hydrac "$build/hydrac" --models "$build/tests/models/onnx" \
  --peak-gflops "$peak" --peak-line "$peak_line" --gemm "$build/bench/gemm_bench.txt" --doc "$src/docs/performance.md" "${pass[@]}"
