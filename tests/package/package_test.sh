#!/usr/bin/env bash
# ctest python.package: a venv over Debian's numpy, onnx 1.12 and torch 1.13 (plus the pinned
# build backend and pytest), `pip install ./python` built against BUILD's libraries, then the
# package's pytest suite on the exported models in MODELS. Prints each step's wall time.
# ctest python.package.onnx-1.23: the same in a venv of its own with only the pinned packages of
# REQUIREMENTS (today's onnx, which exchanges bfloat16 and float8 as ml_dtypes arrays), running
# the TESTS given (those that need no torch).
# Usage: package_test.sh SOURCE_DIR BUILD_DIR VENV MODELS [REQUIREMENTS TESTS...]
set -euo pipefail
src=$1 build=$2 venv=$3 models=$4
shift 4
if [ $# -gt 0 ]; then
  reqs=$1 site=
  shift
  tests=("${@/#/$src/python/tests/}")
else
  reqs=$src/tests/python/requirements-package.txt site=--system-site-packages
  tests=("$src/python/tests")
fi
t0=$SECONDS
bash "$src/scripts/python_env.sh" "$venv" "$reqs" $site
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
HYDRA_TEST_MODELS=$models "$venv/bin/python" -m pytest -q -p no:cacheprovider "${tests[@]}"
echo "package_test: pytest in $((SECONDS - t0)) s"
