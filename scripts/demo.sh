#!/usr/bin/env bash
# The README's main command: installs what is missing, configures, builds Hydra and the example
# (a multi-task text model trained with torch, compiled by hydrac, called from C), and runs it.
# Usage: [BUILD=dir] scripts/demo.sh [sentence ...]   (default build dir: build)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
JOBS=${JOBS:-$(nproc)}

bash scripts/bootstrap.sh
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$JOBS" --target multitask_text
"$BUILD"/multitask_text "$@"
