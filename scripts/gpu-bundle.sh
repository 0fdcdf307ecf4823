#!/usr/bin/env bash
# Builds what scripts/gpu-check.sh runs into one folder (default .gpu-bin, ignored by
# git), stripped, so that a GPU machine without a Rust toolchain can run it: the
# `wgpu-sigmoid` binary, the library's and the tool's test binaries (`tests`,
# `cli-tests`) and the `kernel_ablation` example.
#   usage: scripts/gpu-bundle.sh [DIR]
# then, on the GPU machine, from the repository root:
#   WGPU_BACKEND=vulkan scripts/gpu-check.sh DIR OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-.gpu-bin}
mkdir -p "$dir"
cargo build --release -p wgpu-sigmoid-cli --bin wgpu-sigmoid --example kernel_ablation
cp target/release/wgpu-sigmoid target/release/examples/kernel_ablation "$dir/"
# The test binaries' names carry a hash: cargo's JSON messages say which file each is.
test_binary() {
  cargo test --release -p "$1" --test tests --no-run --message-format=json 2>/dev/null |
    python3 -c '
import json, sys
for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact" and message.get("executable") \
            and message["target"]["name"] == "tests":
        print(message["executable"])'
}
cp "$(test_binary wgpu-sigmoid)" "$dir/tests"
cp "$(test_binary wgpu-sigmoid-cli)" "$dir/cli-tests"
if command -v strip >/dev/null; then
  strip "$dir"/*
fi
ls -l "$dir"
