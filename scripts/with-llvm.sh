#!/usr/bin/env bash
# Runs a command with LLVM 19 available to llvm-sys, installing Debian's llvm-19-dev when missing.
#   scripts/with-llvm.sh cargo test --workspace
set -euo pipefail
prefix=/usr/lib/llvm-19
if [ ! -x "$prefix/bin/llvm-config" ]; then
  echo "rumba: LLVM 19 not found under $prefix; installing llvm-19-dev" >&2
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq llvm-19-dev libpolly-19-dev libzstd-dev zlib1g-dev >/dev/null
fi
export LLVM_SYS_191_PREFIX="$prefix"
exec "$@"
