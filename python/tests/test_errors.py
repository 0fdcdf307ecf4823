"""Every error is a Python exception with a message that says what to do, never a
crash: TypeError for dtypes, ValueError for shapes and `out`, the GpuError family for
the GPU."""

import os
import pickle
import subprocess
import sys

import ml_dtypes
import numpy as np
import pytest

import wgpu_sigmoid
from wgpu_sigmoid import (
    DeviceLostError,
    DtypeMismatchError,
    GpuError,
    GpuOutOfMemoryError,
    GpuTimeoutError,
    NoAdapterError,
    Sigmoid,
)

X = np.linspace(-5, 5, 12, dtype=np.float32).reshape(3, 4)


@pytest.mark.parametrize(
    "value",
    [
        np.zeros(3),
        np.zeros(3, np.int32),
        np.zeros(3, np.int64),
        np.zeros(3, np.uint16),
        np.zeros(3, bool),
        np.zeros(3, np.complex64),
        np.zeros(3, np.longdouble),
        np.zeros(3, ml_dtypes.float8_e4m3fn),
        [0.5, 1.0],
        3.0,
        "text",
        None,
    ],
    ids=lambda v: type(v).__name__ + ("" if not hasattr(v, "dtype") else f"[{v.dtype}]"),
)
def test_unsupported_dtypes_are_type_errors_naming_the_accepted_ones(value):
    with pytest.raises(TypeError, match="float32, float16 and bfloat16"):
        wgpu_sigmoid.sigmoid(value)
    with pytest.raises(TypeError, match="float32, float16 and bfloat16"):
        wgpu_sigmoid.sigmoid_backward(value, value)


def test_out_of_another_shape():
    with pytest.raises(ValueError, match=r"out has shape \(4, 3\)"):
        wgpu_sigmoid.sigmoid(X, out=np.empty((4, 3), np.float32))
    with pytest.raises(ValueError, match="shape"):
        wgpu_sigmoid.sigmoid(X, out=np.empty(12, np.float32))


def test_out_of_another_dtype():
    for dtype in [np.float16, np.float64, ml_dtypes.bfloat16]:
        with pytest.raises(DtypeMismatchError, match="dtype") as caught:
            wgpu_sigmoid.sigmoid(X, out=np.empty(X.shape, dtype))
        assert isinstance(caught.value, TypeError) and isinstance(caught.value, ValueError)


def test_read_only_out_and_not_an_array():
    read_only = np.empty(X.shape, np.float32)
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        wgpu_sigmoid.sigmoid(X, out=read_only)
    with pytest.raises(ValueError, match="read-only"):
        wgpu_sigmoid.sigmoid(X, out=np.broadcast_to(np.float32(0), X.shape))
    with pytest.raises(TypeError, match="numpy.ndarray"):
        wgpu_sigmoid.sigmoid(X, out=[0.0] * 12)


def test_backward_mismatches():
    with pytest.raises(ValueError, match="shape"):
        wgpu_sigmoid.sigmoid_backward(X, X[:2])
    with pytest.raises(DtypeMismatchError):
        wgpu_sigmoid.sigmoid_backward(X, X.astype(np.float16))
    with pytest.raises(ValueError, match="shape"):
        wgpu_sigmoid.sigmoid_backward(X, X, out=np.empty(3, np.float32))


def test_failed_calls_leave_out_and_input_alone():
    out = np.full(X.shape, 7.0, np.float16)
    with pytest.raises(DtypeMismatchError):
        wgpu_sigmoid.sigmoid(X, out=out)
    assert np.all(out == 7.0)


def test_unknown_backend_is_a_value_error():
    with pytest.raises(ValueError, match="unknown backend `cuda`.*vulkan"):
        Sigmoid(backend="cuda")
    with pytest.raises(ValueError, match="unknown backend"):
        wgpu_sigmoid.adapters(backend="cuda")


def test_backend_not_on_this_platform():
    with pytest.raises(NoAdapterError, match="dx12"):
        Sigmoid(backend="dx12")


def test_adapter_name_that_matches_nothing_lists_what_exists():
    with pytest.raises(NoAdapterError, match="adapters found: .*llvmpipe") as caught:
        Sigmoid(adapter="no such adapter")
    assert isinstance(caught.value, GpuError) and isinstance(caught.value, RuntimeError)


def run_python(code, **env):
    completed = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_no_adapter_at_all_says_how_to_install_mesa():
    # A process that sees neither a Vulkan driver nor an EGL vendor library.
    out = run_python(
        "import numpy as np, wgpu_sigmoid\n"
        "try:\n"
        "    wgpu_sigmoid.sigmoid(np.ones(3, np.float32))\n"
        "except wgpu_sigmoid.NoAdapterError as e:\n"
        "    print('raised:', e)\n"
        "print('adapters:', wgpu_sigmoid.adapters())\n",
        WGPU_BACKEND="",
        VK_ICD_FILENAMES="/nonexistent/icd.json",
        VK_DRIVER_FILES="/nonexistent/icd.json",
        __EGL_VENDOR_LIBRARY_FILENAMES="/nonexistent/egl.json",
    )
    assert "raised: no GPU adapter found" in out
    assert "mesa-vulkan-drivers" in out
    assert "adapters: []" in out


def test_device_loss_is_an_exception_and_the_default_recovers():
    lost = Sigmoid()
    lost._destroy_device()
    with pytest.raises(DeviceLostError, match="lost"):
        lost.sigmoid(X)
    with pytest.raises(DeviceLostError):
        lost.sigmoid_backward(X, X)

    wgpu_sigmoid.sigmoid(X)  # the default instance exists
    wgpu_sigmoid._default._destroy_device()
    with pytest.raises(DeviceLostError):
        wgpu_sigmoid.sigmoid(X)
    np.testing.assert_array_equal(wgpu_sigmoid.sigmoid(X), Sigmoid().sigmoid(X))


def test_timeout():
    hasty = Sigmoid(timeout=1e-9)
    # One piece (the default piece is 4 Mi elements), so the wait starts right after its
    # submission. With several pieces the host copies the next ones in first, and a fast
    # adapter (lavapipe at 2 vec4s per invocation) may have finished the first by then:
    # no wait left to time out (seen once in about 30 runs at 16 Mi).
    x = np.zeros(1 << 22, np.float32)
    if hasty.adapter.backend == "gl":
        # wgpu's GL backend has done the work by the time submit returns (llvmpipe):
        # nothing is left to wait for, so the result is simply right.
        assert np.all(hasty.sigmoid(x) == 0.5)
        return
    with pytest.raises(GpuTimeoutError, match="did not finish") as caught:
        hasty.sigmoid(x)
    assert isinstance(caught.value, TimeoutError) and isinstance(caught.value, GpuError)
    # Later calls time out again or succeed, never return wrong data.
    for _ in range(3):
        try:
            assert np.all(hasty.sigmoid(x[:1000]) == 0.5)
        except GpuTimeoutError:
            pass


@pytest.mark.parametrize("timeout", [0, -1.0, float("nan"), float("-inf")])
def test_invalid_timeout(timeout):
    with pytest.raises(ValueError, match="timeout"):
        Sigmoid(timeout=timeout)


@pytest.mark.parametrize(
    "error", [GpuError("a"), NoAdapterError("b"), DeviceLostError("c"), GpuTimeoutError("d"),
              GpuOutOfMemoryError("e"), DtypeMismatchError("f")]
)
def test_exceptions_pickle_as_themselves(error):
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error) and back.args == error.args
