#!/usr/bin/env bash
# The library on the web: builds wgpu-sigmoid and the browser package (web/) for
# wasm32-unknown-unknown, lints them (clippy -D warnings), runs tests/web.rs (Rust) and
# web/tests/api.html (the JavaScript API) in headless Chromium, whose WebGPU adapter is
# SwiftShader (with Tint as its shader compiler, not naga), and the browser benchmark
# once (figures only). Part of scripts/test.sh;
# scripts/web-toolchain.sh says where the toolchain comes from. A missing browser,
# driver or WebGPU adapter fails it, never skips it.
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
"${web_cargo[@]}" clippy --release "${build_std[@]}" --target "$web_target" \
  -p wgpu-sigmoid-web --all-targets --features bench -- -D warnings
echo "=== wasm32: the library's docs (docs.rs builds them for wasm32 too) ==="
RUSTDOCFLAGS="-D warnings" "${web_cargo[@]}" doc --no-deps "${build_std[@]}" \
  --target "$web_target" -p wgpu-sigmoid

echo "=== wasm32: tests/web.rs in headless Chromium (WebGPU on SwiftShader) ==="
# webdriver.json (beside Cargo.toml) gives Chromium --enable-unsafe-webgpu: WebGPU is
# off on Linux without it.
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  CHROMEDRIVER="$(command -v chromedriver)" WASM_BINDGEN_TEST_TIMEOUT=120 \
  timeout 900 "${web_cargo[@]}" test --release "${build_std[@]}" --target "$web_target" \
  -p wgpu-sigmoid --test web

echo "=== the JavaScript package: scripts/build-web.sh, web/tests/api.html in headless Chromium ==="
scripts/build-web.sh
# The screenshot shows the page's own log (adapter, the sweep's figures).
timeout 900 python3 web/tests/run.py tests/api.html --screenshot target/web-api.png
echo "=== the demo page (web/index.html): its result line and plot, and a screenshot ==="
timeout 600 python3 web/tests/run.py index.html --screenshot target/web-demo.png
echo "=== the browser benchmark (web/bench.html): figures for BENCHMARKS.md, no thresholds ==="
# Speed is checked by benchmarks, not by tests: this prints this run's figures (ours and
# the page's naive kernel, end to end and resident; the naive kernel's accuracy sweep).
# The page needs the package's benchmark hook, which the package as shipped (tested above)
# lacks: built again with it.
scripts/build-web.sh --features bench
timeout 600 python3 web/tests/run.py bench.html --json target/web-bench.json
echo "=== without WebGPU (Chromium without --enable-unsafe-webgpu): a NoAdapter error that says so ==="
timeout 300 python3 web/tests/run.py tests/no-webgpu.html --without-webgpu
