#!/usr/bin/env bash
# Training-step speed, vgs vs Python: forward + backward of the me-vgs md two-tower model with the
# sampled InfoNCE loss at the paper's configuration (60 items x 12 pairs: 720 audio sequences of
# 20..40 x 768 and 720 images of 64 x 2048, dropout 0.1), same shapes and thread count on both sides
# (random weights and inputs; tests/models and tests/losses check that the numbers agree). The two
# sides run in turn ROUNDS times, each taking its best of REPEATS steps, and the best of all is kept,
# so that other work on the machine disturbs the comparison less. Prints the JSON lines and a table.
# Usage: bench/train_step.sh [REPEATS] [ROUNDS]   (VGS_BUILD_DIR picks the build folder, default build)
#        "$VGS_BUILD_DIR"/bin/bench_train_step 1 --profile   shows where the C++ step's time goes
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/${VGS_BUILD_DIR:-build}"
repeats="${1:-3}"
rounds="${2:-2}"
cmake --build "$build" --target bench_train_step >/dev/null
lines=()
for ((round = 0; round < rounds; ++round)); do
  python_json="$("$root/.venv/bin/python" "$root/bench/bench_train_step.py" "$repeats")"
  cpp_json="$("$build/bin/bench_train_step" "$repeats")"
  echo "python: $python_json"
  echo "vgs:    $cpp_json"
  lines+=("$python_json" "$cpp_json")
done
"$root/.venv/bin/python" - "${lines[@]}" <<'PY'
import json, sys
runs = [json.loads(line) for line in sys.argv[1:]]
python = min((r for r in runs if "sampled" not in r), key=lambda r: r["seconds"])
sampled = min((r["sampled"] for r in runs if "sampled" in r), key=lambda r: r["seconds"])
shared = min((r["shared"] for r in runs if "shared" in r), key=lambda r: r["seconds"])
threads = next(r["threads"] for r in runs if "sampled" in r)
print(f"| one training step, {threads} threads (best of all rounds) | ms per step | items/s | vs Python |")
print("|---|---|---|---|")
print(f"| Python PyTorch {python['torch']}, me-vgs code, sampled loss, 60 items x 12 pairs | {python['ms_per_step']:.0f} | {python['items_per_second']:.1f} | 1.00x |")
print(f"| vgs, sampled loss, 60 items x 12 pairs | {sampled['ms_per_step']:.0f} | {sampled['items_per_second']:.1f} | {python['seconds'] / sampled['seconds']:.2f}x |")
print(f"| vgs, shared negatives (60 items embedded once, 11 negatives gathered) | {shared['ms_per_step']:.0f} | {shared['items_per_second']:.1f} | {python['seconds'] / shared['seconds']:.2f}x |")
PY
