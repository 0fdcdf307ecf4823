//! The blocking forms of the host calls: each waits for its async form's work on the
//! calling thread. Compiled only where threads exist (not on the web, where nothing
//! may block the browser's event loop: use the `_async` forms there).

use crate::kernel::Op;
use crate::sigmoid::{Source, check_output};
use crate::tensor::GpuTensor;
use crate::waiting::Waiting;
use crate::{Element, Error, Sigmoid, SigmoidBuilder};

impl SigmoidBuilder {
    /// Opens the adapter, creates a device on it and compiles the kernels: blocks until
    /// [`SigmoidBuilder::build_async`] is done.
    ///
    /// # Errors
    ///
    /// As [`SigmoidBuilder::build_async`].
    pub fn build(self) -> Result<Sigmoid, Error> {
        pollster::block_on(self.build_async())
    }
}

impl Sigmoid {
    /// Opens the default adapter (honouring `WGPU_BACKEND`, `WGPU_ADAPTER_NAME` and
    /// `WGPU_POWER_PREF`) with default options, and compiles the kernels. Blocks until
    /// done; [`Sigmoid::builder`] chooses otherwise.
    ///
    /// # Errors
    ///
    /// As [`SigmoidBuilder::build_async`].
    pub fn new() -> Result<Sigmoid, Error> {
        Sigmoid::builder().build()
    }

    /// `sigmoid(x)` into a new vector.
    ///
    /// The new vector's memory is fresh: the OS maps each page on first write (about
    /// 1 ms per MiB on the CI machine). For throughput on repeated large calls, keep an
    /// output and use [`Sigmoid::forward_into`].
    ///
    /// ```
    /// # fn main() -> Result<(), wgpu_sigmoid::Error> {
    /// use wgpu_sigmoid::half::f16;
    /// let sigmoid = wgpu_sigmoid::Sigmoid::new()?;
    /// assert_eq!(sigmoid.forward(&[0.0f32])?, [0.5]);
    /// assert_eq!(sigmoid.forward(&[f16::from_f32(0.0)])?, [f16::from_f32(0.5)]);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// A GPU failure ([`Error::DeviceLost`], [`Error::Timeout`], …).
    pub fn forward<T: Element>(&self, x: &[T]) -> Result<Vec<T>, Error> {
        let mut y = vec![T::zeroed(); x.len()];
        pollster::block_on(self.run(Op::Forward, Source::One(x), &mut y, Waiting::Block))?;
        Ok(y)
    }

    /// `sigmoid(x)` into `y`, which must have the same length.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`], or a GPU failure.
    pub fn forward_into<T: Element>(&self, x: &[T], y: &mut [T]) -> Result<(), Error> {
        check_output(x, y)?;
        pollster::block_on(self.run(Op::Forward, Source::One(x), y, Waiting::Block))
    }

    /// Replaces every element of `x` with its sigmoid.
    ///
    /// # Errors
    ///
    /// A GPU failure; `x` may then hold some results and some inputs.
    pub fn forward_in_place<T: Element>(&self, x: &mut [T]) -> Result<(), Error> {
        pollster::block_on(self.run(Op::Forward, Source::InPlace, x, Waiting::Block))
    }

    /// The gradient for backpropagation, `dx = dy · y · (1 − y)`, from the forward
    /// output `y` and the upstream gradient `dy` (same length), in one fused kernel.
    ///
    /// Computed in `f32` as `dy * (y * (1 - y))`: at most three roundings, each of
    /// relative error ≤ 2⁻²⁴, so for finite inputs and normal results the error is at
    /// most 3 ULP (tested bound; usually 0 or 1); 16-bit types are widened exactly and
    /// rounded once to their type. Non-finite inputs follow IEEE arithmetic where the
    /// adapter does (WGSL does not promise it).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`], or a GPU failure.
    pub fn backward<T: Element>(&self, y: &[T], dy: &[T]) -> Result<Vec<T>, Error> {
        let mut dx = vec![T::zeroed(); y.len()];
        self.backward_into(y, dy, &mut dx)?;
        Ok(dx)
    }

    /// [`Sigmoid::backward`] into `dx`; all three slices must have the same length.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`], or a GPU failure.
    pub fn backward_into<T: Element>(&self, y: &[T], dy: &[T], dx: &mut [T]) -> Result<(), Error> {
        pollster::block_on(self.backward_with(y, dy, dx, Waiting::Block))
    }

    /// The elements of `tensor`, after all work submitted so far.
    ///
    /// # Errors
    ///
    /// As [`Sigmoid::download_into`].
    pub fn download<T: Element>(&self, tensor: &GpuTensor<T>) -> Result<Vec<T>, Error> {
        let mut out = crate::tensor::host_vec(tensor)?;
        self.download_into(tensor, &mut out)?;
        Ok(out)
    }

    /// Copies the elements of `tensor` into `out` (same length), after all work
    /// submitted so far. Goes through one staging buffer of at most one piece.
    ///
    /// # Errors
    ///
    /// [`Error::DeviceMismatch`], [`Error::LengthMismatch`], [`Error::InvalidArgument`]
    /// for a view without `COPY_SRC` usage, or a GPU failure.
    pub fn download_into<T: Element>(
        &self,
        tensor: &GpuTensor<T>,
        out: &mut [T],
    ) -> Result<(), Error> {
        pollster::block_on(self.read_tensor(tensor, out, Waiting::Block))
    }
}
