#!/usr/bin/env bash
# Fuzzes the torch-free weight parsers with libFuzzer: builds fuzz/fuzz_<target>.cpp with clang
# (ASan + UBSan, no LibTorch) into build-fuzz/, then runs each target for SECONDS on a working copy
# of its seed corpus (tests/fuzz_corpus/<target>/). Crashes land in build-fuzz/artifacts/<target>/;
# add a minimised reproducer to the seed corpus once it is fixed.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     # default: 600 seconds each; safetensors pickle zip
#   FUZZ_ONLY_BUILD=1 scripts/fuzz.sh          # build only
#
# Needs clang++ with libFuzzer (Debian: clang-14 plus libclang-rt-14-dev on newer releases).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(safetensors pickle zip)
cxx=${CXX:-clang++}
out=build-fuzz
flags=(-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -std=c++17 -O1 -g -I.)

# The torch-free sources each target compiles (nlohmann_json is header-only).
common_sources="vgs/io/dtype.cpp vgs/core/utf8.cpp vgs/core/strings.cpp"
sources_for() {
  case $1 in
    safetensors) echo vgs/io/safetensors_header.cpp $common_sources ;;
    pickle) echo vgs/io/pickle_reader.cpp $common_sources ;;
    zip) echo vgs/io/zip_reader.cpp vgs/io/pickle_reader.cpp $common_sources ;;
    *) echo "fuzz.sh: unknown target '$1' (safetensors, pickle, zip)" >&2; exit 2 ;;
  esac
}

mkdir -p "$out"
for target in "${targets[@]}"; do
  # shellcheck disable=SC2046
  "$cxx" "${flags[@]}" -o "$out/fuzz_$target" "fuzz/fuzz_$target.cpp" $(sources_for "$target")
done
[ -z "${FUZZ_ONLY_BUILD:-}" ] || exit 0

status=0
for target in "${targets[@]}"; do
  corpus=$out/corpus/$target
  mkdir -p "$corpus" "$out/artifacts/$target"
  cp -n tests/fuzz_corpus/"$target"/* "$corpus"/ 2>/dev/null || true
  dict=()
  [ -f "fuzz/$target.dict" ] && dict=(-dict="fuzz/$target.dict")
  echo "fuzz.sh: $target for ${seconds}s (log: $out/fuzz_$target.log)"
  "$out/fuzz_$target" "$corpus" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -max_len=16384 \
    -print_final_stats=1 -artifact_prefix="$out/artifacts/$target/" >"$out/fuzz_$target.log" 2>&1 || status=1
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+.*DONE" "$out/fuzz_$target.log" || true
  [ $status -eq 0 ] || { echo "fuzz.sh: $target found a problem, see $out/fuzz_$target.log" >&2; }
done
exit $status
