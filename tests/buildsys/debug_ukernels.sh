#!/usr/bin/env bash
# A Debug runtime still optimises the GEMM micro-kernels, which generated code calls (they are not
# inlined): at -O0 they made every model about eight times slower. Configures the runtime alone
# in Debug and checks the last -O flag of gemm_ukernels.c's compile command.
# Usage: tests/buildsys/debug_ukernels.sh SOURCE_DIR WORK_DIR
set -euo pipefail
src=$1
work=$2
rm -rf "$work"
cmake -S "$src/runtime" -B "$work" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  >"$work.log" 2>&1 || { cat "$work.log"; exit 1; }
cmd=$(grep '"command".*gemm_ukernels\.c' "$work/compile_commands.json") ||
  { echo "no compile command for gemm_ukernels.c in $work/compile_commands.json"; exit 1; }
last=$(grep -o -- ' -O[0-9sgz]*' <<<"$cmd" | tail -n 1 | tr -d ' ' || true)
case $last in
-O2 | -O3) echo "gemm_ukernels.c is built with $last in a Debug runtime" ;;
*) echo "gemm_ukernels.c is built with '${last:-no -O}' in a Debug runtime: $cmd"; exit 1 ;;
esac
