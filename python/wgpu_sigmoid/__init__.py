"""Sigmoid on numpy arrays, on any GPU wgpu reaches (Vulkan, Metal, DX12, GL).

``sigmoid(x) = 1 / (1 + exp(-x))``, as TensorFlow's ``tf.keras.activations.sigmoid``,
within 1 ULP of the correctly rounded result for every input; NaN stays NaN,
subnormal results are kept. Without a GPU it runs on Mesa's software drivers
(lavapipe, llvmpipe).

>>> import numpy as np, wgpu_sigmoid
>>> wgpu_sigmoid.sigmoid(np.array([-20, -1, 0, 1, 20], dtype=np.float32))
array([2.0611537e-09, 2.6894143e-01, 5.0000000e-01, 7.3105860e-01,
       1.0000000e+00], dtype=float32)

Arrays of float32, float16 and bfloat16 (``ml_dtypes.bfloat16``), of any shape and
memory layout. The module-level functions share one lazily opened default device
(``WGPU_BACKEND``, ``WGPU_ADAPTER_NAME`` and ``WGPU_POWER_PREF`` choose it);
``Sigmoid`` opens one of your choice.
"""

from __future__ import annotations

import importlib.metadata as _metadata
import os
import threading
import weakref
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Literal, Optional, Tuple

import numpy as np

from . import _native
from ._errors import (
    DeviceLostError,
    DtypeMismatchError,
    GpuError,
    GpuOutOfMemoryError,
    GpuTimeoutError,
    NoAdapterError,
)

__all__ = [
    "Adapter",
    "DeviceLostError",
    "DtypeMismatchError",
    "GpuError",
    "GpuOutOfMemoryError",
    "GpuTimeoutError",
    "NoAdapterError",
    "Sigmoid",
    "adapters",
    "sigmoid",
    "sigmoid_backward",
]

Order = Literal["C", "F"]

try:
    __version__: str = _metadata.version("wgpu-sigmoid")
except _metadata.PackageNotFoundError:  # imported from a source tree
    __version__ = "unknown"

ACCEPTED_DTYPES = "float32, float16 and bfloat16 (ml_dtypes.bfloat16)"


@dataclass(frozen=True)
class Adapter:
    """A GPU adapter as wgpu reports it."""

    name: str
    """E.g. ``NVIDIA H200`` or ``llvmpipe (LLVM 15.0.6, 256 bits)``."""
    backend: str
    """``vulkan``, ``gl``, ``metal``, ``dx12`` or ``webgpu``."""
    device_type: str
    """``discrete_gpu``, ``integrated_gpu``, ``virtual_gpu``, ``cpu`` or ``other``."""
    driver: str
    """The driver's name, e.g. ``llvmpipe``; may be empty."""
    driver_info: str
    """The driver's version text, e.g. ``Mesa 22.3.6``; may be empty."""
    vendor: int
    """PCI vendor id (0 where the backend does not say)."""
    device: int
    """PCI device id (0 where the backend does not say)."""


def adapters(backend: Optional[str] = None) -> List[Adapter]:
    """Every adapter wgpu finds, on ``backend`` (e.g. ``"vulkan"``, ``"gl"``, or a
    comma-separated list) or on every backend of this build; ``[]`` when none."""
    return [Adapter(**info) for info in _native.adapters(backend)]


