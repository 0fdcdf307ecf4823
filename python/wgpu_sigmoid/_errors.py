"""The exceptions of wgpu_sigmoid.

Defined in Python, where an exception can have two bases; the native module raises
them by name. Every one pickles by reference, so an error raised on a Dask worker
reaches the client as itself.
"""


class GpuError(RuntimeError):
    """The GPU could not do what was asked: no adapter, a lost device, a timeout, or an
    error wgpu reported. The message says which and why."""


class NoAdapterError(GpuError):
    """No adapter matches: none at all, or none with the backend or name asked for
    (the message lists those that exist). Without a GPU, install Mesa's software
    driver for the backend: ``sudo apt-get install libvulkan1 mesa-vulkan-drivers``
    (Vulkan) or ``libegl1 libegl-mesa0 libgl1-mesa-dri`` (GL) on Debian/Ubuntu; the
    message names the packages for the backend asked for."""


class DeviceLostError(GpuError):
    """The GPU device was lost (reset, removed, or its driver crashed). Open a new
    ``Sigmoid``; the module-level functions do so on their next call."""


class GpuTimeoutError(GpuError, TimeoutError):
    """The GPU did not finish within the instance's ``timeout``."""

    def __reduce__(self) -> "tuple[type, tuple[object, ...]]":
        # OSError's own reduction (TimeoutError is one) cannot rebuild a class that
        # is also a RuntimeError; the message is all there is to keep.
        return (type(self), self.args)


class GpuOutOfMemoryError(GpuError, MemoryError):
    """The device ran out of memory."""


class DtypeMismatchError(TypeError, ValueError):
    """Two arrays of one call (``y`` and ``dy``, or an input and ``out``) have
    different dtypes. A ``TypeError`` (a dtype is wrong) and a ``ValueError`` (the
    arguments do not match), so either ``except`` catches it."""
