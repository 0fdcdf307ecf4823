#!/usr/bin/env bash
# Builds every artifact a user installs into dist/ (ignored by git), all at the
# workspace's version (Cargo.toml):
#   - the Python wheel: one abi3 wheel (CPython >= 3.9) for x86_64 Linux, manylinux2014
#     (glibc 2.17), built by maturin with zig as the linker, stripped; and the sdist;
#     `auditwheel show` of the wheel into dist/auditwheel.txt;
#   - the crates wgpu-sigmoid and wgpu-sigmoid-cli (`cargo package`, which builds each
#     from its packaged files alone; the CLI against the packaged library);
#   - the browser package: `npm pack` of web/ after scripts/build-web.sh.
# scripts/package-check.sh then installs each as a user would. The packaging tools
# (maturin, ziglang, auditwheel) come from the package registry into
# target/package-venv.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

version=$(awk -F'"' '/^\[workspace\.package\]/ { ws = 1 } ws && /^version/ { print $2; exit }' Cargo.toml)
rm -rf dist
mkdir -p dist

tools="target/package-venv"
[ -x "$tools/bin/python" ] || python3 -m venv "$tools"
"$tools/bin/python" -m pip install --quiet "maturin>=1.9,<2" ziglang auditwheel
# maturin runs zig as `python -m ziglang` with the python it finds first.
export PATH="$PWD/$tools/bin:$PATH"

echo "=== package: the Python wheel (abi3, manylinux2014 through zig) and sdist ==="
maturin build --release --zig --compatibility manylinux2014 --strip \
  -m python/Cargo.toml --out dist
maturin sdist -m python/Cargo.toml --out dist
wheel=$(ls dist/wgpu_sigmoid-"$version"-*.whl)
auditwheel show "$wheel" | tee dist/auditwheel.txt
# A manylinux tag auditwheel cannot confirm would be a lie on the wheel's name.
tr -s ' \n' ' ' < dist/auditwheel.txt |
  grep -q 'is consistent with the following platform tag: "manylinux_2_17_x86_64"'
# What the extension links: only the C library's parts; wgpu opens Vulkan and EGL with
# dlopen at run time, so a machine without them gets NoAdapterError, not an ImportError.
command -v readelf >/dev/null 2>&1 || install_packages binutils
rm -rf target/wheel-contents
python3 -m zipfile -e "$wheel" target/wheel-contents
needed=$(readelf -d target/wheel-contents/wgpu_sigmoid/_native*.so | awk '/NEEDED/ { print $5 }' | tr -d '[]' | sort | tr '\n' ' ')
echo "package: the extension links $needed" | tee -a dist/auditwheel.txt
if grep -qE 'libvulkan|libEGL|libGL' <<<"$needed"; then
  echo "package: the extension links a GPU library at load time" >&2
  exit 1
fi

echo "=== package: the crates (cargo package builds each from its packaged files) ==="
cargo package --allow-dirty -p wgpu-sigmoid -p wgpu-sigmoid-cli
cp target/package/wgpu-sigmoid-"$version".crate target/package/wgpu-sigmoid-cli-"$version".crate dist/

echo "=== package: the browser package (npm pack of web/ with the licence) ==="
scripts/build-web.sh
stage="target/npm-package"
rm -rf "$stage" && mkdir -p "$stage"
cp -r web/package.json web/README.md web/pkg LICENSE "$stage/"
npm pack "./$stage" --pack-destination dist --silent >/dev/null

echo "package: dist/"
ls -l dist | tail -n +2