class Sigmoid:
    """One GPU device with the sigmoid kernels compiled on it.

    ``timeout`` (seconds) bounds each wait for the GPU to finish one piece of a call
    (4 Mi elements), not the whole call; ``None`` means the library's 120 s, and
    ``float('inf')`` switches the limit off. Past it a call raises
    ``GpuTimeoutError``.

    ``backend`` (``"vulkan"``, ``"gl"``, ``"metal"``, ``"dx12"``, or a comma-separated
    list) and ``adapter`` (a substring of the adapter's name, case-insensitive) choose
    the adapter; where ``None``, ``WGPU_BACKEND`` and ``WGPU_ADAPTER_NAME`` do, and
    else wgpu's own ranking (a discrete GPU first).

    One instance may be shared by any number of threads: each call runs at once on
    buffers of its own, and none holds the GIL while the GPU works. Ctrl-C
    (``KeyboardInterrupt``) ends a long call within about one piece's time, and the
    instance stays usable. An instance pickles as its arguments: unpickled in another
    process (a pool worker, a Dask worker), it opens that process's own device at its
    first call, once per process and set of arguments, so that a device the worker
    cannot open raises ``GpuError`` from that call, to the caller.

    Raises ``NoAdapterError`` when no adapter matches and ``ValueError`` for an
    unknown backend name or a timeout that is not a positive number of seconds.
    """

    def __init__(
        self,
        backend: Optional[str] = None,
        adapter: Optional[str] = None,
        *,
        timeout: Optional[float] = None,
    ) -> None:
        self._arguments: Tuple[Optional[str], Optional[str], Optional[float]] = (
            backend,
            adapter,
            timeout,
        )
        self._device: Any = None
        self._adapter: Optional[Adapter] = None
        self._open()

    def _open(self) -> Any:
        """Opens the device, unless open: the native device."""
        if self._device is None:
            backend, adapter, timeout = self._arguments
            if _forked_from_gl:
                backend = _backends_without_gl(backend)
            device = _native.Device(backend, adapter, timeout)
            self._adapter = Adapter(**device.adapter)
            self._device = device
            _live_instances.add(self)
        return self._device

    @property
    def adapter(self) -> Adapter:
        """The adapter this instance runs on (an unpickled instance opens its device
        to tell)."""
        self._native()
        assert self._adapter is not None
        return self._adapter

    def sigmoid(self, x: Any, out: Optional[np.ndarray] = None) -> Any:
        """``1 / (1 + exp(-x))`` elementwise (see ``wgpu_sigmoid.sigmoid``).

        ``x``: an array of float32, float16 or bfloat16, of any shape (0-d and empty
        included) and layout; it is not modified unless it is ``out``. Returns a new
        C-ordered array of ``x``'s shape and dtype, or ``out`` (an array of that shape
        and dtype, any layout, ``x`` itself for in place) filled with the result; a
        0-d input without ``out`` gives a numpy scalar of its dtype, as ufuncs do.

        Raises ``TypeError`` for another dtype, ``ValueError`` for an ``out`` of
        another shape or a read-only one, ``DtypeMismatchError`` for an ``out`` of
        another dtype, and a ``GpuError`` when the GPU fails.
        """
        return _as_ufunc_result(_forward(self._native, x, out), out)

    def sigmoid_backward(self, y: Any, dy: Any, out: Optional[np.ndarray] = None) -> Any:
        """The gradient through sigmoid: ``dx = dy * y * (1 - y)`` elementwise, where
        ``y = sigmoid(x)`` from the forward pass and ``dy`` is the gradient of the
        output. ``y`` and ``dy`` have one shape and dtype (no broadcasting); ``out``
        follows the rules of ``sigmoid`` and may be ``y`` or ``dy``. Raises as
        ``sigmoid``, and ``DtypeMismatchError``/``ValueError`` when ``y`` and ``dy``
        differ in dtype/shape."""
        return _as_ufunc_result(_backward(self._native, y, dy, out), out)

    def _native(self) -> Any:
        device = self._device
        if device is None:
            # Unpickled: the device is opened now, inside the call, so that its
            # failure is the call's exception.
            with _default_lock:
                device = self._open()
        return device

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        # Unpickling opens nothing: a worker that cannot open the device would fail
        # outside the task's error handling (a pool then waits forever).
        return (_unpickled, self._arguments)

    def __repr__(self) -> str:
        if self._adapter is None:
            backend, adapter, timeout = self._arguments
            return (
                f"wgpu_sigmoid.Sigmoid(backend={backend!r}, adapter={adapter!r}, "
                f"timeout={timeout!r}; opens its device at its first call)"
            )
        return (
            f"wgpu_sigmoid.Sigmoid(adapter={self._adapter.name!r}, "
            f"backend={self._adapter.backend!r})"
        )

    def _destroy_device(self) -> None:
        """Destroys the device, as a driver reset would (for tests of that path)."""
        self._native().destroy()


