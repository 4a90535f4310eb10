#!/usr/bin/env bash
# The benchmark suite: rumba vs Numba vs plain Rust, side by side in one run.
#   ./bench.sh           full run (three processes, each taking turns for six rounds and 2 s a kernel)
#   ./bench.sh --quick   CI smoke run (smaller sizes for the slow kernels, one process, one round)
# Writes bench/results/latest.{md,json} and bench/results/ratios.svg (and gpu.txt with a GPU).
set -euo pipefail
cd "$(dirname "$0")"
quick=""; processes=3; rounds=6; seconds=2; calls=3
if [ "${1:-}" = "--quick" ]; then quick="--quick"; processes=1; rounds=1; seconds=0; calls=2; fi

echo "== building (release, -C target-cpu=native)" >&2
scripts/with-llvm.sh env RUSTFLAGS="-C target-cpu=native" CARGO_TARGET_DIR=target/bench \
  cargo build -q --release -p rumba-bench
bin=target/bench/release/rumba-bench

venv=target/bench-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import numba, numpy" 2>/dev/null; then
  echo "== creating $venv with numba and numpy" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q numba numpy
fi
# JAX (CPU build, `jit` on one thread: numba_kernels.py sets XLA_FLAGS) for the fusion rows' `jax` side.
if ! "$venv/bin/python" -c "import jax" 2>/dev/null; then
  echo "== adding jax to $venv" >&2
  "$venv/bin/pip" install -q jax || echo "== no jax: the fusion rows go without their jax side" >&2
fi
py="$venv/bin/python"
export NUMBA_CACHE_DIR="$(mktemp -d)"   # no on-disk cache: first calls really compile

mkdir -p bench/results
raw=bench/results/raw.jsonl
: > "$raw"
for process in $(seq "$processes"); do
  echo "== run $process/$processes: rumba, Rust and Numba (a child process) taking turns" >&2
  "$bin" run --rounds "$rounds" --seconds "$seconds" --calls "$calls" --python "$py" $quick >> "$raw"
done
echo "== first-call latency and per-call overhead (fresh processes)" >&2
# Five fresh processes each for the first calls: one compilation is a single sample of a noisy
# machine (Black-Scholes: 36-77 ms in five consecutive processes). Cold: an empty on-disk cache
# (rumba) or none (Numba); warm: the cache a first process filled (Numba's `cache=True`).
for k in saxpy black_scholes kmeans nbody blur5 mandelbrot floyd_warshall; do
  for _ in 1 2 3 4 5; do
    RUMBA_CACHE_DIR="$(mktemp -d)" "$bin" latency "$k" >> "$raw"
    "$py" bench/numba_kernels.py latency "$k" >> "$raw"
  done
  rumba_cache="$(mktemp -d)"; numba_cache="$(mktemp -d)"
  RUMBA_CACHE_DIR="$rumba_cache" "$bin" latency "$k" > /dev/null
  NUMBA_CACHE_DIR="$numba_cache" "$py" bench/numba_kernels.py latency "$k" --cache > /dev/null
  for _ in 1 2 3 4 5; do
    RUMBA_CACHE_DIR="$rumba_cache" "$bin" latency "$k" >> "$raw"
    NUMBA_CACHE_DIR="$numba_cache" "$py" bench/numba_kernels.py latency "$k" --cache >> "$raw"
  done
done
for _ in 1 2 3; do
  "$bin" overhead >> "$raw"
  "$py" bench/numba_kernels.py overhead >> "$raw"
done
python3 bench/report.py "$raw" --out bench/results

# The GPU table, when this machine has a CUDA device (gpu_bench says so and skips otherwise).
if "$py" - <<'PY' 2>/dev/null
import ctypes, sys
try:
    ctypes.CDLL("libcuda.so.1")
except OSError:
    sys.exit(1)
PY
then
  echo "== GPU: rumba (examples/gpu_bench.rs) and Numba CUDA (bench/gpu/numba_bench.py)" >&2
  scripts/with-llvm.sh env RUSTFLAGS="-C target-cpu=native" CARGO_TARGET_DIR=target/bench \
    cargo run -q --release --example gpu_bench | tee bench/results/gpu.txt
  "$py" bench/gpu/numba_bench.py $quick 2>&1 | tee -a bench/results/gpu.txt || true
else
  echo "== GPU: no CUDA driver on this machine; scripts/gpu-check.sh runs the GPU table elsewhere" >&2
fi
