#!/usr/bin/env bash
# The vgs demo on a fresh Debian bookworm machine: install and build (scripts/setup.sh), make the toy
# world, train the toy bilingual (English + French) model, evaluate it with every published protocol
# and print the results table; then train the toy text grouping model on the toy caption world and
# evaluate it; then analyse the toy model on the tiny WavLM layer by layer (vgs-analyze). Once installed and built, the rest takes a few minutes on 2 cores.
#
# Run it again and it reuses what is done: the toy world, a finished run (or resumes an interrupted
# one). VGS_DEMO_RUN sets the run folder (default runs/toy_me_bilingual), VGS_DEMO_TEXT_RUN the text
# grouping one (default runs/toy_text_grouping), VGS_DEMO_TINY_RUN the analysed one (default
# runs/toy_me_bilingual_tiny); extra arguments go to the first vgs-train (e.g.
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
say "evaluating the text grouping run: phrase alignment, retrieval, forced choice, attention maps"
"$bin/vgs-eval" --runs "$text_run" --out "$text_run/eval"
say "analysing the text grouping run: its text encoder against groupvit_tiny's stages (CKA), silhouette and LDA
of the toy labels by layer, PCA and t-SNE of captions and images (docs/analysis.md)"
"$bin/vgs-analyze" recipes/toy/analyze_text_grouping.yaml --run "$text_run" --out "$text_run/analysis"

tiny_run="${VGS_DEMO_TINY_RUN:-runs/toy_me_bilingual_tiny}"
say "representation analysis: the bilingual model on the tiny WavLM, then CKA between the WavLM's hidden
states and the trained tower, silhouette and LDA by layer, ME by word, RSA across languages (docs/analysis.md)"
if [ -e "$tiny_run/checkpoints/last" ]; then
  "$bin/vgs-train" --resume "$tiny_run"
else
  "$bin/vgs-train" recipes/toy/me_bilingual_tiny.yaml --set run.dir="$tiny_run"
fi
"$bin/vgs-analyze" recipes/toy/analyze.yaml --run "$tiny_run" --out "$tiny_run/analysis"

say "done in $(( $(date +%s) - start )) s after set-up. Plots: $run/eval/*.png; table: $run/eval/results.md;
text grouping: $text_run/eval/ (results.md, attention/*.png) and $text_run/analysis/; analysis: $tiny_run/analysis/ (results.json, *.png, *.pdf)"