def sigmoid(x: Any, out: Optional[np.ndarray] = None) -> Any:
    """``1 / (1 + exp(-x))`` elementwise on the GPU, within 1 ULP of the correctly
    rounded result; NaN stays NaN, subnormal results are kept.

    Parameters
    ----------
    x : array_like
        float32, float16 or bfloat16 (``ml_dtypes.bfloat16``) values of any shape and
        memory layout. Not modified unless it is ``out``. Python lists and floats are
        float64 to numpy: convert them first, e.g.
        ``numpy.asarray(x, dtype=numpy.float32)``.
    out : numpy.ndarray, optional
        Where to put the result: an array of ``x``'s shape and dtype, any layout,
        writeable; ``x`` itself computes in place.

    Returns
    -------
    numpy.ndarray or numpy scalar
        A new C-ordered array of ``x``'s shape and dtype, or ``out``. As numpy's
        ufuncs do, a 0-d input (a numpy scalar) gives a scalar of its dtype, unless
        ``out`` is given.

    Raises
    ------
    TypeError
        ``x`` of another dtype, or ``out`` not a numpy array.
    ValueError
        ``out`` of another shape, or read-only.
    DtypeMismatchError
        ``out`` of another dtype.
    NoAdapterError, DeviceLostError, GpuTimeoutError, GpuOutOfMemoryError, GpuError
        The GPU could not do it (the message says why).
    KeyboardInterrupt
        Ctrl-C during a long call, within about one piece's time; the device stays
        usable.

    The call runs on the default device, opened at the first call that has work for it
    (empty arrays need none), chosen by ``WGPU_BACKEND``, ``WGPU_ADAPTER_NAME`` and
    ``WGPU_POWER_PREF``; ``Sigmoid`` opens one of your choice. Any number of threads
    may call at once; the GIL is released while the GPU works.

    Examples
    --------
    >>> import numpy as np, wgpu_sigmoid
    >>> wgpu_sigmoid.sigmoid(np.array([-1.0, 0.0, 1.0], dtype=np.float32))
    array([0.26894143, 0.5       , 0.7310586 ], dtype=float32)
    >>> y = wgpu_sigmoid.sigmoid(np.float32(0.0))
    >>> type(y).__name__, float(y)
    ('float32', 0.5)
    """
    return _as_ufunc_result(_on_default(lambda device: _forward(device, x, out)), out)


def sigmoid_backward(y: Any, dy: Any, out: Optional[np.ndarray] = None) -> Any:
    """The gradient through sigmoid, ``dx = dy * y * (1 - y)`` elementwise, in one fused
    GPU kernel.

    Parameters
    ----------
    y : array_like
        The forward output, ``sigmoid(x)``: float32, float16 or bfloat16, any shape and
        layout.
    dy : array_like
        The gradient of the loss with respect to ``y``: the same shape and dtype as
        ``y`` (no broadcasting).
    out : numpy.ndarray, optional
        Where to put ``dx``, as ``sigmoid``'s ``out``; it may be ``y`` or ``dy``.

    Returns
    -------
    numpy.ndarray or numpy scalar
        ``dx``: a new C-ordered array of ``y``'s shape and dtype, or ``out``; a scalar
        of the dtype for 0-d inputs without ``out``. Computed in float32 as
        ``dy * (y * (1 - y))``, at most 3 ULP from the exact value for finite inputs;
        16-bit results are rounded once.

    Raises
    ------
    TypeError, ValueError, DtypeMismatchError, GpuError, KeyboardInterrupt
        As ``sigmoid``; also ``DtypeMismatchError``/``ValueError`` when ``y`` and
        ``dy`` differ in dtype/shape.

    Examples
    --------
    >>> import numpy as np, wgpu_sigmoid
    >>> y = wgpu_sigmoid.sigmoid(np.zeros(3, dtype=np.float32))
    >>> wgpu_sigmoid.sigmoid_backward(y, np.ones_like(y))
    array([0.25, 0.25, 0.25], dtype=float32)
    """
    return _as_ufunc_result(
        _on_default(lambda device: _backward(device, y, dy, out)), out
    )


