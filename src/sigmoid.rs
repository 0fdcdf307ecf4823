//! [`Sigmoid`]: a device, its compiled kernels and reusable buffers, and the host-facing
//! `forward` calls.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::Error;
use crate::adapter::{self, AdapterOptions};
use crate::buffers::{self, ChunkBuffers};
use crate::kernel::{self, Kernels, Pass};

/// Tuning knobs; the defaults suit every adapter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Most elements processed per dispatch. Clamped to what one storage binding and one
    /// buffer of the device can hold (128 MiB, 32 Mi elements, on lavapipe), and to what
    /// `max_workgroups_per_dimension`² workgroups cover. Longer inputs are processed in
    /// pieces of this size; device memory use is about three times this many `f32`s.
    pub max_chunk_elements: u64,
    /// Most workgroups per dimension of a dispatch; clamped to the device's limit
    /// (65 535 on most). Lowering it only serves to test the 2-D grid fold.
    pub max_workgroups_per_dimension: u32,
    /// How long to wait for the GPU to finish one piece before returning
    /// [`Error::Timeout`].
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_chunk_elements: 64 << 20,
            max_workgroups_per_dimension: u32::MAX,
            timeout: Duration::from_secs(120),
        }
    }
}

/// Sigmoid on a GPU: the device, the compiled kernels and the buffers reused between
/// calls. Create it once and call it many times; it is `Send + Sync`, and concurrent
/// calls take turns on its buffers.
///
/// Every result is within 1 ULP of the correctly rounded sigmoid on the adapters tested
/// (see the README's accuracy table); NaN gives the same NaN quieted, `+inf` gives 1,
/// `-inf` gives 0, and subnormal results are not flushed.
#[derive(Debug)]
pub struct Sigmoid {
    device: wgpu::Device,
    queue: wgpu::Queue,
    info: wgpu::AdapterInfo,
    kernels: Kernels,
    chunk_elements: u64,
    max_workgroups_per_dimension: u32,
    timeout: Duration,
    buffers: futures_intrusive::sync::Mutex<Option<ChunkBuffers>>,
    /// Set by the device-lost callback (only on devices this crate created).
    lost: Arc<Mutex<Option<String>>>,
}

impl Sigmoid {
    /// Opens the default adapter (honouring `WGPU_BACKEND`, `WGPU_ADAPTER_NAME` and
    /// `WGPU_POWER_PREF`) and compiles the kernels. Blocks until done.
    pub fn new() -> Result<Sigmoid, Error> {
        pollster::block_on(Sigmoid::new_async())
    }

    /// Async form of [`Sigmoid::new`].
    pub async fn new_async() -> Result<Sigmoid, Error> {
        Sigmoid::with_adapter(&AdapterOptions::from_env(), Options::default()).await
    }

    /// Opens the adapter that `adapter_options` selects, with the given options.
    pub async fn with_adapter(
        adapter_options: &AdapterOptions,
        options: Options,
    ) -> Result<Sigmoid, Error> {
        let adapter = adapter::select(adapter_options).await?;
        let (device, queue) = adapter::open_device(&adapter).await?;
        let lost = Arc::new(Mutex::new(None));
        let lost_in_callback = Arc::clone(&lost);
        device.set_device_lost_callback(move |reason, message| {
            *lost_in_callback
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(format!("{reason:?}: {message}"));
        });
        // Every operation of this crate runs inside error scopes; anything that escapes
        // them is reported, not turned into a panic.
        device.on_uncaptured_error(Arc::new(|error| {
            eprintln!("wgpu-sigmoid: uncaptured wgpu error: {error}");
        }));
        Sigmoid::build(device, queue, adapter.get_info(), options, lost)
    }

    /// Uses the caller's own device and queue (e.g. a renderer's), with default options.
    /// The caller's error handlers and device-lost callback are left untouched.
    pub fn with_device(device: wgpu::Device, queue: wgpu::Queue) -> Result<Sigmoid, Error> {
        Sigmoid::with_device_and_options(device, queue, Options::default())
    }

    /// Uses the caller's own device and queue, with the given options.
    pub fn with_device_and_options(
        device: wgpu::Device,
        queue: wgpu::Queue,
        options: Options,
    ) -> Result<Sigmoid, Error> {
        let info = device.adapter_info();
        Sigmoid::build(device, queue, info, options, Arc::new(Mutex::new(None)))
    }

