#!/usr/bin/env bash
# Fuzzes the compiler pipeline (fuzz/fuzz_targets/pipeline.rs) with libFuzzer for a bounded time,
# on one core: arbitrary kernel text and argument types through parse -> lower -> type -> verify
# -> LLVM emit -> LLVM verify -> O3.
#
#   scripts/fuzz.sh [SECONDS]      fuzz for SECONDS (default 300); new inputs go to a scratch
#                                  corpus under fuzz/target/, crashes to fuzz/artifacts/pipeline/
#   scripts/fuzz.sh --merge        add the scratch corpus's new coverage to fuzz/corpus/pipeline/
#                                  (the committed one), keeping inputs of at most 200 bytes so it
#                                  stays a few hundred KB
#   scripts/fuzz.sh --repro FILE   run one input (a crash artifact) and print what happens
#
# A crash becomes a regression test by copying its input to fuzz/regressions/ (see
# compiler/tests/fuzz_regressions.rs). Needs cargo-fuzz (installed here if missing); libFuzzer needs
# nightly flags, which RUSTC_BOOTSTRAP=1 allows on the stable toolchain.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
../scripts/with-llvm.sh true
export LLVM_SYS_191_PREFIX=${LLVM_SYS_191_PREFIX:-/usr/lib/llvm-19}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1}
scratch=target/corpus-scratch
mkdir -p "$scratch" corpus/pipeline artifacts/pipeline
fuzz=(cargo fuzz run pipeline --sanitizer none --release --debug-assertions)
libfuzzer=(-dict=pipeline.dict -max_len=4096 -timeout=20 -rss_limit_mb=4096 -print_final_stats=1)
case "${1:-}" in
  --merge)
    "${fuzz[@]}" corpus/pipeline "$scratch" -- -set_cover_merge=1 -max_len=200
    du -sh --apparent-size corpus/pipeline
    ;;
  --repro)
    "${fuzz[@]}" -- "${libfuzzer[@]}" "$(realpath "$2")"
    ;;
  *)
    seconds=${1:-300}
    "${fuzz[@]}" "$scratch" corpus/pipeline -- "${libfuzzer[@]}" -max_total_time="$seconds"
    ;;
esac
