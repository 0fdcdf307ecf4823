# Sourced by scripts/build-web.sh and scripts/web-check.sh: makes this machine able to
# build for wasm32-unknown-unknown and run the result in headless Chromium, and sets
# `web_cargo` (the cargo command to use, as an array), `build_std` (its extra
# arguments) and `web_target`.
#
# The wasm32 standard library comes from `rustup target add` where that works; where it
# does not (some machines cannot download it), from Debian's rustc-web, cargo-web,
# rust-web-src, lld and rust-web-clippy, building std from source (-Zbuild-std);
# WGPU_SIGMOID_WEB_STD=debian takes that way even where rustup works (to test it). The
# browser side needs chromium and chromium-driver, and wasm-bindgen-cli at exactly the
# version of the wasm-bindgen crate in Cargo.lock (installed with cargo if missing).
source scripts/setup.sh

web_target=wasm32-unknown-unknown
web_packages=()
command -v chromium >/dev/null 2>&1 || web_packages+=(chromium)
command -v chromedriver >/dev/null 2>&1 || web_packages+=(chromium-driver)

if [ "${WGPU_SIGMOID_WEB_STD:-}" != debian ] && rustup target add "$web_target" >/dev/null 2>&1; then
  echo "web toolchain: the $web_target std from rustup"
  web_cargo=(cargo)
  build_std=()
else
  echo "web toolchain: Debian's rustc-web with -Zbuild-std (rustup cannot add $web_target here)"
  for package in rustc-web cargo-web rust-web-src lld rust-web-clippy; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' ||
      web_packages+=("$package")
  done
  # Debian's tools by path, for these builds only: rustup's shims come first on PATH
  # (and its clippy has no wasm32 std).
  export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld
  web_cargo=(env PATH="/usr/bin:$PATH" /usr/bin/cargo)
  build_std=(-Zbuild-std=std,panic_abort)
fi
install_packages "${web_packages[@]}"

# The CLI and the crate must match exactly.
wasm_bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $wasm_bindgen_version"; then
  echo "web toolchain: installing wasm-bindgen-cli $wasm_bindgen_version"
  # Not --locked: one of its locked dependencies' versions is not in the registry.
  cargo install -q wasm-bindgen-cli --version "$wasm_bindgen_version"
fi
