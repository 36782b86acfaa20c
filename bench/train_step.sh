#!/usr/bin/env bash
# Training-step speed, vgs vs Python, in one run: forward + backward of the me-vgs md two-tower model
# with the sampled InfoNCE loss at the paper's configuration (60 items x 12 pairs: 720 audio sequences
# of 20..40 x 768 and 720 images of 64 x 2048), same shapes and thread count on both sides (random
# weights and inputs: the tests check the numbers agree). Prints both JSON lines and a table.
# Usage: bench/train_step.sh [REPEATS]   (VGS_BUILD_DIR picks the build folder, default build)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/${VGS_BUILD_DIR:-build}"
cmake --build "$build" --target bench_train_step >/dev/null
python_json="$("$root/.venv/bin/python" "$root/bench/bench_train_step.py" "${1:-3}")"
cpp_json="$("$build/bin/bench_train_step" "${1:-3}")"
echo "python: $python_json"
echo "vgs:    $cpp_json"
"$root/.venv/bin/python" - "$python_json" "$cpp_json" <<'PY'
import json, sys
p, c = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"| step ({c['threads']} threads) | Python ms | vgs ms | Python items/s | vgs items/s | vgs speed-up |")
print("|---|---|---|---|---|---|")
s = c["sampled"]
print(f"| sampled loss, 60 items x 12 pairs | {p['ms_per_step']:.0f} | {s['ms_per_step']:.0f} | {p['items_per_second']:.1f} | {s['items_per_second']:.1f} | {p['seconds'] / s['seconds']:.2f}x |")
h = c["shared"]
print(f"| shared negatives, 60 items embedded once (vgs only) | | {h['ms_per_step']:.0f} | | {h['items_per_second']:.1f} | {p['seconds'] / h['seconds']:.2f}x |")
PY
