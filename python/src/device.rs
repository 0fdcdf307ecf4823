//! `Device`: one [`Sigmoid`] (one wgpu device), the elementwise calls on numpy arrays,
//! and the adapter list.

use std::time::Duration;

use half::{bf16, f16};
use numpy::{
    PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use wgpu_sigmoid::adapter::{self, AdapterOptions};
use wgpu_sigmoid::{Element, Sigmoid};

use crate::errors::{internal, to_python};
use crate::interrupt;

/// One GPU device with the sigmoid kernels compiled on it. Safe to share between
/// threads: calls on one device take turns on the GPU, and none holds the GIL while
/// the GPU works.
#[pyclass(frozen, module = "wgpu_sigmoid._native")]
pub(crate) struct Device {
    sigmoid: Sigmoid,
}

/// The element types the kernels take.
#[derive(Clone, Copy)]
enum Dtype {
    F32,
    F16,
    Bf16,
}

impl Dtype {
    /// The dtype of `array`, which `__init__.py` has already checked.
    fn of(array: &Bound<'_, PyUntypedArray>) -> PyResult<Dtype> {
        let py = array.py();
        let dtype = array.dtype();
        if dtype.is_equiv_to(&numpy::dtype::<f32>(py)) {
            Ok(Dtype::F32)
        } else if dtype.is_equiv_to(&numpy::dtype::<f16>(py)) {
            Ok(Dtype::F16)
        } else if dtype.kind() == b'V' && dtype.itemsize() == 2 && type_name(&dtype)? == "bfloat16"
        {
            // Only now is `numpy::dtype::<bf16>` safe to ask for: it looks `bfloat16` up
            // by name, which works once ml_dtypes is imported (it is: the array has one).
            Ok(Dtype::Bf16)
        } else {
            Err(internal(format!("dtype {dtype} reached the native module")))
        }
    }
}

/// `numpy.dtype.name`.
fn type_name(dtype: &Bound<'_, numpy::PyArrayDescr>) -> PyResult<String> {
    dtype.getattr("name")?.extract()
}

/// `array` as a typed numpy array of `T`.
fn typed<'a, 'py, T: numpy::Element>(
    array: &'a Bound<'py, PyUntypedArray>,
) -> PyResult<&'a Bound<'py, PyArrayDyn<T>>> {
    array
        .cast::<PyArrayDyn<T>>()
        .map_err(|_| internal("arrays of different dtypes reached the native module"))
}

/// Whether `a` and `b` hold their elements in the same order, so that elementwise over
/// their memory is elementwise over their indices.
fn same_order(a: &Bound<'_, PyUntypedArray>, b: &Bound<'_, PyUntypedArray>) -> bool {
    a.shape() == b.shape()
        && ((a.is_c_contiguous() && b.is_c_contiguous())
            || (a.is_fortran_contiguous() && b.is_fortran_contiguous()))
}

/// A numpy borrow conflict: another call (in another thread) is writing the array.
fn busy(error: numpy::BorrowError) -> PyErr {
    PyValueError::new_err(format!(
        "an array passed is being written by another call at the same time ({error})"
    ))
}

/// `slice` or a report of the broken promise (not contiguous, not aligned).
fn contiguous<T>(slice: Result<T, numpy::AsSliceError>) -> PyResult<T> {
    slice.map_err(|_| internal("a non-contiguous or unaligned array reached the native module"))
}

#[pymethods]
impl Device {
    /// Opens an adapter (by backend and name; the environment's `WGPU_BACKEND`,
    /// `WGPU_ADAPTER_NAME` and `WGPU_POWER_PREF` fill in what is `None`) and compiles
    /// the kernels on a new device.
    #[new]
    #[pyo3(signature = (backend=None, adapter=None, timeout=None))]
    fn new(
        py: Python<'_>,
        backend: Option<&str>,
        adapter: Option<String>,
        timeout: Option<f64>,
    ) -> PyResult<Device> {
        let mut builder = Sigmoid::builder();
        if let Some(backend) = backend {
            let backends = adapter::parse_backends(backend, "the `backend` argument")
                .map_err(|e| to_python(py, &e))?;
            builder = builder.backends(backends);
        }
        if let Some(name) = adapter {
            builder = builder.adapter_name(name);
        }
        if let Some(seconds) = timeout {
            let limit = if seconds == f64::INFINITY {
                // No limit: the crate's `Duration::MAX`.
                Duration::MAX
            } else {
                Duration::try_from_secs_f64(seconds)
                    .ok()
                    .filter(|limit| !limit.is_zero())
                    .ok_or_else(|| {
                        PyValueError::new_err(format!(
                            "timeout must be a positive number of seconds, or \
                             float('inf') for no limit, not {seconds}"
                        ))
                    })?
            };
            builder = builder.timeout(limit);
        }
        let sigmoid = py
            .detach(|| builder.build())
            .map_err(|e| to_python(py, &e))?;
        Ok(Device { sigmoid })
    }

    /// The adapter this device runs on, as a dict (see `adapters`).
    #[getter]
    fn adapter<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        describe(py, &self.sigmoid.config().adapter)
    }

    /// `y = sigmoid(x)`, or in place when `y` is `x`. Both contiguous in the same order,
    /// aligned, native, of one dtype.
    fn forward(
        &self,
        py: Python<'_>,
        x: &Bound<'_, PyUntypedArray>,
        y: &Bound<'_, PyUntypedArray>,
    ) -> PyResult<()> {
        match Dtype::of(x)? {
            Dtype::F32 => self.forward_as::<f32>(py, x, y),
            Dtype::F16 => self.forward_as::<f16>(py, x, y),
            Dtype::Bf16 => self.forward_as::<bf16>(py, x, y),
        }
    }

    /// `dx = dy * y * (1 - y)`; `dx` is neither `y` nor `dy`. All contiguous in the same
    /// order, aligned, native, of one dtype.
    fn backward(
        &self,
        py: Python<'_>,
        y: &Bound<'_, PyUntypedArray>,
        dy: &Bound<'_, PyUntypedArray>,
        dx: &Bound<'_, PyUntypedArray>,
    ) -> PyResult<()> {
        match Dtype::of(y)? {
            Dtype::F32 => self.backward_as::<f32>(py, y, dy, dx),
            Dtype::F16 => self.backward_as::<f16>(py, y, dy, dx),
            Dtype::Bf16 => self.backward_as::<bf16>(py, y, dy, dx),
        }
    }

    /// Destroys the wgpu device, as a driver reset would: every later call raises
    /// `DeviceLostError`. For tests of that path.
    fn destroy(&self) {
        self.sigmoid.device().destroy();
    }
}

