#!/usr/bin/env bash
# Installs Hydra's build and test dependencies (Debian 12 packages) when any is missing.
# Safe to run repeatedly: it only calls apt-get when a package is absent. Needs root (or sudo).
set -euo pipefail

PACKAGES=(
  cmake make gcc pkg-config
  llvm-19-dev clang-19
  libprotobuf-c-dev protobuf-c-compiler
  libonnx-dev libonnx-testdata
  libcriterion-dev
  python3-torch python3-onnx python3-numpy python3-venv
  libclang-rt-19-dev
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all dependencies present"
  exit 0
fi

echo "bootstrap: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "bootstrap: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