# The two operations take `device`, a function that returns the native device, so that
# a call with nothing to compute opens none.


def _as_ufunc_result(result: np.ndarray, out: Optional[np.ndarray]) -> Any:
    """A 0-d result without ``out`` as a numpy scalar of its dtype, as ufuncs give."""
    return result[()] if out is None and result.ndim == 0 else result


def _forward(device: Callable[[], Any], x: Any, out: Optional[np.ndarray]) -> np.ndarray:
    x = _input(x, "x")
    dtype = _native_order(x.dtype)
    if out is None:
        y = np.empty(x.shape, dtype)
        if x.size == 0:
            return y
        if _order(x) == "C":
            device().forward(x, y)
        else:
            np.copyto(y, x)
            device().forward(y, y)
        return y
    _check_out(out, x, dtype)
    if x.size == 0:
        return out
    order = _order(out)
    if order is None:
        # The kernels take contiguous memory: compute beside, then scatter.
        np.copyto(out, _forward(device, x, None))
    elif _shares(x, out):
        if not _same_view(x, out):
            np.copyto(out, x)  # numpy copies overlapping memory safely
        device().forward(out, out)
    elif _order(x) == order:
        device().forward(x, out)  # the path without any host copy
    else:
        np.copyto(out, x)
        device().forward(out, out)
    return out


def _backward(
    device: Callable[[], Any], y: Any, dy: Any, out: Optional[np.ndarray]
) -> np.ndarray:
    y = _input(y, "y")
    dy = _input(dy, "dy")
    dtype = _native_order(y.dtype)
    if _native_order(dy.dtype) != dtype:
        raise DtypeMismatchError(
            f"y has dtype {y.dtype} and dy {dy.dtype}: both must have one dtype"
        )
    if y.shape != dy.shape:
        raise ValueError(
            f"y has shape {y.shape} and dy {dy.shape}: both must have one shape "
            "(no broadcasting)"
        )
    if out is not None:
        _check_out(out, y, dtype)
    if y.size == 0:
        return np.empty(y.shape, dtype) if out is None else out
    order = None if out is None else _order(out)
    if out is not None and order and not _shares(out, y) and not _shares(out, dy):
        dx = out
    else:
        order, dx = "C", np.empty(y.shape, dtype)
    device().backward(_contiguous(y, order, dtype), _contiguous(dy, order, dtype), dx)
    if out is not None and dx is not out:
        np.copyto(out, dx)
        return out
    return dx


def _input(value: Any, name: str) -> np.ndarray:
    array = value if type(value) is np.ndarray else np.asarray(value)
    dtype = array.dtype
    if not (
        (dtype.kind == "f" and dtype.itemsize in (2, 4))
        or (dtype.kind == "V" and dtype.itemsize == 2 and dtype.name == "bfloat16")
    ):
        # Lists and Python floats have no astype: asarray converts anything.
        convert = (
            f"{name}.astype(numpy.float32)"
            if isinstance(value, (np.ndarray, np.generic))
            else f"numpy.asarray({name}, dtype=numpy.float32)"
        )
        raise TypeError(
            f"{name} has dtype {dtype}: wgpu_sigmoid takes {ACCEPTED_DTYPES} arrays "
            f"(convert first, e.g. {convert})"
        )
    return array


def _native_order(dtype: np.dtype) -> np.dtype:
    return dtype if dtype.isnative else dtype.newbyteorder("=")


def _order(array: np.ndarray) -> Optional[Order]:
    """``"C"`` or ``"F"`` where the kernels can read ``array`` where it lies
    (contiguous, aligned, native byte order), else ``None``."""
    flags = array.flags
    if not (flags.aligned and array.dtype.isnative):
        return None
    if flags.c_contiguous:
        return "C"
    if flags.f_contiguous:
        return "F"
    return None