impl Device {
    /// Elements above which a call is long enough to need interrupting: more than one
    /// piece (shorter calls end within a piece's time anyway, and skip the threads of
    /// the async path).
    fn one_piece(&self) -> usize {
        usize::try_from(self.sigmoid.config().max_chunk_elements).unwrap_or(usize::MAX)
    }

    fn forward_as<T: Element + numpy::Element>(
        &self,
        py: Python<'_>,
        x: &Bound<'_, PyUntypedArray>,
        y: &Bound<'_, PyUntypedArray>,
    ) -> PyResult<()> {
        let long = x.len() > self.one_piece();
        let result = if x.is(y) {
            let mut y = typed::<T>(y)?.try_readwrite().map_err(busy)?;
            let y = contiguous(y.as_slice_mut())?;
            if long {
                interrupt::run(py, self.sigmoid.forward_in_place_async(y))?
            } else {
                py.detach(|| self.sigmoid.forward_in_place(y))
            }
        } else {
            if !same_order(x, y) {
                return Err(internal("x and y of different layouts"));
            }
            let x = typed::<T>(x)?.try_readonly().map_err(busy)?;
            let mut y = typed::<T>(y)?.try_readwrite().map_err(busy)?;
            let (x, y) = (contiguous(x.as_slice())?, contiguous(y.as_slice_mut())?);
            if long {
                interrupt::run(py, self.sigmoid.forward_into_async(x, y))?
            } else {
                py.detach(|| self.sigmoid.forward_into(x, y))
            }
        };
        result.map_err(|e| to_python(py, &e))
    }

