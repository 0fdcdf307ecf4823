#!/usr/bin/env bash
# Runs the GPU checks and benchmarks with prebuilt binaries (for a machine without a Rust
# toolchain): adapter info, the benchmark table at 1 Ki to 256 Mi elements (table and
# JSON), torch.sigmoid on CUDA at the same sizes where PyTorch is installed, a full
# `verify` over all 2^32 inputs, and the test suite, on the backend in $WGPU_BACKEND
# (default vulkan).
#   usage: scripts/gpu-check.sh DIR_WITH_BINARIES [OUT_DIR]
# DIR must hold `wgpu-sigmoid`, `tests` (the library's test binary, the `tests-*` in
# target/release/deps built from tests/tests.rs) and, optionally, `cli-tests` (the
# tool's, built from cli/tests/tests.rs) and `kernel_ablation`
# (target/release/examples/kernel_ablation: the shipped kernel against the copy kernel
# and the arithmetic variants still to be priced on a GPU).
set -uo pipefail
bin=$1
out=${2:-.}
backend=${WGPU_BACKEND:-vulkan}
export WGPU_BACKEND=$backend WGPU_SIGMOID_REQUIRE_GPU=1
log=$out/gpu-check-$backend.log
{
  echo "=== info ($backend) ==="
  "$bin/wgpu-sigmoid" --backend "$backend" info
  for n in 1024 $((1 << 20)) $((16 << 20)) $((64 << 20)) $((256 << 20)); do
    echo "=== bench $n elements ==="
    iterations=$(( n <= (1 << 20) ? 200 : 15 ))
    "$bin/wgpu-sigmoid" bench --elements $n --iterations $iterations --json > "$out/bench-$backend-$n.json"
    "$bin/wgpu-sigmoid" bench --elements $n --iterations $iterations
  done
  # Dispatch shapes (issue #19): kernel and copy ceiling per (workgroup size, vec4s per
  # invocation), to choose DispatchShape::preferred for this adapter type.
  for n in $((16 << 20)) $((64 << 20)) $((256 << 20)); do
    for shape in 256:1 256:2 256:4 128:2 512:1 512:2; do
      echo "=== shape ${shape%:*} x ${shape#*:}, $n elements ==="
      "$bin/wgpu-sigmoid" bench --elements $n --iterations 10 \
        --workgroup-size "${shape%:*}" --vec4-per-invocation "${shape#*:}" |
        grep -E 'dispatch|sigmoid kernel|copy-only|forward_into \('
    done
  done
  if python3 -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
    echo "=== torch.sigmoid on CUDA ==="
    python3 "$(dirname "$0")/torch_sigmoid.py"
  fi
  if [ -x "$bin/kernel_ablation" ]; then
    echo "=== kernel variants against the copy kernel (8 Mi elements) ==="
    ONLY='shipped|subnormal result only|one reciprocal' "$bin/kernel_ablation"
    INPUTS=bench ONLY='shipped|subnormal result only|one reciprocal' "$bin/kernel_ablation"
  fi
  echo "=== verify, all 2^32 inputs ==="
  "$bin/wgpu-sigmoid" verify 2>/dev/null
  echo "=== tests ==="
  for tests in "$bin/tests" "$bin/cli-tests"; do
    [ -x "$tests" ] || continue
    "$tests" --test-threads 4 2>&1 | grep -E '^test |test result|panicked|GPU tests run'
  done
} 2>&1 | tee "$log"
