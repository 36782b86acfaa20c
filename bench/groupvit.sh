#!/usr/bin/env bash
# GroupViT image encoding speed, vgs vs transformers, in one run on the same weights (the released
# config, random values), images (224x224) and batches (8): images/s to projected group embeddings.
# Threads: VGS_BENCH_THREADS (default 2). docs/performance.md keeps the figures.
# Usage: bench/groupvit.sh [REPEATS] [IMAGES]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/${VGS_BUILD_DIR:-build}"
export OMP_NUM_THREADS="${VGS_BENCH_THREADS:-2}" MKL_NUM_THREADS="${VGS_BENCH_THREADS:-2}"
cmake --build "$build" --target bench_groupvit >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python_json="$("$root/.venv/bin/python" "$root/bench/bench_groupvit.py" "$work" "${1:-3}" "${2:-32}")"
cpp_json="$("$build/bin/bench_groupvit" "$work" "${1:-3}")"
echo "python: $python_json"
echo "vgs:    $cpp_json"
"$root/.venv/bin/python" - "$python_json" "$cpp_json" <<'PY'
import json, sys
p, c = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print("| work | transformers | vgs | vgs speed-up | max abs diff |")
print("|---|---|---|---|---|")
print(f"| GroupViT 224x224 -> projected groups, {p['images']} images, batches of 8, {c['threads']} threads "
      f"| {p['images_per_second']:.1f} img/s | {c['images_per_second']:.1f} img/s | {p['seconds']/c['seconds']:.2f}x "
      f"| {c['max_abs_diff']:.1e} (outputs up to {c['max_abs_value']:.1f}) |")
PY
