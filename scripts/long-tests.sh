#!/usr/bin/env bash
# The long run: new random kernels for the differential suites of tests/differential.rs (CI, i.e.
# scripts/test.sh, runs their fixed seeds only), from a random seed printed first, with the JIT at
# LLVM O3 and O0. Replay a run with the seed it printed (RUMBA_DIFF_SEED=<seed>
# scripts/long-tests.sh), or one failing kernel with the RUMBA_DIFF_CASE=<case seed> of its report.
#   scripts/long-tests.sh    # 20,000 + 5,000 + 5,000 + 3,000 + 3,000 + 3,000 kernels per level, at most 10 minutes a suite
# RUMBA_DIFF_CASES, RUMBA_DIFF_PAR_CASES, RUMBA_DIFF_NEST_CASES, RUMBA_DIFF_TILE_CASES, RUMBA_DIFF_SPLIT_CASES, RUMBA_DIFF_CHAIN_CASES and RUMBA_DIFF_SECONDS override the
# sizes (see tests/differential.rs). Then the statistical test of the random number generator.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUMBA_DIFF_SEED=${RUMBA_DIFF_SEED:-$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')}
export RUMBA_DIFF_CASES=${RUMBA_DIFF_CASES:-20000}
export RUMBA_DIFF_PAR_CASES=${RUMBA_DIFF_PAR_CASES:-5000}
export RUMBA_DIFF_NEST_CASES=${RUMBA_DIFF_NEST_CASES:-5000}
export RUMBA_DIFF_TILE_CASES=${RUMBA_DIFF_TILE_CASES:-3000}
export RUMBA_DIFF_SPLIT_CASES=${RUMBA_DIFF_SPLIT_CASES:-3000}
export RUMBA_DIFF_CHAIN_CASES=${RUMBA_DIFF_CHAIN_CASES:-3000}
export RUMBA_DIFF_SECONDS=${RUMBA_DIFF_SECONDS:-600}
echo "== long run: RUMBA_DIFF_SEED=$RUMBA_DIFF_SEED"
for level in 3 0; do
  echo "== the differential suites, JIT at LLVM O$level (RUMBA_DIFF_SEED=$RUMBA_DIFF_SEED)"
  RUMBA_OPT_LEVEL=$level scripts/with-llvm.sh cargo test --workspace --test it -- differential:: --nocapture
done
echo "== the random number generator's statistics (4 million draws of each distribution)"
scripts/with-llvm.sh cargo test --workspace --test it -- constructs_rng::long_statistics --ignored
