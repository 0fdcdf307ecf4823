#!/usr/bin/env bash
# The library on the web: builds wgpu-sigmoid for wasm32-unknown-unknown, lints it
# (clippy -D warnings), and runs tests/web.rs in headless Chromium, whose WebGPU adapter
# is SwiftShader (with Tint as its shader compiler, not naga).
#
# The wasm32 standard library comes from `rustup target add` where that works; where it
# does not (some machines cannot download it), from Debian's rustc-web, cargo-web,
# rust-web-src, lld and rust-web-clippy, building std from source (-Zbuild-std). The
# browser side needs chromium and chromium-driver, and wasm-bindgen-cli at exactly the
# version of the wasm-bindgen crate in Cargo.lock (installed with cargo if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

target=wasm32-unknown-unknown
web_packages=()
command -v chromium >/dev/null 2>&1 || web_packages+=(chromium)
command -v chromedriver >/dev/null 2>&1 || web_packages+=(chromium-driver)

# WGPU_SIGMOID_WEB_STD=debian takes the second way even where rustup works (to test it).
if [ "${WGPU_SIGMOID_WEB_STD:-}" != debian ] && rustup target add "$target" >/dev/null 2>&1; then
  echo "web-check: the $target std from rustup"
  cargo=(cargo)
  build_std=()
else
  echo "web-check: rustup cannot add $target here; Debian's rustc-web and -Zbuild-std"
  for package in rustc-web cargo-web rust-web-src lld rust-web-clippy; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' ||
      web_packages+=("$package")
  done
  # Debian's tools by path, for this build only: rustup's shims come first on PATH
  # (and its clippy has no wasm32 std).
  export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld
  cargo=(env PATH="/usr/bin:$PATH" /usr/bin/cargo)
  build_std=(-Zbuild-std=std,panic_abort)
fi
install_packages "${web_packages[@]}"

echo "=== wasm32: build ==="
"${cargo[@]}" build --release "${build_std[@]}" --target "$target" -p wgpu-sigmoid
echo "=== wasm32: clippy -D warnings (the library and its browser test) ==="
"${cargo[@]}" clippy --release "${build_std[@]}" --target "$target" -p wgpu-sigmoid \
  --lib --test web -- -D warnings

# The CLI and the crate must match exactly.
version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $version"; then
  echo "web-check: installing wasm-bindgen-cli $version"
  # Not --locked: one of its locked dependencies' versions is not in the registry.
  cargo install -q wasm-bindgen-cli --version "$version"
fi

echo "=== wasm32: tests/web.rs in headless Chromium (WebGPU on SwiftShader) ==="
# webdriver.json (beside Cargo.toml) gives Chromium --enable-unsafe-webgpu: WebGPU is
# off on Linux without it.
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  CHROMEDRIVER="$(command -v chromedriver)" WASM_BINDGEN_TEST_TIMEOUT=120 \
  timeout 900 "${cargo[@]}" test --release "${build_std[@]}" --target "$target" \
  -p wgpu-sigmoid --test web
