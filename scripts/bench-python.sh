#!/usr/bin/env bash
# The Python benchmark of BENCHMARKS.md ("Python"): builds the CLI (for the Rust rows)
# and the package in target/python-venv, then runs python/benches/bench.py on the
# adapter WGPU_BACKEND etc. choose. Arguments go to bench.py (e.g. --elements).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
source scripts/python-env.sh
cargo build --release --quiet --bin wgpu-sigmoid
"$PYTHON" python/benches/bench.py "$@"
