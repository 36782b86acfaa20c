#!/usr/bin/env bash
# Set up (install, build) and run every test with CTest. Extra arguments go to ctest (e.g. -R config).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
cd "$root/${VGS_BUILD_DIR:-build}"
ctest --output-on-failure -j "${VGS_JOBS:-$(nproc)}" "$@"
