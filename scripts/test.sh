#!/usr/bin/env bash
# The whole test suite, on Vulkan and on GL. Mesa's software drivers (lavapipe,
# llvmpipe) are installed first where no GPU driver exists. A GPU test fails, never
# skips, when no adapter is found.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

export WGPU_SIGMOID_REQUIRE_GPU=1
for backend in vulkan gl; do
  echo "=== tests on WGPU_BACKEND=$backend ==="
  WGPU_BACKEND=$backend cargo test --release --all-targets "$@"
  WGPU_BACKEND=$backend cargo test --release --doc "$@"
done
