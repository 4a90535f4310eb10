#!/usr/bin/env bash
# examples/mpi_heat.rs (rsmpi, the `mpi` feature) on 2 and 4 Open MPI ranks; each run checks its
# grid and residual against the single-process run of the same kernel, bit for bit, and fails
# otherwise. Installs from Debian what is missing (through sudo when not root): Open MPI
# (libopenmpi-dev, openmpi-bin) and the libclang that rsmpi's bindgen loads (libclang1-19, and
# libclang-common-19-dev for the compiler's own headers).
#   scripts/mpi.sh                  build, then run on 2 and 4 ranks
#   scripts/mpi.sh --startup        time to the first step on 1, 2 and 4 ranks, cold and warm cache
#   scripts/mpi.sh --scaling        time per step by grid size, ranks and threads per rank
set -euo pipefail
cd "$(dirname "$0")/.."
llvm=/usr/lib/llvm-19
need=()
if ! command -v mpicc >/dev/null || ! command -v mpirun >/dev/null; then
  need+=(libopenmpi-dev openmpi-bin)
fi
[ -e "$llvm/lib/libclang-19.so.1" ] || need+=(libclang1-19)
[ -d "$llvm/lib/clang" ] || need+=(libclang-common-19-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "rumba: installing ${need[*]}" >&2
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
export LIBCLANG_PATH="$llvm/lib"
scripts/with-llvm.sh cargo build -q --features mpi --example mpi_heat
exe="${CARGO_TARGET_DIR:-target}/debug/examples/mpi_heat"

# One machine, oversubscribed (4 ranks on 2 cores), unbound; as root Open MPI wants to be told.
# No remote shell is needed (Open MPI refuses to start without one unless told); containers often
# forbid the cross-process memory copies of the shared-memory transport: plain copies.
mpirun=(mpirun --oversubscribe --bind-to none --mca plm_rsh_agent false
  --mca btl_vader_single_copy_mechanism none)
if [ "$(id -u)" = 0 ]; then mpirun+=(--allow-run-as-root); fi

# Runs a command three times and prints the figures that the sed expression $1 takes from its
# output, from the run whose first figure is the smallest.
best_of_3() {
  local pattern=$1
  shift
  for _ in 1 2 3; do
    "$@" | sed -nE "$pattern" || exit 1
  done | sort -g | head -n 1
}

if [ "${1:-}" = --startup ]; then
  # Time to the first step (from MPI's start, slowest and fastest rank; best of 3 runs) on 1, 2
  # and 4 ranks, all ranks compiling at once or rank 0 first, with a cold persistent cache (an
  # empty RUMBA_CACHE_DIR; all at once, the ranks write the same entries together) and a warm one
  # (the directory the cold run filled). Without a persistent cache, warm equals cold.
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
  startup() { # cold|warm, then mpirun's arguments
    [ "$1" = cold ] && rm -rf "${dir:?}/cache"
    RUMBA_CACHE_DIR="$dir/cache" "${mpirun[@]}" -x RUMBA_CACHE_DIR "${@:2}"
  }
  # "time to the first step (..): 56.5 ms on the slowest rank, 56.4 ms on the fastest"
  pattern='s/^time to the first step.*: ([0-9.]+) ms on the slowest rank, ([0-9.]+) ms.*/\1 \2/p'
  echo "| ranks | first compile | cache | slowest rank ms | fastest rank ms |"
  echo "|---|---|---|---|---|"
  for n in 1 2 4; do
    for first in "all ranks at once" "rank 0 first"; do
      flag=()
      if [ "$first" = "rank 0 first" ]; then flag=(--rank0-first); fi
      for cache in cold warm; do
        best=$(best_of_3 "$pattern" startup $cache -n "$n" "$exe" "${flag[@]}")
        echo "| $n | $first | $cache | ${best% *} | ${best#* } |"
      done
    done
  done
  exit
fi

if [ "${1:-}" = --scaling ]; then
  # Time per step (after the first; best of 3 runs) by grid size, ranks and rayon threads per
  # rank: one rank with `prange` on both cores against one rank per core (docs/mpi.md).
  echo "| grid | ranks x threads | ms per step |"
  echo "|---|---|---|"
  for n in 512 2048; do
    steps=$((n == 512 ? 200 : 20))
    for config in 1x1 1x2 2x1 2x2 4x1; do
      best=$(RAYON_NUM_THREADS=${config#*x} best_of_3 's/.*, ([0-9.]+) ms per step.*/\1/p' \
        "${mpirun[@]}" -x RAYON_NUM_THREADS -n "${config%x*}" "$exe" --n $n --steps $steps)
      echo "| $n x $n | $config | $best |"
    done
  done
  exit
fi

for n in 2 4; do
  echo "== mpirun -n $n examples/mpi_heat"
  "${mpirun[@]}" -n "$n" "$exe"
done
