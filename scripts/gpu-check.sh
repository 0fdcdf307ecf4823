#!/usr/bin/env bash
# Runs the GPU checks and benchmarks with prebuilt binaries (for a machine without a Rust
# toolchain), in one prepared run meant to fit in 5 minutes on a GPU: adapter info, the
# benchmark table at 1 Ki to 256 Mi elements (table and JSON), the dispatch-shape sweep
# (kernel, copy ceiling and forward_into per shape at 16/64/256 Mi, as JSON), the
# arithmetic variants against the copy kernel, torch.sigmoid, torch's copy_ and torch's
# host round trip on CUDA at the same sizes where PyTorch is installed, issue #19's
# targets from those figures (scripts/gpu_targets.py), a full `verify` over
# all 2^32 inputs, and the test suite last, on the backend in $WGPU_BACKEND (default
# vulkan). Each section header says when it began (seconds since the start).
#   usage: scripts/gpu-check.sh DIR_WITH_BINARIES [OUT_DIR]
# OUT_DIR receives two files: the log and an archive of the JSON reports.
# scripts/gpu-bundle.sh builds DIR on a machine with the Rust toolchain.
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
# The JSON reports are gathered in one archive at the end, so that OUT holds two files
# (the device tool brings back at most 8).
json=$(mktemp -d)
section() {
  echo "=== $* (at ${SECONDS} s) ==="
}
{
  section "info ($backend)"
  "$bin/wgpu-sigmoid" --backend "$backend" info
  for n in 1024 $((1 << 20)) $((16 << 20)) $((64 << 20)) $((256 << 20)); do
    section "bench $n elements"
    iterations=$(( n <= (1 << 20) ? 200 : 15 ))
    "$bin/wgpu-sigmoid" bench -q --elements $n --iterations $iterations --json > "$json/bench-$backend-$n.json"
    "$bin/wgpu-sigmoid" bench -q --elements $n --iterations $iterations
  done
  # Dispatch shapes (issue #19): kernel and copy ceiling per (workgroup size, vec4s per
  # invocation), and forward_into, to choose DispatchShape::preferred for this adapter
  # type. Only those rows are timed, to keep the sweep short.
  for n in $((16 << 20)) $((64 << 20)) $((256 << 20)); do
    for shape in 256:1 256:2 256:4 128:2 512:1 512:2; do
      section "shape ${shape%:*} x ${shape#*:}, $n elements"
      "$bin/wgpu-sigmoid" bench -q --elements $n --iterations 10 --rows forward-into \
        --workgroup-size "${shape%:*}" --vec4-per-invocation "${shape#*:}" --json \
        > "$json/shape-$backend-$n-${shape%:*}x${shape#*:}.json"
    done
  done
  if [ -x "$bin/kernel_ablation" ]; then
    # GPU timestamps around one pass over 64 Mi elements; each variant's accuracy is
    # checked on the same inputs (spread over all bit patterns).
    variants='shipped|prefix|subnormal result only|one reciprocal|five savings|without opaque|without the clamp|Estrin|naive'
    for v in 1 2; do
      section "kernel variants against the copy kernel, 64 Mi elements, 256 x $v"
      N=$((64 << 20)) ITERATIONS=15 WORKGROUP_SIZE=256 VEC4_PER_INVOCATION=$v \
        ONLY="$variants" "$bin/kernel_ablation"
    done
  fi
  if python3 -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
    section "torch.sigmoid, copy_ and the host round trip on CUDA"
    python3 "$(dirname "$0")/torch_sigmoid.py" "$json/torch.json"
  fi
  section "issue #19's targets (scripts/gpu_targets.py)"
  python3 "$(dirname "$0")/gpu_targets.py" "$json" "$backend"
  section "verify, all 2^32 inputs"
  "$bin/wgpu-sigmoid" verify -q 2>/dev/null
  section "tests"
  for tests in "$bin/tests" "$bin/cli-tests"; do
    [ -x "$tests" ] || continue
    "$tests" --test-threads 4 2>&1 | grep -E '^test |test result|panicked|GPU tests run'
  done
  section "done"
} 2>&1 | tee "$log"
tar -czf "$out/gpu-check-json-$backend.tar.gz" -C "$json" .
rm -rf "$json"
