#!/usr/bin/env bash
# The GPU checks, for a machine with an NVIDIA GPU but no Rust toolchain.
#
#   scripts/gpu-check.sh pack   # here: builds the test binary (tests/it.rs) and the benchmark and
#                               # packs them, with libLLVM and the libraries it needs, into
#                               # target/gpu-bin
#   scripts/gpu-check.sh run    # there (a copy of this tree with target/gpu-bin): runs the suites
#                               # gpu:: (tests/gpu.rs), prange_races:: (array reductions on the
#                               # GPU) and differential::differential_prange (random
#                               # `prange` kernels, GPU and CPU against the interpreter),
#                               # examples/gpu_bench.rs and bench/gpu/numba_bench.py, logging into
#                               # $OUT (or target/gpu-out)
#   scripts/gpu-check.sh tests  # there: the test suites only
#   scripts/gpu-check.sh bench  # there: the two benchmarks only
#   scripts/gpu-check.sh differential  # there: the random `prange` kernels only
#
# The tests run with RUMBA_REQUIRE_GPU=1: a check that finds no device fails instead of skipping.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=target/gpu-bin

pack() {
  set -e
  mkdir -p "$bin"
  test_bin=$(cargo test --workspace --test it --no-run --message-format=json 2>/dev/null | grep -o '"executable":"[^"]*/it-[^"]*"' | cut -d'"' -f4 | tail -1)
  cargo build --example gpu_bench
  for b in "$test_bin:gpu-test" "target/debug/examples/gpu_bench:gpu-bench"; do
    src=${b%%:*}; dst=${b##*:}
    strip -o "/tmp/$dst" "$src"
    xz -9 -T2 -c "/tmp/$dst" > "$bin/$dst.xz"
  done
  if [ ! -f "$bin/libs.tar.xz" ]; then
    # libLLVM and the libraries it needs beyond glibc and libstdc++.
    libs=$(mktemp -d)
    for l in $(ldd "$test_bin" /usr/lib/llvm-19/lib/libLLVM.so.19.1 | awk '/=> \// {print $3}' | sort -u | grep -v -E 'libc\.so|libm\.so|libgcc_s|libstdc\+\+|ld-linux|libz\.so|libzstd|liblzma'); do
      cp -L "$l" "$libs/"
    done
    tar cf - -C "$libs" . | xz -9 -T2 > "$bin/libs.tar.xz"
    rm -rf "$libs"
  fi
  ls -la "$bin"
}

run() {
  tests
  differential
  bench
}

tests() {
  [ -n "${lib:-}" ] || unpack
  echo "== tests/gpu.rs, tests/prange_races.rs"
  (cd /work/main && LD_LIBRARY_PATH=$lib RUMBA_REQUIRE_GPU=1 RUST_BACKTRACE=1 timeout 150 /tmp/rumba-gpu/gpu-test gpu:: prange_races:: --test-threads=2 --nocapture) 2>&1 | tee "$out/tests.log" | grep -v '^\s*$' | tail -80
}

differential() {
  [ -n "${lib:-}" ] || unpack
  echo "== tests/differential.rs: random prange kernels, GPU and CPU against the interpreter"
  # New kernels each time, from a random seed that the test prints (RUMBA_DIFF_SEED=.. replays it).
  seed=${RUMBA_DIFF_SEED:-$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')}
  (cd /work/main && LD_LIBRARY_PATH=$lib RUMBA_REQUIRE_GPU=1 RUMBA_DIFF_SEED=$seed RUMBA_DIFF_PAR_CASES=${RUMBA_DIFF_PAR_CASES:-3000} RUMBA_DIFF_SECONDS=${RUMBA_DIFF_SECONDS:-90} timeout 150 /tmp/rumba-gpu/gpu-test differential::differential_prange --nocapture) 2>&1 | tee "$out/differential.log" | tail -60
}

bench() {
  [ -n "${lib:-}" ] || unpack
  echo "== examples/gpu_bench.rs"
  LD_LIBRARY_PATH=$lib timeout 110 /tmp/rumba-gpu/gpu-bench 2>&1 | tee "$out/bench.log"
  echo "== bench/gpu/numba_bench.py"
  PYTHONUNBUFFERED=1 timeout 100 python3 bench/gpu/numba_bench.py 2>&1 | tee "$out/numba.log" | tail -20
}

unpack() {
  out=${OUT:-target/gpu-out}
  mkdir -p "$out" /tmp/rumba-gpu/lib
  tar xJf "$bin/libs.tar.xz" -C /tmp/rumba-gpu/lib
  for b in gpu-test gpu-bench; do
    xz -dc "$bin/$b.xz" > "/tmp/rumba-gpu/$b" && chmod +x "/tmp/rumba-gpu/$b"
  done
  # The binaries were built in /work/main: snapshots and scratch files are found from there.
  if [ ! -e /work/main ]; then mkdir -p /work && ln -s "$PWD" /work/main; fi
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  lib="/tmp/rumba-gpu/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  LD_LIBRARY_PATH=$lib ldd /tmp/rumba-gpu/gpu-test | grep 'not found'
}

case "${1:-}" in
  pack) pack ;;
  run) run ;;
  tests) tests ;;
  bench) bench ;;
  differential) differential ;;
  *) echo "usage: $0 pack|run|tests|bench|differential" >&2; exit 2 ;;
esac
