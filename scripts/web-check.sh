#!/usr/bin/env bash
# The library on the web: builds wgpu-sigmoid and the browser package (web/) for
# wasm32-unknown-unknown, lints them (clippy -D warnings), and runs tests/web.rs in
# headless Chromium, whose WebGPU adapter is SwiftShader (with Tint as its shader
# compiler, not naga). scripts/web-toolchain.sh says where the toolchain comes from.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/web-toolchain.sh

echo "=== wasm32: build ==="
"${web_cargo[@]}" build --release "${build_std[@]}" --target "$web_target" \
  -p wgpu-sigmoid -p wgpu-sigmoid-web
echo "=== wasm32: clippy -D warnings (the library, its browser test, the package) ==="
"${web_cargo[@]}" clippy --release "${build_std[@]}" --target "$web_target" \
  -p wgpu-sigmoid --lib --test web -- -D warnings
"${web_cargo[@]}" clippy --release "${build_std[@]}" --target "$web_target" \
  -p wgpu-sigmoid-web --all-targets -- -D warnings

echo "=== wasm32: tests/web.rs in headless Chromium (WebGPU on SwiftShader) ==="
# webdriver.json (beside Cargo.toml) gives Chromium --enable-unsafe-webgpu: WebGPU is
# off on Linux without it.
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  CHROMEDRIVER="$(command -v chromedriver)" WASM_BINDGEN_TEST_TIMEOUT=120 \
  timeout 900 "${web_cargo[@]}" test --release "${build_std[@]}" --target "$web_target" \
  -p wgpu-sigmoid --test web