def _shares(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.may_share_memory(a, b))


def _same_view(a: np.ndarray, b: np.ndarray) -> bool:
    return (
        a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
        and a.strides == b.strides
        and a.dtype == b.dtype
    )


def _contiguous(array: np.ndarray, order: Order, dtype: np.dtype) -> np.ndarray:
    return array if _order(array) == order else np.array(array, dtype=dtype, order=order)


def _check_out(out: Any, like: np.ndarray, dtype: np.dtype) -> None:
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy.ndarray, not {type(out).__name__}")
    if out.shape != like.shape:
        raise ValueError(
            f"out has shape {out.shape}, the input {like.shape}: out must have the "
            "input's shape (no broadcasting)"
        )
    if _native_order(out.dtype) != dtype:
        raise DtypeMismatchError(
            f"out has dtype {out.dtype}, the input {like.dtype}: out must have the "
            "input's dtype"
        )
    if not out.flags.writeable:
        raise ValueError("out is read-only")


_default_lock = threading.Lock()
_default: Optional[Sigmoid] = None
_shared_instances: Dict[Tuple[Any, ...], Sigmoid] = {}
# Instances inherited through fork(): their devices belong to the parent (a child has
# none of the driver's threads), so they are kept, never used and never dropped.
_inherited: List[Any] = []


def _on_default(operation: Callable[[Callable[[], Any]], np.ndarray]) -> np.ndarray:
    global _default
    opened: List[Sigmoid] = []

    def device() -> Any:
        global _default
        instance = _default
        if instance is None:
            with _default_lock:
                if _default is None:
                    _default = Sigmoid()
                instance = _default
        opened.append(instance)
        return instance._device

    try:
        return operation(device)
    except DeviceLostError:
        # The next call opens a new device instead of failing forever.
        with _default_lock:
            if opened and _default is opened[0]:
                _default = None
        raise


def _unpickled(
    backend: Optional[str], adapter: Optional[str], timeout: Optional[float]
) -> Sigmoid:
    """The instance an unpickled ``Sigmoid`` becomes: one per process and arguments,
    whose device opens at its first call."""
    key = (backend, adapter, timeout)
    with _default_lock:
        instance = _shared_instances.get(key)
        if instance is None:
            instance = Sigmoid.__new__(Sigmoid)
            instance._arguments = key
            instance._device = None
            instance._adapter = None
            _shared_instances[key] = instance
        return instance


_live_instances: "weakref.WeakSet[Sigmoid]" = weakref.WeakSet()
# Set in a child forked while a GL device was open: Mesa's EGL then hangs opening any
# GL device in the child (seen with llvmpipe), so the child keeps off GL.
_forked_from_gl = False


def _backends_without_gl(backend: Optional[str]) -> str:
    requested = backend if backend is not None else os.environ.get("WGPU_BACKEND", "")
    names = [name.strip().lower() for name in requested.split(",") if name.strip()]
    if not names:
        return "vulkan,metal,dx12"
    if any(name in ("gl", "gles", "opengl") for name in names):
        raise GpuError(
            "this process was forked from one with an open GL device, and Mesa's GL "
            "cannot open another device in such a child (it hangs): start worker "
            "processes with multiprocessing's 'spawn' or 'forkserver' method, or use "
            "Vulkan in the child"
        )
    return requested


def _forget_devices_after_fork() -> None:
    global _default, _default_lock, _forked_from_gl
    # Every instance is in `_live_instances`, the default and the shared ones too.
    inherited = list(_live_instances)
    _forked_from_gl = _forked_from_gl or any(i.adapter.backend == "gl" for i in inherited)
    _inherited.extend(inherited)
    _default = None
    _shared_instances.clear()
    _live_instances.clear()
    _default_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_devices_after_fork)


def __dir__() -> List[str]:
    # The public names, not the helpers this module imports (os, np, typing's names).
    return sorted([*__all__, "__version__"])
