#!/usr/bin/env bash
# Data-parallel speed on this machine, vgs vs Python: items/s of training with 1 rank (2 threads)
# and with 2 ranks (1 thread each, Gloo on CPU).
#   vgs:    vgs-train on the toy world (2 languages) with the me-vgs md towers and sampled negatives
#           (32 items x 12 pairs a step), then vgs-launch --nproc 2 -- vgs-train; items/s as the
#           trainer reports them (training steps only: data collation included, validation not).
#   Python: bench/bench_data_parallel.py, the same towers, loss and batch shapes on random
#           features, as one process and as 2 DistributedDataParallel ranks (torch.distributed.run).
# (The toy world is made in all three languages, as the recipe asks; it trains on en and fr.)
# Usage: bench/data_parallel.sh [EPOCHS]   (VGS_BUILD_DIR picks the build folder, default build)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/${VGS_BUILD_DIR:-build}"
epochs="${1:-2}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cmake --build "$build" --target vgs-train vgs-launch vgs-prepare >/dev/null
"$build/bin/vgs-prepare" toy-world "$work/world" >/dev/null 2>&1
md="--set splits.toy_world=$work/world --set loss.negatives=sampled --set model.depth=1 --set model.width=256
    --set model.embed_dim=256 --set model.positions=none --set model.standardize_inputs=false
    --set model.temperature=fixed --set model.dropout=0.1 --set train.epochs=$epochs --set train.test_every_epoch=false"
items_per_second() { sed -n 's/.* \([0-9.]*\) items\/s; run folder.*/\1/p'; }
# shellcheck disable=SC2086
one=$("$build/bin/vgs-train" "$root/recipes/toy/me_bilingual.yaml" $md --set run.dir="$work/one" --set train.threads=2 2>/dev/null | items_per_second)
# shellcheck disable=SC2086
two=$("$build/bin/vgs-launch" --nproc 2 -- "$build/bin/vgs-train" "$root/recipes/toy/me_bilingual.yaml" $md \
      --set run.dir="$work/two" --set train.threads=1 2>/dev/null | items_per_second)
py_one=$(OMP_NUM_THREADS=2 "$root/.venv/bin/python" "$root/bench/bench_data_parallel.py" 10)
py_two=$(OMP_NUM_THREADS=1 "$root/.venv/bin/python" -m torch.distributed.run --nproc_per_node 2 \
         "$root/bench/bench_data_parallel.py" 10 2>/dev/null | grep '^{')
echo "python 1 rank:  $py_one"
echo "python 2 ranks: $py_two"
[ -n "$one" ] && [ -n "$two" ] || { echo "data_parallel.sh: a vgs run failed (run it by hand to see why)" >&2; exit 1; }
"$root/.venv/bin/python" - "$one" "$two" "$py_one" "$py_two" <<'PY'
import json, sys
one, two = float(sys.argv[1]), float(sys.argv[2])
p1, p2 = json.loads(sys.argv[3])["items_per_second"], json.loads(sys.argv[4])["items_per_second"]
print("| training, 32 items x 12 pairs a step | 1 rank, 2 threads | 2 ranks x 1 thread (Gloo) | 2 ranks / 1 rank |")
print("|---|---|---|---|")
print(f"| Python DDP, random features | {p1:.1f} items/s | {p2:.1f} items/s | {p2 / p1:.2f}x |")
print(f"| vgs-train / vgs-launch, toy world | {one:.1f} items/s | {two:.1f} items/s | {two / one:.2f}x |")
print(f"| vgs vs Python | {one / p1:.2f}x | {two / p2:.2f}x | |")
PY
