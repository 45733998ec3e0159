#!/usr/bin/env bash
# Makes (or reuses) a Python virtual environment with pinned packages, for the tests that need
# packages Debian does not ship (onnx 1.23, torch 2.x). The environment is rebuilt when the
# requirements file changes; a failure is fatal, never a skip.
# Usage: scripts/python_env.sh VENV_DIR REQUIREMENTS_FILE [--system-site-packages]
#   --system-site-packages  the venv also sees Debian's packages (numpy, onnx 1.12, torch 1.13)
set -euo pipefail
venv=$1
reqs=$2
site=${3:-}
base=/usr/bin/python3 # Debian's interpreter (python3-venv); the one first on PATH may differ
stamp="$venv/.requirements"
# One maker at a time: the build, bench/run.sh and the package test may all want the same venv,
# and two pips into one folder leave it broken (a half-replaced torch dies of SIGBUS). The second
# waits here, then finds the venv made.
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && cmp -s "$reqs" "$stamp"; then
  exit 0
fi
echo "python_env: creating $venv from $reqs"
rm -rf "$venv"
if ! "$base" -m venv ${site:+"$site"} "$venv"; then
  echo "python_env: '$base -m venv' failed; install python3-venv (scripts/bootstrap.sh does)" >&2
  exit 1
fi
if ! "$venv/bin/pip" install --disable-pip-version-check -q -r "$reqs"; then
  echo "python_env: pip could not install $reqs into $venv (PyPI unreachable?)" >&2
  rm -rf "$venv"
  exit 1
fi
cp "$reqs" "$stamp"