    fn build(
        device: wgpu::Device,
        queue: wgpu::Queue,
        info: wgpu::AdapterInfo,
        options: Options,
        lost: Arc<Mutex<Option<String>>>,
    ) -> Result<Sigmoid, Error> {
        let scopes = ErrorScopes::push(&device);
        let kernels = Kernels::new(&device);
        pollster::block_on(scopes.pop())?;

        let limits = device.limits();
        let max_workgroups_per_dimension = options
            .max_workgroups_per_dimension
            .min(limits.max_compute_workgroups_per_dimension)
            .max(1);
        let chunk_elements = chunk_elements(&limits, &options, max_workgroups_per_dimension);
        Ok(Sigmoid {
            device,
            queue,
            info,
            kernels,
            chunk_elements,
            max_workgroups_per_dimension,
            timeout: options.timeout,
            buffers: futures_intrusive::sync::Mutex::new(None, true),
            lost,
        })
    }

    /// The adapter this instance runs on.
    #[must_use]
    pub fn adapter_info(&self) -> &wgpu::AdapterInfo {
        &self.info
    }

    /// The device this instance runs on.
    #[must_use]
    pub fn device(&self) -> &wgpu::Device {
        &self.device
    }

    /// The queue this instance submits to.
    #[must_use]
    pub fn queue(&self) -> &wgpu::Queue {
        &self.queue
    }

    /// Elements processed per dispatch; longer inputs are processed in pieces.
    #[must_use]
    pub fn chunk_elements(&self) -> u64 {
        self.chunk_elements
    }

    /// `sigmoid(x)` into a new vector.
    pub fn forward(&self, x: &[f32]) -> Result<Vec<f32>, Error> {
        pollster::block_on(self.forward_async(x))
    }

    /// `sigmoid(x)` into `y`, which must have the same length.
    pub fn forward_into(&self, x: &[f32], y: &mut [f32]) -> Result<(), Error> {
        pollster::block_on(self.forward_into_async(x, y))
    }

    /// Replaces every element of `x` with its sigmoid.
    pub fn forward_in_place(&self, x: &mut [f32]) -> Result<(), Error> {
        pollster::block_on(self.forward_in_place_async(x))
    }

    /// Async form of [`Sigmoid::forward`]. On native backends the wait for the GPU
    /// happens inside `wgpu::Device::poll`, which blocks the calling thread.
    pub async fn forward_async(&self, x: &[f32]) -> Result<Vec<f32>, Error> {
        let mut y = vec![0.0; x.len()];
        self.run(Some(x), &mut y).await?;
        Ok(y)
    }

    /// Async form of [`Sigmoid::forward_into`].
    pub async fn forward_into_async(&self, x: &[f32], y: &mut [f32]) -> Result<(), Error> {
        if x.len() != y.len() {
            return Err(Error::LengthMismatch {
                input: x.len(),
                output: y.len(),
            });
        }
        self.run(Some(x), y).await
    }

    /// Async form of [`Sigmoid::forward_in_place`].
    pub async fn forward_in_place_async(&self, x: &mut [f32]) -> Result<(), Error> {
        self.run(None, x).await
    }

