#!/usr/bin/env bash
# The vgs demo on a fresh Debian bookworm machine: install and build (scripts/setup.sh), make the toy
# world, train the toy bilingual (English + French) model, evaluate it with every published protocol
# and print the results table; then train the toy text grouping model on the toy caption world and
# print its test figures. Once installed and built, the rest takes a few minutes on 2 cores.
#
# Run it again and it reuses what is done: the toy world, a finished run (or resumes an interrupted
# one). VGS_DEMO_RUN sets the run folder (default runs/toy_me_bilingual), VGS_DEMO_TEXT_RUN the text
# grouping one (default runs/toy_text_grouping); extra arguments go to the first vgs-train (e.g.
# --set run.seed=1).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { printf '\n[demo] %s\n' "$*" >&2; }

scripts/setup.sh
bin="${VGS_BUILD_DIR:-build}/bin"
run="${VGS_DEMO_RUN:-runs/toy_me_bilingual}"
start=$(date +%s)

say "toy world: 13 familiar + 19 novel words spoken by espeak-ng in en/fr/nl, drawn objects (docs/toy_world.md)"
"$bin/vgs-prepare" toy-world toy_world

if [ -f "$run/results.json" ]; then
  say "training: $run is finished already (delete it to train again)"
elif [ -e "$run/checkpoints/last" ]; then
  say "training: continuing the interrupted run in $run"
  "$bin/vgs-train" --resume "$run" "$@"
else
  say "training recipes/toy/me_bilingual.yaml into $run"
  "$bin/vgs-train" recipes/toy/me_bilingual.yaml --set run.dir="$run" "$@"
fi

say "evaluating: familiar and ME trials, translation, retrieval, geometry (recipes/eval/all.yaml)"
"$bin/vgs-eval" recipes/eval/all.yaml --runs "$run" --out "$run/eval" --export-embeddings "$run/eval/embeddings.h5"

text_run="${VGS_DEMO_TEXT_RUN:-runs/toy_text_grouping}"
say "text grouping: the toy caption world (drawn scenes, captions with phrase spans, foils), a SentencePiece BPE
on its captions, groupvit_tiny group embeddings; phrase alignment, retrieval, forced choice (docs/text_grouping.md)"
if [ -e "$text_run/checkpoints/last" ]; then
  "$bin/vgs-train" --resume "$text_run"  # reports a finished run's figures again
else
  "$bin/vgs-train" recipes/toy/text_grouping.yaml --set run.dir="$text_run"
fi

say "done in $(( $(date +%s) - start )) s after set-up. Plots: $run/eval/*.png; table: $run/eval/results.md;
text grouping: $text_run/results.json"
