#!/usr/bin/env bash
# The whole test suite: unit, integration and snapshot tests, then every example.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/with-llvm.sh cargo test --workspace
echo "== the language-construct tests again, through the reference interpreter (RUMBA_DISABLE_JIT=1)"
RUMBA_DISABLE_JIT=1 scripts/with-llvm.sh cargo test --test constructs_scalar --test constructs_control \
  --test constructs_arrays --test constructs_math
echo "== the differential tests with the JIT at LLVM O0 (the normal run above is at O3)"
RUMBA_OPT_LEVEL=0 scripts/with-llvm.sh cargo test --test differential
for ex in examples/*.rs; do
  name=$(basename "$ex" .rs)
  echo "== example $name"
  scripts/with-llvm.sh cargo run -q --example "$name"
done
