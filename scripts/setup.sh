#!/usr/bin/env bash
# Makes sure this machine can run wgpu-sigmoid: a Rust toolchain, and a GPU adapter for
# both Vulkan and GL. Where no Vulkan driver is installed (a machine without a GPU, a CI
# runner), it installs Mesa's software drivers: lavapipe (Vulkan) and llvmpipe (GL via
# EGL). Machines that already have a driver are left alone. Safe to run repeatedly.
set -euo pipefail

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found. Install Rust (https://rustup.rs) and run this again." >&2
  exit 1
fi

# (grep reads all of its input: `grep -q` would end the pipe early, and with pipefail
# the SIGPIPE of ldconfig would count as "not found".)
have_vulkan_driver() {
  ldconfig -p 2>/dev/null | grep 'libvulkan\.so\.1' >/dev/null || return 1
  compgen -G '/usr/share/vulkan/icd.d/*.json' >/dev/null ||
    compgen -G '/etc/vulkan/icd.d/*.json' >/dev/null ||
    [ -n "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]
}

have_gl_driver() {
  ldconfig -p 2>/dev/null | grep 'libEGL\.so\.1' >/dev/null &&
    compgen -G '/usr/lib/*/dri/swrast_dri.so' >/dev/null
}

packages=()
have_vulkan_driver || packages+=(libvulkan1 mesa-vulkan-drivers)
have_gl_driver || packages+=(libegl1 libegl-mesa0 libgl1-mesa-dri)

# Installs Debian/Ubuntu packages, with sudo when not root.
install_packages() {
  [ $# -gt 0 ] || return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: missing $* and no apt-get: install Mesa's lavapipe (Vulkan) and llvmpipe (EGL) drivers, spirv-tools and glslang with your package manager." >&2
    exit 1
  fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing $*"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

install_packages "${packages[@]}"

# EGL probes Wayland and complains when XDG_RUNTIME_DIR is unset (harmless, but noisy).
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
  export XDG_RUNTIME_DIR="${TMPDIR:-/tmp}/wgpu-sigmoid-xdg-$(id -u)"
  mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
fi