    fn backward_as<T: Element + numpy::Element>(
        &self,
        py: Python<'_>,
        y: &Bound<'_, PyUntypedArray>,
        dy: &Bound<'_, PyUntypedArray>,
        dx: &Bound<'_, PyUntypedArray>,
    ) -> PyResult<()> {
        if !same_order(y, dx) || !same_order(dy, dx) {
            return Err(internal("y, dy and dx of different layouts"));
        }
        if dx.is(y) || dx.is(dy) {
            return Err(internal("dx is one of the inputs"));
        }
        let y = typed::<T>(y)?.try_readonly().map_err(busy)?;
        let dy = typed::<T>(dy)?.try_readonly().map_err(busy)?;
        let mut dx = typed::<T>(dx)?.try_readwrite().map_err(busy)?;
        let (y, dy) = (contiguous(y.as_slice())?, contiguous(dy.as_slice())?);
        let dx = contiguous(dx.as_slice_mut())?;
        // As forward: a call longer than one piece runs the async form, polled here with
        // a check for signals between polls, so that Ctrl-C stops it within a moment.
        let result = if dx.len() > self.one_piece() {
            interrupt::run(py, self.sigmoid.backward_into_async(y, dy, dx))?
        } else {
            py.detach(|| self.sigmoid.backward_into(y, dy, dx))
        };
        result.map_err(|e| to_python(py, &e))
    }
}

/// Every adapter wgpu finds on `backend` (a comma-separated list; every backend of this
/// build when `None`), as dicts.
#[pyfunction]
#[pyo3(signature = (backend=None))]
pub(crate) fn adapters<'py>(
    py: Python<'py>,
    backend: Option<&str>,
) -> PyResult<Vec<Bound<'py, PyDict>>> {
    let mut options = AdapterOptions::default();
    if let Some(backend) = backend {
        options.backends = Some(
            adapter::parse_backends(backend, "the `backend` argument")
                .map_err(|e| to_python(py, &e))?,
        );
    }
    let found = py.detach(|| pollster::block_on(adapter::matching(&options)));
    match found {
        Ok(found) => found
            .iter()
            .map(|adapter| describe(py, &adapter.get_info()))
            .collect(),
        // "None at all" is an answer here, not an error.
        Err(
            wgpu_sigmoid::Error::NoAdapter { .. } | wgpu_sigmoid::Error::NoMatchingAdapter { .. },
        ) => Ok(Vec::new()),
        Err(error) => Err(to_python(py, &error)),
    }
}

/// An adapter as `{name, backend, device_type, driver, driver_info, vendor, device}`.
fn describe<'py>(py: Python<'py>, info: &wgpu::AdapterInfo) -> PyResult<Bound<'py, PyDict>> {
    let device_type = match info.device_type {
        wgpu::DeviceType::DiscreteGpu => "discrete_gpu",
        wgpu::DeviceType::IntegratedGpu => "integrated_gpu",
        wgpu::DeviceType::VirtualGpu => "virtual_gpu",
        wgpu::DeviceType::Cpu => "cpu",
        wgpu::DeviceType::Other => "other",
    };
    let dict = PyDict::new(py);
    dict.set_item("name", &info.name)?;
    dict.set_item("backend", info.backend.to_str())?;
    dict.set_item("device_type", device_type)?;
    dict.set_item("driver", &info.driver)?;
    dict.set_item("driver_info", &info.driver_info)?;
    dict.set_item("vendor", info.vendor)?;
    dict.set_item("device", info.device)?;
    Ok(dict)
}
