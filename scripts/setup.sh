#!/usr/bin/env bash
# One-command set-up of vgs on Debian bookworm: system packages, the Python environment with LibTorch
# and the test references, and a Release build in build/. Idempotent: a second run with nothing to
# do takes seconds.
#
# The Python environment (torch and its CUDA libraries are gigabytes) lives outside the clone, under
# $VGS_ENV_ROOT (default ~/.cache/vgs), keyed by the hash of scripts/requirements.txt, and the
# clone's .venv links to it, so fresh clones of the same revision reuse it.
#
# Environment: VGS_ENV_ROOT, VGS_BUILD_DIR (default build), VGS_BUILD_TYPE (default Release),
#              VGS_SKIP_BUILD=1 (environment only), VGS_JOBS (default nproc),
#              VGS_CMAKE_ARGS (extra configure arguments, e.g. -DVGS_CPU_ONLY=ON).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { printf '[setup] %s\n' "$*" >&2; }

install_debian_packages() {
  local wanted=() missing=()
  mapfile -t wanted < <(grep -v '^\s*#' scripts/debian-packages.txt | grep -v '^\s*$')
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

requirements_hash() {
  grep -v '^\s*#' scripts/requirements.txt | grep -v '^\s*$' | sha256sum | cut -c1-12
}

ensure_python_env() {
  local env_root="${VGS_ENV_ROOT:-$HOME/.cache/vgs}"
  local env="$env_root/venv-$(requirements_hash)"
  mkdir -p "$env_root"
  # One set-up at a time may create a given environment (two clones set up side by side).
  exec 9>"$env_root/.lock"
  flock 9
  if [ ! -f "$env/.vgs-complete" ]; then
    say "creating the Python environment $env (torch and test references; once per requirements file)"
    rm -rf "$env"
    python3 -m venv "$env"
    "$env/bin/python" -m pip install -q --upgrade pip
    "$env/bin/python" -m pip install -q -r scripts/requirements.txt
    touch "$env/.vgs-complete"
  fi
  flock -u 9
  if [ "$(readlink .venv 2>/dev/null)" != "$env" ]; then
    rm -rf .venv
    ln -s "$env" .venv
  fi
}

configure_and_build() {
  local build="${VGS_BUILD_DIR:-build}" type="${VGS_BUILD_TYPE:-Release}"
  local prefix
  prefix="$(.venv/bin/python -c 'import torch; print(torch.utils.cmake_prefix_path)')"
  if [ ! -f "$build/CMakeCache.txt" ] || ! grep -q "CMAKE_PREFIX_PATH:.*=$prefix\$" "$build/CMakeCache.txt"; then
    say "configuring $build ($type)"
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE="$type" -DCMAKE_PREFIX_PATH="$prefix" \
          -DVGS_PYTHON="$root/.venv/bin/python" ${VGS_CMAKE_ARGS:-} >/dev/null
  fi
  say "building $build"
  cmake --build "$build" -j "${VGS_JOBS:-$(nproc)}"
}

install_debian_packages
ensure_python_env
[ "${VGS_SKIP_BUILD:-0}" = 1 ] || configure_and_build
say "done"
