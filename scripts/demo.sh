#!/usr/bin/env bash
# The main job in one command: sigmoid on the GPU (Mesa's software Vulkan driver is
# installed first where no GPU driver exists), TensorFlow's documentation example, a
# 64 Mi-element tensor offloaded with its throughput, and a .npy file through the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

cargo build --release --quiet --bin wgpu-sigmoid --examples
./target/release/examples/tf_doc_example
echo
./target/release/examples/large_tensor $((64 << 20))
echo
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# A (2, 3) float32 .npy file holding [-20, -1, 0, 1, 20, 5.5], written byte by byte:
# magic, version 1.0, header length (little-endian u16), header padded to 64 bytes.
header="{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
header_len=$(( (10 + ${#header} + 1 + 63) / 64 * 64 - 10 ))
{
  printf '\x93NUMPY\x01\x00'
  printf "\\x$(printf %02x $((header_len % 256)))\\x$(printf %02x $((header_len / 256)))"
  printf '%s%*s\n' "$header" $((header_len - ${#header} - 1)) ''
  printf '\x00\x00\xa0\xc1\x00\x00\x80\xbf\x00\x00\x00\x00\x00\x00\x80\x3f\x00\x00\xa0\x41\x00\x00\xb0\x40'
} >"$dir/in.npy"
./target/release/wgpu-sigmoid apply "$dir/in.npy" "$dir/out.npy"
echo "wgpu-sigmoid apply in.npy out.npy  (shape (2, 3)):"
od -A d -t f4 -j $((header_len + 10)) "$dir/out.npy"
