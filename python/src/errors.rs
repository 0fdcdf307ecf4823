//! The crate's errors as the package's exceptions.
//!
//! The exception classes are defined in Python (`wgpu_sigmoid/_errors.py`) so that
//! they can have two bases (`GpuTimeoutError` is also a `TimeoutError`) and pickle by
//! reference, which Dask needs to bring a worker's error back to the client.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyType;
use wgpu_sigmoid::Error;

/// `error` as the exception a Python caller catches: `ValueError` for a bad argument,
/// else the `GpuError` subclass that names what went wrong.
pub(crate) fn to_python(py: Python<'_>, error: &Error) -> PyErr {
    let class = match error {
        Error::UnknownBackend { .. }
        | Error::UnknownPowerPreference { .. }
        | Error::InvalidArgument(_)
        | Error::LengthMismatch { .. } => return PyValueError::new_err(error.to_string()),
        Error::BackendUnavailable { .. }
        | Error::NoMatchingAdapter { .. }
        | Error::NoAdapter { .. } => "NoAdapterError",
        Error::DeviceLost(_) => "DeviceLostError",
        Error::Timeout(_) => "GpuTimeoutError",
        Error::OutOfMemory { .. } => "GpuOutOfMemoryError",
        _ => "GpuError",
    };
    match package_exception(py, class) {
        Ok(class) => PyErr::from_type(class, error.to_string()),
        Err(import_failed) => import_failed,
    }
}

/// `wgpu_sigmoid._errors.<name>`.
fn package_exception<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyType>> {
    Ok(py
        .import("wgpu_sigmoid._errors")?
        .getattr(name)?
        .cast_into::<PyType>()?)
}

/// A broken promise of `__init__.py` (a layout or dtype this module does not take):
/// a bug in the package, reported rather than acted on.
pub(crate) fn internal(message: impl Into<String>) -> PyErr {
    PyTypeError::new_err(format!(
        "wgpu_sigmoid internal error: {} (please report this)",
        message.into()
    ))
}
