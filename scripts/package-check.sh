#!/usr/bin/env bash
# Installs each artifact of dist/ (scripts/package.sh) the way a user would, and tests it:
#   - the wheel into a fresh virtual environment whose PATH holds no Rust toolchain and no
#     C compiler or linker; the Python test suite then runs against the installed
#     package (not the source tree), on $WGPU_BACKEND (default: Vulkan);
#   - the crates: their contents (the library's package holds src/, shaders/, build.rs,
#     the README, LICENSE and the examples, and none of the tests, CI, Python, web,
#     scripts or benchmarks); `cargo package` built each from those files already;
#   - the npm tarball, installed into an empty folder with `npm install`; the
#     JavaScript API test page (web/tests/api.js) runs in headless Chromium importing the
#     package as `wgpu-sigmoid`, resolved through its package.json's `exports`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
version=$(awk -F'"' '/^\[workspace\.package\]/ { ws = 1 } ws && /^version/ { print $2; exit }' Cargo.toml)
for artifact in "wgpu_sigmoid-$version-"*.whl "wgpu_sigmoid-$version.tar.gz" \
  "wgpu-sigmoid-$version.crate" "wgpu-sigmoid-cli-$version.crate" "wgpu-sigmoid-$version.tgz"; do
  # shellcheck disable=SC2086
  ls dist/$artifact >/dev/null 2>&1 || { echo "package-check: dist/$artifact missing (scripts/package.sh)" >&2; exit 1; }
done

echo "=== package-check: the wheel in a virtual environment without Rust ==="
(
# PATH: every tool of /usr/bin and /bin but Rust's and the C toolchain's.
norust="$PWD/target/no-rust-bin"
rm -rf "$norust" && mkdir -p "$norust"
for tool in /usr/bin/* /bin/*; do
  case "$(basename "$tool")" in
    rustc* | rustdoc* | cargo* | rustup* | rust-* | cc | c++ | gcc* | g++* | clang* | \
      ld | ld.* | *-linux-gnu-* | zig) ;;
    *) [ -e "$norust/$(basename "$tool")" ] || ln -s "$tool" "$norust/$(basename "$tool")" ;;
  esac
done
venv="$PWD/target/wheel-venv"
rm -rf "$venv"
python3 -m venv "$venv"
export PATH="$venv/bin:$norust"
for tool in cargo rustc cc ld; do
  if command -v "$tool" >/dev/null; then
    echo "package-check: $tool is on PATH ($(command -v "$tool"))" >&2
    exit 1
  fi
done
started=$SECONDS
python -m pip install --quiet dist/wgpu_sigmoid-"$version"-*.whl
echo "package-check: the wheel installed in $((SECONDS - started)) s"
python -m pip install --quiet "pytest>=7" pytest-timeout "ml_dtypes>=0.2" \
  "dask[array]>=2023.1" "distributed>=2023.1" scipy
# From a folder outside the source tree: pytest puts python/tests on sys.path (not
# python/), so `import wgpu_sigmoid` can only find the installed package; the report's
# header says which file it imported, and is checked.
installed=$(cd /tmp && python -c 'import wgpu_sigmoid; print(wgpu_sigmoid.__file__)')
case "$installed" in
  "$venv"/*) echo "package-check: testing $installed" ;;
  *) echo "package-check: wgpu_sigmoid imported from $installed, not the wheel" >&2; exit 1 ;;
esac
report="$venv/pytest.log"
(cd "$venv" && python -m pytest -p no:cacheprovider "$OLDPWD/python/tests") 2>&1 | tee "$report"
grep -q "^wgpu_sigmoid $version from $venv/" "$report" ||
  { echo "package-check: pytest did not test the installed wheel" >&2; exit 1; }
)

echo "=== package-check: the crates' contents ==="
library=$(tar tzf "dist/wgpu-sigmoid-$version.crate" | sed "s|^wgpu-sigmoid-$version/||")
for needed in Cargo.toml build.rs README.md LICENSE CHANGELOG.md src/lib.rs shaders/sigmoid_functions.wgsl; do
  grep -qx "$needed" <<<"$library" || { echo "package-check: the library's crate lacks $needed" >&2; exit 1; }
done
if grep -E '^(\.ci|scripts|python|web|cli|tests|benches)/|^BENCHMARKS\.md$|^RELIABILITY\.md$' <<<"$library"; then
  echo "package-check: the library's crate holds the files above, which are not the library's" >&2
  exit 1
fi
echo "package-check: wgpu-sigmoid-$version.crate: $(wc -l <<<"$library") files"
tool=$(tar tzf "dist/wgpu-sigmoid-cli-$version.crate" | sed "s|^wgpu-sigmoid-cli-$version/||")
grep -qx src/main.rs <<<"$tool" && grep -qx README.md <<<"$tool" ||
  { echo "package-check: the CLI's crate lacks src/main.rs or README.md" >&2; exit 1; }
echo "package-check: wgpu-sigmoid-cli-$version.crate: $(wc -l <<<"$tool") files"

echo "=== package-check: the npm tarball, installed into an empty folder ==="
site="$PWD/target/npm-check"
rm -rf "$site" && mkdir -p "$site/tests"
(cd "$site" && npm install --silent --no-audit --no-fund "$OLDPWD/dist/wgpu-sigmoid-$version.tgz")
# Where Node resolves the package's name (its `exports`), as a path from the page.
module=$(cd "$site" && node --input-type=module -e \
  'console.log(new URL(import.meta.resolve("wgpu-sigmoid")).pathname)')
case "$module" in
  "$site"/node_modules/wgpu-sigmoid/*) ;;
  *) echo "package-check: wgpu-sigmoid resolves to $module" >&2; exit 1 ;;
esac
cp web/tests/api.js "$site/tests/"
sed "s|\.\./pkg/wgpu_sigmoid\.js|..${module#"$site"}|" web/tests/api.html > "$site/tests/api.html"
grep -q node_modules "$site/tests/api.html"
timeout 900 python3 web/tests/run.py --root "$site" tests/api.html
echo "package-check: every artifact installed and tested"
