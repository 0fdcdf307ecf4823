#!/usr/bin/env bash
# Builds the browser package into web/pkg/: the ES module wgpu_sigmoid.js, its .wasm
# and TypeScript declarations (wasm-bindgen --target web), from the web/ crate built for
# wasm32-unknown-unknown. scripts/web-toolchain.sh installs what is missing. Arguments
# go to cargo: `--features bench` adds the benchmark page's hook (web/bench.html).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/web-toolchain.sh

"${web_cargo[@]}" build --release "${build_std[@]}" --target "$web_target" -p wgpu-sigmoid-web "$@"
rm -rf web/pkg
wasm-bindgen --target web --out-name wgpu_sigmoid --out-dir web/pkg \
  "target/$web_target/release/wgpu_sigmoid_web.wasm"
echo "build-web: web/pkg/ ($(du -h web/pkg/wgpu_sigmoid_bg.wasm | cut -f1) of wasm)"
