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
    return f"wgpu_sigmoid on {wgpu_sigmoid.Sigmoid().adapter}"
