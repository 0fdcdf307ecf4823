//! [`Recorder`]: the device-side layer. It owns the compiled pipelines of one device and
//! records sigmoid and its gradient into a command encoder or a compute pass: no
//! blocking, no threads, no clocks. [`Sigmoid`](crate::Sigmoid) is the host layer on
//! top (pieces, transfers, waits); [`Sigmoid::recorder`](crate::Sigmoid::recorder) gives
//! its recorder.

use crate::kernel::{self, Bindings, Format, Kernels, Op};
use crate::liveness::Liveness;
use crate::scopes::LateErrors;
use crate::tensor::{GpuTensor, Owner};
use crate::{Config, Element, Error};

/// Where a [`Recorder`] records: a [`wgpu::CommandEncoder`], in a compute pass of its
/// own, or a [`wgpu::ComputePass`] you have open, whose pipeline and bind group 0 it then
/// leaves set to its own (set yours again before your next dispatch). The model is
/// wgpu-profiler's `ProfilerCommandRecorder`: one generic method serves both.
pub trait Recording {
    /// Runs `record` on a compute pass: a new one on an encoder, this one on a pass.
    fn in_pass(&mut self, record: &mut dyn FnMut(&mut wgpu::ComputePass<'_>));
}

impl Recording for wgpu::CommandEncoder {
    fn in_pass(&mut self, record: &mut dyn FnMut(&mut wgpu::ComputePass<'_>)) {
        record(&mut kernel::begin_pass(self));
    }
}

impl Recording for wgpu::ComputePass<'_> {
    fn in_pass(&mut self, record: &mut dyn FnMut(&mut wgpu::ComputePass<'_>)) {
        record(self);
    }
}

/// The compiled kernels on one device, and how to record them. Get it from
/// [`Sigmoid::recorder`](crate::Sigmoid::recorder); tensors are made by the
/// [`Sigmoid`](crate::Sigmoid) (`zeros`, `upload`, or a [view](GpuTensor::view) of your
/// buffer) and used with the recorder of the same instance.
#[derive(Debug)]
pub struct Recorder {
    pub(crate) device: wgpu::Device,
    pub(crate) queue: wgpu::Queue,
    pub(crate) kernels: Kernels,
    /// The instance's configuration (the dispatch limits are what recording reads).
    pub(crate) config: Config,
    /// Whether the device is gone.
    pub(crate) liveness: Liveness,
    /// wgpu errors reported after the call that caused them returned (the web).
    pub(crate) late_errors: LateErrors,
    /// The token the tensors of this instance carry.
    pub(crate) owner: Owner,
}

impl Recorder {
    /// Submits `output = sigmoid(input)` (same length and type) and returns without
    /// waiting; a later [`Sigmoid::download_async`](crate::Sigmoid::download_async) (or
    /// the blocking `download`) sees the result.
    /// The same tensor as both works in place.
    ///
    /// # Errors
    ///
    /// As [`Recorder::encode_forward`]; nothing is submitted then.
    pub fn forward_tensor<T: Element>(
        &self,
        input: &GpuTensor<T>,
        output: &GpuTensor<T>,
    ) -> Result<(), Error> {
        self.submit(|encoder| self.encode_forward(encoder, input, output))
    }

    /// Submits the gradient `dx = dy · y · (1 − y)` of three tensors of the same length
    /// (as [`Sigmoid::backward_async`](crate::Sigmoid::backward_async)) and returns without
    /// waiting.
    ///
    /// # Errors
    ///
    /// As [`Recorder::encode_backward`]; nothing is submitted then.
    pub fn backward_tensor<T: Element>(
        &self,
        y: &GpuTensor<T>,
        dy: &GpuTensor<T>,
        dx: &GpuTensor<T>,
    ) -> Result<(), Error> {
        self.submit(|encoder| self.encode_backward(encoder, y, dy, dx))
    }

    fn submit(
        &self,
        record: impl FnOnce(&mut wgpu::CommandEncoder) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.check_usable()?;
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("wgpu-sigmoid.tensor_op"),
            });
        record(&mut encoder)?;
        self.scoped(|| {
            self.queue.submit([encoder.finish()]);
            Ok(())
        })
    }

    /// Records `output = sigmoid(input)` for two tensors of the same length and type
    /// into `encoder` (your own, with your other passes; nothing runs until you submit
    /// it), as one compute pass. The same tensor for both is in place. Wrap ranges of
    /// your own buffers with [`GpuTensor::view`].
    ///
    /// Everything is checked before anything is recorded: on `Err` the encoder is as it
    /// was and stays usable. Any length works: ranges longer than one storage binding are
    /// split into several dispatches.
    ///
    /// ```
    /// # fn main() -> Result<(), wgpu_sigmoid::Error> {
    /// let sigmoid = wgpu_sigmoid::Sigmoid::new()?;
    /// let device = sigmoid.device();
    /// let buffer = device.create_buffer(&wgpu::BufferDescriptor {
    ///     label: Some("my activations"),
    ///     size: 1024,
    ///     usage: wgpu_sigmoid::TENSOR_USAGES,
    ///     mapped_at_creation: false,
    /// });
    /// let x = wgpu_sigmoid::GpuTensor::<f32>::view(&sigmoid, &buffer, 0, 256)?;
    /// let mut encoder = device.create_command_encoder(&Default::default());
    /// sigmoid.recorder().encode_forward(&mut encoder, &x, &x)?; // in place
    /// sigmoid.queue().submit([encoder.finish()]);
    /// assert_eq!(sigmoid.download(&x)?, vec![0.5; 256]);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::DeviceMismatch`] for a tensor of another device,
    /// [`Error::LengthMismatch`], [`Error::InvalidArgument`] for one buffer at two
    /// different offsets (WebGPU forbids binding one buffer as read-only and writable
    /// storage in the same dispatch), [`Error::Validation`] for a buffer wgpu refuses
    /// (destroyed, say).
    pub fn encode_forward<T: Element, R: Recording>(
        &self,
        recording: &mut R,
        input: &GpuTensor<T>,
        output: &GpuTensor<T>,
    ) -> Result<(), Error> {
        self.check_device("input", input)?;
        self.check_device("output", output)?;
        Error::check_lengths(("output", output.len), ("input", input.len))?;
        let same_buffer = input.buffer == output.buffer;
        if same_buffer && input.offset != output.offset {
            return Err(Error::InvalidArgument(format!(
                "input and output are the same buffer at different offsets ({} and {}): \
                 WebGPU forbids reading and writing one buffer in a dispatch through \
                 separate bindings; use separate buffers, or the same offset for in place",
                input.offset, output.offset
            )));
        }
        self.encode_op(recording, Op::Forward, &[input], output)
    }

    /// Records the gradient `dx = dy · y · (1 − y)` of three tensors of the same length
    /// into `encoder`, as [`Recorder::encode_forward`] records the forward pass. `dx` must be a
    /// buffer of its own: WebGPU forbids reading and writing one buffer in a dispatch.
    ///
    /// # Errors
    ///
    /// As [`Recorder::encode_forward`]; [`Error::InvalidArgument`] when `dx` shares a buffer
    /// with `y` or `dy`.
    pub fn encode_backward<T: Element, R: Recording>(
        &self,
        recording: &mut R,
        y: &GpuTensor<T>,
        dy: &GpuTensor<T>,
        dx: &GpuTensor<T>,
    ) -> Result<(), Error> {
        self.check_device("y", y)?;
        self.check_device("dy", dy)?;
        self.check_device("dx", dx)?;
        Error::check_lengths(("dy", dy.len), ("y", y.len))?;
        Error::check_lengths(("dx", dx.len), ("y", y.len))?;
        if dx.buffer == y.buffer || dx.buffer == dy.buffer {
            return Err(Error::InvalidArgument(
                "dx must not share a buffer with y or dy: WebGPU forbids reading and \
                 writing one buffer in a dispatch"
                    .into(),
            ));
        }
        self.encode_op(recording, Op::Backward, &[y, dy], dx)
    }

    /// Makes every bind group first (where wgpu refuses a buffer, before the encoder
    /// is touched), then records the pass.
    fn encode_op<T: Element, R: Recording>(
        &self,
        recording: &mut R,
        op: Op,
        inputs: &[&GpuTensor<T>],
        output: &GpuTensor<T>,
    ) -> Result<(), Error> {
        if output.len == 0 {
            return Ok(());
        }
        self.check_usable()?;
        let input_ranges: Vec<(&wgpu::Buffer, u64)> =
            inputs.iter().map(|t| (&t.buffer, t.offset)).collect();
        let dispatches = self.bind_range(
            (op, T::FORMAT),
            &input_ranges,
            (&output.buffer, output.offset),
            output.len,
        )?;
        self.record(recording, &dispatches);
        Ok(())
    }

    /// The bind groups of `kernel` over `len` elements of `inputs` and `output` (buffer,
    /// byte offset; the same range for in place), one per dispatch the binding limit
    /// needs, made inside error scopes: a buffer wgpu refuses (destroyed, say) is an
    /// error here, before anything is recorded. Offsets must meet the storage offset
    /// alignment; the caller has checked the ranges.
    pub(crate) fn bind_range(
        &self,
        kernel: (Op, Format),
        inputs: &[(&wgpu::Buffer, u64)],
        (output, output_offset): (&wgpu::Buffer, u64),
        len: u64,
    ) -> Result<Vec<Bindings>, Error> {
        let size = kernel.1.element_bytes();
        self.scoped(|| {
            self.dispatch_ranges(len, size)
                .map(|(first, n)| {
                    let shifted: Vec<(&wgpu::Buffer, u64)> = inputs
                        .iter()
                        .map(|&(buffer, offset)| (buffer, offset + first * size))
                        .collect();
                    self.kernels.bindings(
                        &self.device,
                        kernel,
                        &shifted,
                        (output, output_offset + first * size),
                        n,
                    )
                })
                .collect()
        })
    }

    /// `(first element, count)` of each dispatch over `len` elements of `element_bytes`
    /// bytes: at most `dispatch_elements` each, and every one but the last a whole
    /// number of the storage offset alignment, so that the next starts aligned.
    pub(crate) fn dispatch_ranges(
        &self,
        len: u64,
        element_bytes: u64,
    ) -> impl Iterator<Item = (u64, u64)> + use<> {
        let unit = (self.kernels.offset_alignment() / element_bytes).max(1);
        let step = (self.config.dispatch_elements / unit * unit).max(unit);
        let stride = usize::try_from(step).unwrap_or(usize::MAX);
        (0..len)
            .step_by(stride)
            .map(move |first| (first, step.min(len - first)))
    }

    /// Records the dispatches of [`Recorder::bind_range`] in one compute pass.
    pub(crate) fn record(&self, recording: &mut impl Recording, dispatches: &[Bindings]) {
        recording.in_pass(&mut |pass| {
            for bindings in dispatches {
                bindings.dispatch(pass, self.config.max_workgroups_per_dimension);
            }
        });
    }

    /// Runs `f` inside error scopes and returns its result, or the wgpu error it caused
    /// (explained as device loss where that is the cause). On the web the browser may
    /// report that error only after this returns: the next call returns it then.
    pub(crate) fn scoped<T>(&self, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
        self.late_errors
            .scoped(&self.device, f)
            .map_err(|e| self.explain(e))
    }

    /// [`Recorder::scoped`] for async calls, which await the scopes' answer.
    pub(crate) async fn scoped_async<T>(
        &self,
        f: impl FnOnce() -> Result<T, Error>,
    ) -> Result<T, Error> {
        crate::scopes::scoped(&self.device, f)
            .await
            .map_err(|e| self.explain(e))
    }

    /// `Err` once the device is gone ([`Error::DeviceLost`]), or with the error an
    /// earlier call caused and that was reported after it returned (the web); every
    /// call that needs the device asks first.
    pub(crate) fn check_usable(&self) -> Result<(), Error> {
        self.late_errors.take().map_err(|e| self.explain(e))?;
        self.liveness.check(&self.device)
    }

    /// Reports a failure as device loss when the device is gone, whatever wgpu called it.
    pub(crate) fn explain(&self, error: Error) -> Error {
        self.liveness.explain(&self.device, error)
    }

    pub(crate) fn check_device<T: Element>(
        &self,
        argument: &'static str,
        tensor: &GpuTensor<T>,
    ) -> Result<(), Error> {
        if tensor.owner.same(&self.owner) {
            return Ok(());
        }
        Err(Error::DeviceMismatch {
            argument,
            tensor_adapter: tensor.owner.adapter.clone(),
            adapter: self.owner.adapter.clone(),
        })
    }
}
