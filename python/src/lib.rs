//! The native half of the `wgpu_sigmoid` Python package.
//!
//! `wgpu_sigmoid/__init__.py` is the public face: it checks dtypes, shapes and `out`, and
//! turns any memory layout into contiguous arrays. What reaches this module is already
//! contiguous, aligned, in native byte order, of one dtype and one order; this module
//! runs the GPU on it with the GIL released, and turns the crate's errors into the
//! package's exceptions.
#![deny(missing_docs)]

mod device;
mod errors;
mod interrupt;

use pyo3::prelude::*;

/// `wgpu_sigmoid._native`: the GPU device and the adapter list.
#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<device::Device>()?;
    module.add_function(wrap_pyfunction!(device::adapters, module)?)?;
    Ok(())
}
