#!/usr/bin/env bash
# The whole test suite: unit, integration and snapshot tests, then every example.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/with-llvm.sh cargo test --workspace
for ex in examples/*.rs; do
  name=$(basename "$ex" .rs)
  echo "== example $name"
  scripts/with-llvm.sh cargo run -q --example "$name"
done
