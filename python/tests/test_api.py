"""The public API as the issue fixes it, shipped with its type information."""

import inspect
import os
import pickle
import re

import numpy as np

import wgpu_sigmoid
from wgpu_sigmoid import _native


def test_public_names_and_signatures():
    for name in wgpu_sigmoid.__all__:
        assert getattr(wgpu_sigmoid, name).__doc__, name
    assert str(inspect.signature(wgpu_sigmoid.sigmoid)).startswith("(x: 'Any', out:")
    assert list(inspect.signature(wgpu_sigmoid.sigmoid_backward).parameters) == ["y", "dy", "out"]
    assert list(inspect.signature(wgpu_sigmoid.Sigmoid).parameters) == [
        "backend", "adapter", "timeout"]
    assert issubclass(wgpu_sigmoid.GpuError, RuntimeError)
    for error in ["NoAdapterError", "DeviceLostError", "GpuTimeoutError", "GpuOutOfMemoryError"]:
        assert issubclass(getattr(wgpu_sigmoid, error), wgpu_sigmoid.GpuError)


def test_version_is_the_crates():
    cargo = open(os.path.join(os.path.dirname(__file__), "..", "..", "Cargo.toml")).read()
    workspace_version = re.search(r'\[workspace\.package\][^\[]*?\nversion = "([^"]+)"', cargo)[1]
    assert wgpu_sigmoid.__version__ == workspace_version


def test_type_stubs_and_marker_ship_with_the_package():
    folder = os.path.dirname(wgpu_sigmoid.__file__)
    assert os.path.isfile(os.path.join(folder, "py.typed"))
    stub = open(os.path.join(folder, "_native.pyi")).read()
    for name in ["class Device", "def forward", "def backward", "def adapters", '"""']:
        assert name in stub
    # The stub describes what the native module has.
    assert {"Device", "adapters"} <= set(dir(_native))
    assert {"forward", "backward", "adapter", "destroy"} <= set(dir(_native.Device))


def test_adapter_property_and_list(instance):
    adapter = instance.adapter
    assert adapter in wgpu_sigmoid.adapters()
    assert adapter.backend in {"vulkan", "gl", "metal", "dx12"}
    assert adapter.device_type in {"discrete_gpu", "integrated_gpu", "virtual_gpu", "cpu", "other"}
    assert adapter.name and isinstance(adapter.driver, str)
    assert adapter.name in repr(instance)
    assert all(a.backend == "gl" for a in wgpu_sigmoid.adapters(backend="gl"))


def test_functions_and_instances_pickle():
    import cloudpickle  # what Dask sends functions with

    for dumps in [pickle.dumps, cloudpickle.dumps]:
        for function in [wgpu_sigmoid.sigmoid, wgpu_sigmoid.sigmoid_backward]:
            data = dumps(function)
            assert len(data) < 100 and b"wgpu_sigmoid" in data  # by reference, not by value
            assert pickle.loads(data) is function
    back = pickle.loads(pickle.dumps(wgpu_sigmoid.Sigmoid(timeout=30)))
    assert isinstance(back, wgpu_sigmoid.Sigmoid)
    assert pickle.loads(pickle.dumps(back)) is back  # one shared instance per process
    assert back.sigmoid(np.zeros(3, np.float32)).tolist() == [0.5] * 3
