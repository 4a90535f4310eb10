#!/usr/bin/env bash
# The whole test suite: unit, integration and snapshot tests, then every example (mpi_heat under
# mpirun, through scripts/mpi.sh, which installs Open MPI from Debian when missing). The reruns
# select suites of the one integration-test crate (tests/it.rs) by module; `--workspace` keeps
# the features of the first build, so they run the same binary instead of building another.
#
# The tests reach no network: ptxas and libdevice for tests/gpu.rs come from the nvidia-cuda-nvcc
# wheel, which scripts/ptxas.sh installs here (from PyPI, the first time), and their checks must
# run (RUMBA_REQUIRE_PTXAS=1; set it to 0 to let them skip, e.g. offline).
set -euo pipefail
cd "$(dirname "$0")/.."
if ptxas=$(scripts/ptxas.sh); then
  export RUMBA_PTXAS=$ptxas
fi
export RUMBA_REQUIRE_PTXAS=${RUMBA_REQUIRE_PTXAS:-1}
# A fresh compilation cache for this run, under target/: no result depends on an earlier run or on
# the user's cache (~/.cache/rumba). The cache's own tests (tests/cache.rs) use their own folders.
mkdir -p target
# gdb, for tests/inspect.rs's debugger test (RUMBA_DEBUGINFO=1): installed from Debian when
# missing (through sudo when not root); without it that test says it skips.
if ! command -v gdb >/dev/null && command -v apt-get >/dev/null; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
      $sudo apt-get install -y -qq --no-install-recommends gdb; } >/dev/null 2>&1 ||
    echo "rumba: could not install gdb: its test skips" >&2
fi
RUMBA_CACHE_DIR=$(mktemp -d "$PWD/target/rumba-cache.XXXXXX")
export RUMBA_CACHE_DIR
trap 'rm -rf "$RUMBA_CACHE_DIR"' EXIT
scripts/with-llvm.sh cargo test --workspace
echo "== the language-construct tests again, through the reference interpreter (RUMBA_DISABLE_JIT=1)"
RUMBA_DISABLE_JIT=1 scripts/with-llvm.sh cargo test --workspace --test it -- \
  constructs_scalar:: constructs_control:: constructs_arrays:: constructs_math:: constructs_values:: \
  constructs_lang:: constructs_iter:: constructs_reduce:: constructs_fuse:: constructs_broadcast:: constructs_vectorize:: \
  constructs_complex:: constructs_rng:: constructs_recursion:: constructs_fixed:: constructs_struct:: constructs_methods:: constructs_chain:: constructs_link:: \
  constructs_option:: constructs_vec:: constructs_i128:: typed:: fusion::
echo "== the differential tests with the JIT at LLVM O0 (the normal run above is at O3)"
RUMBA_OPT_LEVEL=0 scripts/with-llvm.sh cargo test --workspace --test it -- differential::
for ex in examples/*.rs; do
  name=$(basename "$ex" .rs)
  # mpi_heat needs the `mpi` feature and an MPI library: scripts/mpi.sh runs it, below.
  [ "$name" = mpi_heat ] && continue
  echo "== example $name"
  scripts/with-llvm.sh cargo run -q --example "$name"
done
echo "== example mpi_heat on 2 and 4 MPI ranks (scripts/mpi.sh; Open MPI from Debian when missing)"
scripts/mpi.sh
