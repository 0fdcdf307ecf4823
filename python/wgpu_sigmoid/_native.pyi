"""Type stub of the native half of wgpu_sigmoid (Rust, PyO3). Use the package's
public API (`wgpu_sigmoid.sigmoid`, `wgpu_sigmoid.Sigmoid`, ...): it checks dtypes,
shapes and `out`, and hands this module only contiguous, aligned, native arrays."""

from typing import Any, Dict, List, Optional

import numpy as np

class Device:
    """One wgpu device with the sigmoid kernels compiled on it; safe to share between
    threads (calls take turns on the GPU and release the GIL while it works)."""

    def __init__(
        self,
        backend: Optional[str] = None,
        adapter: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> None:
        """Opens an adapter by backend and name (the environment fills in what is
        None) and compiles the kernels. Raises NoAdapterError, ValueError (unknown
        backend, bad timeout) or GpuError."""

    @property
    def adapter(self) -> Dict[str, Any]:
        """name, backend, device_type, driver, driver_info, vendor, device."""

    def forward(self, x: np.ndarray, y: np.ndarray) -> None:
        """y = sigmoid(x), in place when y is x; both contiguous in one order, aligned,
        native, of one dtype (float32, float16, bfloat16)."""

    def backward(self, y: np.ndarray, dy: np.ndarray, dx: np.ndarray) -> None:
        """dx = dy * y * (1 - y); dx is neither y nor dy; all contiguous in one order,
        aligned, native, of one dtype."""

    def destroy(self) -> None:
        """Destroys the device, as a driver reset would (for tests)."""

def adapters(backend: Optional[str] = None) -> List[Dict[str, Any]]:
    """Every adapter wgpu finds on `backend` (all of this build's when None)."""
