#!/usr/bin/env bash
# Backbone extraction speed, vgs vs Python, in one run on the same weights, inputs and batches:
# WavLM Base+ (real-time factor) and ResNet-50 at 256x256 (images/s). Prints both JSON lines and a
# table; docs/performance.md keeps the figures. Usage: bench/backbones.sh [REPEATS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/${VGS_BUILD_DIR:-build}"
cmake --build "$build" --target bench_backbones >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python_json="$("$root/.venv/bin/python" "$root/bench/bench_backbones.py" "$work" "${1:-3}")"
cpp_json="$("$build/bin/bench_backbones" "$work" "${1:-3}")"
echo "python: $python_json"
echo "vgs:    $cpp_json"
"$root/.venv/bin/python" - "$python_json" "$cpp_json" <<'PY'
import json, sys
p, c = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"| work | Python | vgs | vgs speed-up | max abs diff |")
print(f"|---|---|---|---|---|")
w, wc = p["wavlm_base_plus"], c["wavlm_base_plus"]
print(f"| WavLM Base+, {w['audio_seconds']:.0f} s of audio, batches of 4 | RTF {w['rtf']:.3f} | RTF {wc['rtf']:.3f} | {w['seconds']/wc['seconds']:.2f}x | {wc['max_abs_diff']:.1e} |")
r, rc = p["resnet50"], c["resnet50"]
print(f"| ResNet-50 256x256, {r['images']} images, batches of 8 | {r['images_per_second']:.1f} img/s | {rc['images_per_second']:.1f} img/s | {r['seconds']/rc['seconds']:.2f}x | {rc['max_abs_diff']:.1e} (outputs up to {rc['max_abs_value']:.0f}) |")
PY
