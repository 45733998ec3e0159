#!/usr/bin/env bash
# ctest python.package: a venv over Debian's numpy, onnx 1.12 and torch 1.13 (plus the pinned
# build backend and pytest), `pip install ./python` built against BUILD's libraries, then the
# package's pytest suite on the exported models in MODELS. Prints each step's wall time.
# Usage: package_test.sh SOURCE_DIR BUILD_DIR VENV MODELS
set -euo pipefail
src=$1 build=$2 venv=$3 models=$4
t0=$SECONDS
bash "$src/scripts/python_env.sh" "$venv" "$src/tests/python/requirements-package.txt" \
  --system-site-packages
echo "package_test: venv ready in $((SECONDS - t0)) s"
t0=$SECONDS
"$venv/bin/pip" install --disable-pip-version-check -q --no-build-isolation --no-deps \
  --force-reinstall "$src/python" --config-settings=cmake.define.HYDRA_PYTHON_FROM="$build"
echo "package_test: pip install ./python in $((SECONDS - t0)) s"
t0=$SECONDS
# From an empty folder, so `import hydra` is the installed package, not the source tree's.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
HYDRA_TEST_MODELS=$models "$venv/bin/python" -m pytest -q -p no:cacheprovider "$src/python/tests"
echo "package_test: pytest in $((SECONDS - t0)) s"
