#!/usr/bin/env bash
# Prints the path of a ptxas for tests/gpu.rs (scripts/test.sh passes it as RUMBA_PTXAS): the one of
# the nvidia-cuda-nvcc Python wheel (ptxas and libdevice), installed from PyPI into target/py the
# first time (quick afterwards). Fails, printing nothing on stdout, when it cannot be had.
#   RUMBA_PTXAS=$(scripts/ptxas.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/py

find_ptxas() {
  for p in "$venv"/lib/python3*/site-packages/nvidia/{cu13,cuda_nvcc,cu12}/bin/ptxas; do
    if [ -x "$p" ]; then
      echo "$PWD/$p"
      return 0
    fi
  done
  return 1
}

if ! find_ptxas; then
  echo "installing nvidia-cuda-nvcc (ptxas, libdevice) into $venv" >&2
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check nvidia-cuda-nvcc >&2
  find_ptxas
fi
