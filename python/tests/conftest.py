"""Shared fixtures. A GPU test fails, never skips, when no adapter is found: the module
functions and `Sigmoid()` raise `NoAdapterError` then."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import wgpu_sigmoid  # noqa: E402


@pytest.fixture(scope="session")
def instance():
    """One explicit instance on the backend the run is for (`WGPU_BACKEND`)."""
    sigmoid = wgpu_sigmoid.Sigmoid()
    wanted = os.environ.get("WGPU_BACKEND")
    if wanted:
        assert sigmoid.adapter.backend == wanted.lower(), sigmoid.adapter
    return sigmoid


def pytest_report_header(config):
    # Where the package came from: the source tree's build, or an installed wheel
    # (scripts/package-check.sh looks for its virtual environment here).
    return (f"wgpu_sigmoid {wgpu_sigmoid.__version__} from {wgpu_sigmoid.__file__} "
            f"on {wgpu_sigmoid.Sigmoid().adapter}")
