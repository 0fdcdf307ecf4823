#!/usr/bin/env bash
# Sourced by scripts/test.sh and scripts/bench-python.sh (after scripts/setup.sh): a
# virtual environment in target/python-venv with the Python package built and
# installed the way a user installs it (`pip install ./python`, maturin as the build
# backend), and what its tests, example and benchmark import, from the package
# registry. Sets $PYTHON to the environment's interpreter. Safe to run repeatedly.

python_env="target/python-venv"
host_python="${WGPU_SIGMOID_PYTHON:-python3}"

if ! command -v "$host_python" >/dev/null 2>&1; then
  install_packages python3 python3-venv
fi
if ! "$host_python" -c 'import sys; assert sys.version_info >= (3, 9)' 2>/dev/null; then
  echo "setup: the Python package needs Python 3.9 or later; $host_python is $("$host_python" --version 2>&1)" >&2
  exit 1
fi
# Debian's python3 lacks ensurepip (and so venv) until python3-venv is installed.
if [ ! -x "$python_env/bin/python" ] && ! "$host_python" -c 'import ensurepip' 2>/dev/null; then
  install_packages python3-venv
fi
[ -x "$python_env/bin/python" ] || "$host_python" -m venv "$python_env"
PYTHON="$python_env/bin/python"

echo "setup: Python test environment in $python_env"
"$PYTHON" -m pip install --quiet --upgrade pip
"$PYTHON" -m pip install --quiet "numpy>=1.21" "ml_dtypes>=0.2" "pytest>=7" \
  pytest-timeout "dask[array]>=2023.1" "distributed>=2023.1" scipy mypy
echo "setup: pip install ./python"
"$PYTHON" -m pip install --quiet ./python
export PYTHON
