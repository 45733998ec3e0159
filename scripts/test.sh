#!/usr/bin/env bash
# Runs every Hydra test: installs what is missing, configures with warnings as errors, builds,
# and runs ctest (unit tests, the ONNX conformance suite, the PyTorch-exported model tests).
# Usage: scripts/test.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
JOBS=${JOBS:-$(nproc)}

bash scripts/bootstrap.sh
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHYDRA_WERROR=ON
cmake --build "$BUILD" -j"$JOBS"
ctest --test-dir "$BUILD" --output-on-failure -j"$JOBS"
