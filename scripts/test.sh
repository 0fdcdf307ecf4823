#!/usr/bin/env bash
# The whole test suite, on Vulkan and on GL: the Rust tests and doctests, and the
# Python package's pytest suite (built into a virtual environment by
# scripts/python-env.sh); then in headless Chromium on WebGPU: the library's browser
# test and the JavaScript package's (scripts/web-check.sh). Mesa's software drivers
# (lavapipe, llvmpipe) are installed first where no GPU driver exists, and the SPIR-V and
# GLSL validators (spirv-tools, glslang-tools) where missing. A GPU test fails, never skips, when no adapter is found.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

# The shader translation tests check their SPIR-V and GLSL output with these.
validators=()
command -v spirv-val >/dev/null 2>&1 || validators+=(spirv-tools)
command -v glslangValidator >/dev/null 2>&1 || validators+=(glslang-tools)
install_packages "${validators[@]}"
source scripts/python-env.sh
echo "=== mypy --strict on the Python package ==="
"$PYTHON" -m mypy --strict python/wgpu_sigmoid

export WGPU_SIGMOID_REQUIRE_GPU=1 WGPU_SIGMOID_REQUIRE_VALIDATORS=1
for backend in vulkan gl; do
  echo "=== tests on WGPU_BACKEND=$backend ==="
  WGPU_BACKEND=$backend cargo test --release --all-targets "$@"
  WGPU_BACKEND=$backend cargo test --release --doc "$@"
  # Every kernel_ablation variant is still made from the shader's text (a pattern that
  # left the shader panics) and compiles and runs on this driver; timings are meaningless
  # at this size and not printed.
  echo "=== kernel_ablation variants, one round on 64 Ki elements ==="
  WGPU_BACKEND=$backend N=65536 ITERATIONS=1 \
    cargo run --release -q -p wgpu-sigmoid-cli --example kernel_ablation > /dev/null
  echo "=== fused_dense example (wgsl::FUNCTIONS in a user's kernel) ==="
  WGPU_BACKEND=$backend cargo run --release -q --example fused_dense
  echo "=== Python tests on WGPU_BACKEND=$backend ==="
  WGPU_BACKEND=$backend "$PYTHON" -m pytest -q python/tests
  echo "=== Dask example on WGPU_BACKEND=$backend ==="
  WGPU_BACKEND=$backend "$PYTHON" python/examples/dask_sigmoid.py
done

# The library and the JavaScript package in headless Chromium (WebGPU on SwiftShader).
scripts/web-check.sh