    /// Sigmoid of `input` (or of `output` itself when `input` is `None`) into `output`,
    /// one chunk at a time: upload, dispatch, copy to the readback buffer, submit, map,
    /// copy out.
    async fn run(&self, input: Option<&[f32]>, output: &mut [f32]) -> Result<(), Error> {
        if output.is_empty() {
            return Ok(());
        }
        self.check_not_lost()?;
        let chunk = usize::try_from(self.chunk_elements).unwrap_or(usize::MAX);
        let mut slot = self.buffers.lock().await;
        for start in (0..output.len()).step_by(chunk) {
            let end = output.len().min(start + chunk);
            let len = (end - start) as u64;

            let scopes = ErrorScopes::push(&self.device);
            let buffers = match slot.take() {
                Some(buffers) if buffers.capacity >= len => buffers,
                // Drop the old buffers before allocating larger ones.
                old => {
                    let grown = old.map_or(len, |b| (b.capacity * 2).max(len));
                    ChunkBuffers::new(&self.device, grown.min(self.chunk_elements))
                }
            };
            let source = match input {
                Some(x) => &x[start..end],
                None => &output[start..end],
            };
            self.queue
                .write_buffer(&buffers.input, 0, bytemuck::cast_slice(source));
            let bind_group =
                self.kernels
                    .bind_group(&self.device, &buffers.input, &buffers.output, 0, len);
            let mut encoder = self
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("wgpu-sigmoid.forward"),
                });
            self.kernels.record(
                &mut encoder,
                Pass::Sigmoid,
                &bind_group,
                len,
                self.max_workgroups_per_dimension,
            );
            encoder.copy_buffer_to_buffer(&buffers.output, 0, &buffers.readback, 0, len * 4);
            let submission = self.queue.submit([encoder.finish()]);
            if let Err(error) = scopes.pop().await {
                return Err(self.explain(error));
            }
            let result = buffers::read_back(
                &self.device,
                &buffers.readback,
                submission,
                self.timeout,
                &mut output[start..end],
            )
            .await;
            result.map_err(|e| self.explain(e))?;
            *slot = Some(buffers);
        }
        Ok(())
    }

    /// Records `pass` over `len` elements of device buffers `input` and `output` (both
    /// holding `len` rounded up to 4 elements), in as many dispatches as the binding
    /// limit needs. Used by the benchmarks to time the kernel without transfers.
    pub(crate) fn record_chunked(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        pass: Pass,
        input: &wgpu::Buffer,
        output: &wgpu::Buffer,
        len: u64,
    ) {
        let mut first = 0;
        while first < len {
            let n = self.chunk_elements.min(len - first);
            let bind_group = self
                .kernels
                .bind_group(&self.device, input, output, first, n);
            self.kernels.record(
                encoder,
                pass,
                &bind_group,
                n,
                self.max_workgroups_per_dimension,
            );
            first += n;
        }
    }

    fn lost_reason(&self) -> Option<String> {
        self.lost
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn check_not_lost(&self) -> Result<(), Error> {
        match self.lost_reason() {
            Some(reason) => Err(Error::DeviceLost(reason)),
            None => Ok(()),
        }
    }

    /// Reports a failure as device loss when the device is gone, whatever wgpu called it.
    fn explain(&self, error: Error) -> Error {
        // The device-lost callback fires from a poll; give it the chance to run.
        let _ = self.device.poll(wgpu::PollType::Poll);
        self.lost_reason().map_or(error, Error::DeviceLost)
    }
}

/// Largest chunk: what one storage binding and one buffer hold, what the workgroup grid
/// covers, and the caller's cap; a multiple of 64 elements so that chunk offsets in a
/// device buffer meet the 256-byte storage offset alignment.
fn chunk_elements(limits: &wgpu::Limits, options: &Options, max_workgroups: u32) -> u64 {
    let binding_elements = limits
        .max_storage_buffer_binding_size
        .min(limits.max_buffer_size)
        / 4;
    let grid = u64::from(max_workgroups);
    let grid_elements = grid
        * grid
        * u64::from(kernel::WORKGROUP_SIZE)
        * u64::from(kernel::ELEMENTS_PER_INVOCATION);
    let alignment = u64::from(limits.min_storage_buffer_offset_alignment / 4).max(64);
    let elements = binding_elements
        .min(grid_elements)
        .min(options.max_chunk_elements);
    (elements / alignment * alignment).max(alignment)
}

/// Validation, out-of-memory and internal error scopes around one batch of work.
struct ErrorScopes {
    validation: wgpu::ErrorScopeGuard,
    out_of_memory: wgpu::ErrorScopeGuard,
    internal: wgpu::ErrorScopeGuard,
}

impl ErrorScopes {
    fn push(device: &wgpu::Device) -> ErrorScopes {
        ErrorScopes {
            validation: device.push_error_scope(wgpu::ErrorFilter::Validation),
            out_of_memory: device.push_error_scope(wgpu::ErrorFilter::OutOfMemory),
            internal: device.push_error_scope(wgpu::ErrorFilter::Internal),
        }
    }

    /// Pops the scopes (innermost first, on this thread, before any await) and returns
    /// the first error caught.
    async fn pop(self) -> Result<(), Error> {
        let internal = self.internal.pop();
        let out_of_memory = self.out_of_memory.pop();
        let validation = self.validation.pop();
        let caught = [out_of_memory.await, validation.await, internal.await];
        match caught.into_iter().flatten().next() {
            Some(error) => Err(Error::from_wgpu(error)),
            None => Ok(()),
        }
    }
}
