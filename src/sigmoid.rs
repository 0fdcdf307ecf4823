//! [`Sigmoid`]: a device, its compiled kernels and reusable buffers, and the host-facing
//! `forward` calls.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::Error;
use crate::adapter::{self, AdapterOptions};
use crate::element::{Element, HalfFloat};
use crate::kernel::{self, Kernels, Pass};
use crate::scopes::ErrorScopes;
use crate::transfer::{Slot, TransferPath};

/// Tuning knobs; the defaults suit every adapter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Most elements per piece of a host call (`forward` and friends). Longer inputs
    /// are split into pieces that overlap: while the GPU works on one, the host copies
    /// the next one in and the previous one out. Clamped to what one storage binding and
    /// one buffer of the device can hold (128 MiB, 32 Mi elements, on lavapipe) and to
    /// what `max_workgroups_per_dimension`² workgroups cover.
    ///
    /// Memory held between calls is at most `pieces_in_flight` slots of this many
    /// elements, each slot 2 buffers on the mapped path and 4 on the staged path
    /// (defaults: 3 × 4 Mi × 4 B × 4 = 192 MiB staged, 96 MiB mapped); short inputs only
    /// allocate what they need.
    pub max_chunk_elements: u64,
    /// Pieces in flight at once (at least 1): 3 lets the upload of piece k + 1, the
    /// kernel on piece k and the readback of piece k − 1 overlap.
    pub pieces_in_flight: usize,
    /// How data reaches the kernel; `None` picks [`TransferPath::preferred`] for the
    /// device. Asking for a path the device cannot do gives [`Error::Unsupported`].
    pub transfer: Option<TransferPath>,
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
            max_chunk_elements: 4 << 20,
            pieces_in_flight: 3,
            transfer: None,
            max_workgroups_per_dimension: u32::MAX,
            timeout: Duration::from_secs(120),
        }
    }
}

/// What an instance has created and submitted so far: the proof that the hot path
/// reuses its buffers and bind groups, and submits once per piece.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Device buffers created for host calls (transfer slots).
    pub buffers_created: u64,
    /// Bind groups created for host calls.
    pub bind_groups_created: u64,
    /// Queue submissions made by host calls.
    pub submissions: u64,
}

#[derive(Debug, Default)]
struct Counters {
    buffers_created: AtomicU64,
    bind_groups_created: AtomicU64,
    submissions: AtomicU64,
}

/// Sigmoid on a GPU: the device, the compiled kernels and the buffers reused between
/// calls. Create it once and call it many times; it is `Send + Sync`, and concurrent
/// calls take turns on its buffers.
///
/// A call copies the input into GPU-visible memory, runs the kernel and copies the
/// result out, by the [`TransferPath`] chosen for the device, in overlapping pieces
/// for long inputs; after the first call of a given length it creates no buffers,
/// bind groups or pipelines, and each piece is one queue submission.
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
    /// Most elements one dispatch covers (binding and grid limits).
    dispatch_elements: u64,
    /// Elements per piece of a host call.
    chunk_elements: u64,
    pieces_in_flight: usize,
    transfer: TransferPath,
    max_workgroups_per_dimension: u32,
    timeout: Duration,
    counters: Counters,
    /// The slots pieces go through, reused by every call; emptied after a failure.
    ring: futures_intrusive::sync::Mutex<Ring>,
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
        let dispatch_elements = dispatch_elements(&limits, max_workgroups_per_dimension);
        let transfer = match options.transfer {
            None => TransferPath::preferred(info.device_type, device.features()),
            Some(path) if path.is_supported(device.features()) => path,
            Some(path) => {
                return Err(Error::Unsupported(format!(
                    "transfer path {path:?} on adapter `{}`: the device lacks \
                     MAPPABLE_PRIMARY_BUFFERS",
                    info.name
                )));
            }
        };
        Ok(Sigmoid {
            device,
            queue,
            kernels,
            dispatch_elements,
            chunk_elements: align_down(dispatch_elements.min(options.max_chunk_elements), &limits),
            pieces_in_flight: options.pieces_in_flight.max(1),
            transfer,
            max_workgroups_per_dimension,
            timeout: options.timeout,
            ring: futures_intrusive::sync::Mutex::new(Ring::default(), true),
            counters: Counters::default(),
            lost,
            info,
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

    /// Elements per piece of a host call; longer inputs are processed in pieces.
    #[must_use]
    pub fn chunk_elements(&self) -> u64 {
        self.chunk_elements
    }

    /// Counts of what host calls have created and submitted so far.
    #[must_use]
    pub fn stats(&self) -> Stats {
        let c = &self.counters;
        Stats {
            buffers_created: c.buffers_created.load(Ordering::Relaxed),
            bind_groups_created: c.bind_groups_created.load(Ordering::Relaxed),
            submissions: c.submissions.load(Ordering::Relaxed),
        }
    }

    /// Frees the transfer buffers kept between calls (they are made again, at the size
    /// needed, by the next call). Waits for a call in progress to finish first.
    pub fn release_buffers(&self) {
        pollster::block_on(self.ring.lock()).slots.clear();
    }

    /// Pieces of a long host call in flight at once.
    #[must_use]
    pub fn pieces_in_flight(&self) -> usize {
        self.pieces_in_flight
    }

    /// How this instance moves data between host slices and the kernel.
    #[must_use]
    pub fn transfer_path(&self) -> TransferPath {
        self.transfer
    }

    /// `sigmoid(x)` into a new vector.
    ///
    /// The new vector's memory is fresh: the OS maps each page on first write (about
    /// 1 ms per MiB on the CI machine). For throughput on repeated large calls, keep an
    /// output and use [`Sigmoid::forward_into`].
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

    /// `sigmoid(x)` for 16-bit floats (`half::f16` or `half::bf16`) into a new vector,
    /// on every adapter (no `SHADER_F16` needed): each element is widened to `f32`
    /// exactly, computed as by [`Sigmoid::forward`], and rounded once to its type;
    /// NaN, ±inf, ±0 and subnormals behave as for `f32`.
    pub fn forward_half<T: HalfFloat>(&self, x: &[T]) -> Result<Vec<T>, Error> {
        let mut y = vec![T::zeroed(); x.len()];
        pollster::block_on(self.run(Some(x), &mut y))?;
        Ok(y)
    }

    /// [`Sigmoid::forward_half`] into `y`, which must have the same length.
    pub fn forward_half_into<T: HalfFloat>(&self, x: &[T], y: &mut [T]) -> Result<(), Error> {
        if x.len() != y.len() {
            return Err(Error::LengthMismatch {
                input: x.len(),
                output: y.len(),
            });
        }
        pollster::block_on(self.run(Some(x), y))
    }

    /// [`Sigmoid::forward_half`] replacing every element of `x`.
    pub fn forward_half_in_place<T: HalfFloat>(&self, x: &mut [T]) -> Result<(), Error> {
        pollster::block_on(self.run(None, x))
    }

    /// The gradient for backpropagation, `dx = dy · y · (1 − y)`, from the forward
    /// output `y` and the upstream gradient `dy` (same length), in one fused kernel.
    ///
    /// Computed in `f32` as `dy * (y * (1 - y))`: at most three roundings, each of
    /// relative error ≤ 2⁻²⁴, so for finite inputs and normal results the error is at
    /// most 3 ULP (tested bound; usually 0 or 1). Non-finite inputs follow IEEE
    /// arithmetic where the adapter does (WGSL does not promise it).
    pub fn backward(&self, y: &[f32], dy: &[f32]) -> Result<Vec<f32>, Error> {
        let mut dx = vec![0.0; y.len()];
        self.backward_into(y, dy, &mut dx)?;
        Ok(dx)
    }

    /// [`Sigmoid::backward`] into `dx`; all three slices must have the same length.
    pub fn backward_into(&self, y: &[f32], dy: &[f32], dx: &mut [f32]) -> Result<(), Error> {
        self.backward_typed(y, dy, dx)
    }

    /// [`Sigmoid::backward`] for 16-bit floats: widened exactly, computed in `f32`,
    /// rounded once to `T` (at most 1 ULP of `T` off for normal results).
    pub fn backward_half<T: HalfFloat>(&self, y: &[T], dy: &[T]) -> Result<Vec<T>, Error> {
        let mut dx = vec![T::zeroed(); y.len()];
        self.backward_typed(y, dy, &mut dx)?;
        Ok(dx)
    }

    /// [`Sigmoid::backward_half`] into `dx`; all three slices must have the same
    /// length.
    pub fn backward_half_into<T: HalfFloat>(
        &self,
        y: &[T],
        dy: &[T],
        dx: &mut [T],
    ) -> Result<(), Error> {
        self.backward_typed(y, dy, dx)
    }

    fn backward_typed<T: Element>(&self, y: &[T], dy: &[T], dx: &mut [T]) -> Result<(), Error> {
        for other in [dy.len(), dx.len()] {
            if other != y.len() {
                return Err(Error::LengthMismatch {
                    input: y.len(),
                    output: other,
                });
            }
        }
        pollster::block_on(self.run_pass(T::BACKWARD, Source::Two(y, dy), dx))
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

    /// Sigmoid of `input` (or of `output` itself when `input` is `None`) into `output`.
    async fn run<T: Element>(&self, input: Option<&[T]>, output: &mut [T]) -> Result<(), Error> {
        let source = match input {
            Some(x) => Source::One(x),
            None => Source::InPlace,
        };
        self.run_pass(T::PASS, source, output).await
    }

    /// `pass` reading `source` into `output`, through the ring.
    async fn run_pass<T: Element>(
        &self,
        pass: Pass,
        source: Source<'_, T>,
        output: &mut [T],
    ) -> Result<(), Error> {
        if output.is_empty() {
            return Ok(());
        }
        self.check_not_lost()?;
        let mut ring = self.ring.lock().await;
        if ring.interrupted {
            // A previous call's future was dropped mid-way: its slots may hold pieces
            // in flight whose results belong to nobody now.
            ring.slots.clear();
        }
        ring.interrupted = true;
        let result = self.pipeline(&mut ring.slots, pass, source, output).await;
        match &result {
            Ok(()) => ring.interrupted = false,
            // Slots may be left half-way through a piece (unmapped, or with mappings
            // pending); the next call starts from fresh ones.
            Err(_) => {
                ring.slots.clear();
                ring.interrupted = false;
            }
        }
        result.map_err(|e| self.explain(e))
    }

    /// Pushes the pieces of `output` through the ring: before piece k goes into slot
    /// k mod depth, that slot's previous piece (k − depth) is waited for and copied
    /// out, so up to `depth` pieces are on the GPU while the host copies.
    async fn pipeline<T: Element>(
        &self,
        ring: &mut Vec<Option<Slot>>,
        pass: Pass,
        source: Source<'_, T>,
        output: &mut [T],
    ) -> Result<(), Error> {
        let size = size_of::<T>();
        let piece = usize::try_from(self.chunk_elements).unwrap_or(usize::MAX);
        let pieces = output.len().div_ceil(piece);
        let depth = self.pieces_in_flight.min(pieces);
        if ring.len() < depth {
            ring.resize_with(depth, || None);
        }
        for k in 0..pieces {
            let entry = &mut ring[k % depth];
            if let Some(slot) = entry {
                let bytes = bytemuck::cast_slice_mut(output);
                slot.finish(&self.device, self.timeout, bytes).await?;
            }
            let start = k * piece;
            let end = output.len().min(start + piece);
            let inputs = match source {
                Source::InPlace => [Some(&output[start..end]), None],
                Source::One(x) => [Some(&x[start..end]), None],
                Source::Two(y, dy) => [Some(&y[start..end]), Some(&dy[start..end])],
            };
            let scopes = ErrorScopes::push(&self.device);
            let submitted = self.submit_piece(entry, pass, &inputs, start * size);
            // A wgpu error (e.g. out of memory creating a slot) explains any failure
            // that followed from it, so it takes precedence.
            scopes.pop().await?;
            submitted?;
        }
        for k in pieces.saturating_sub(depth)..pieces {
            if let Some(slot) = &mut ring[k % depth] {
                let bytes = bytemuck::cast_slice_mut(output);
                slot.finish(&self.device, self.timeout, bytes).await?;
            }
        }
        Ok(())
    }

    /// Copies `inputs` (one piece of each, for the output's bytes from `start`) into
    /// `entry`'s slot, one after the other at aligned offsets, growing the slot first
    /// if needed, and submits its transfers and the kernel `pass`.
    fn submit_piece<T: Element>(
        &self,
        entry: &mut Option<Slot>,
        pass: Pass,
        inputs: &[Option<&[T]>; 2],
        start: usize,
    ) -> Result<(), Error> {
        let len = inputs[0].map_or(0, <[T]>::len);
        let piece_bytes = len * size_of::<T>();
        let alignment = self.kernels.offset_alignment();
        let stride = (piece_bytes as u64).div_ceil(alignment) * alignment;
        // (offset in the slot's input buffer, bytes) of each input.
        let uploads: Vec<(u64, &[u8])> = inputs
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, x)| (i as u64 * stride, bytemuck::cast_slice(x)))
            .collect();
        let needed = stride * (uploads.len() as u64 - 1) + piece_bytes as u64;
        let len = len as u64;
        let slot = match entry {
            Some(slot) if slot.capacity >= needed => slot,
            _ => {
                // Grow geometrically so that slowly rising lengths reallocate rarely;
                // the old slot is dropped before the new one is allocated.
                let grown = entry
                    .take()
                    .map_or(needed, |old| (old.capacity * 2).max(needed))
                    .min((self.chunk_elements * 4 * uploads.len() as u64 + stride).max(needed));
                let slot = Slot::new(&self.device, self.transfer, grown);
                self.counters
                    .buffers_created
                    .fetch_add(slot.buffer_count(), Ordering::Relaxed);
                entry.insert(slot)
            }
        };
        slot.upload(&uploads)?;
        let bindings = slot.bindings(pass, len, |input, output| {
            let inputs: Vec<(&wgpu::Buffer, u64)> =
                uploads.iter().map(|&(offset, _)| (input, offset)).collect();
            let made = self
                .kernels
                .bindings(&self.device, pass, &inputs, (output, 0), len);
            self.counters
                .bind_groups_created
                .fetch_add(made.count(), Ordering::Relaxed);
            made
        });
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("wgpu-sigmoid.forward"),
            });
        slot.record_copies(&mut encoder, needed as usize, true);
        self.kernels.record(
            &mut encoder,
            pass,
            &bindings,
            self.max_workgroups_per_dimension,
        );
        slot.record_copies(&mut encoder, piece_bytes, false);
        let submission = self.queue.submit([encoder.finish()]);
        self.counters.submissions.fetch_add(1, Ordering::Relaxed);
        slot.submitted(submission, start, piece_bytes);
        Ok(())
    }

    /// Records `pass` over `len` elements of `inputs` and `output` (buffer, byte
    /// offset; the same range for in place) as one compute pass, in as many dispatches
    /// as the binding limit needs, with optional timestamps around the pass. Offsets
    /// must meet the storage offset alignment; the caller has checked the ranges.
    pub(crate) fn record_range(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        pass: Pass,
        inputs: &[(&wgpu::Buffer, u64)],
        (output, output_offset): (&wgpu::Buffer, u64),
        len: u64,
        timestamp_writes: Option<wgpu::ComputePassTimestampWrites<'_>>,
    ) {
        let mut compute = kernel::begin_pass(encoder, timestamp_writes);
        let size = pass.element_bytes();
        // Every dispatch but the last starts the next at an aligned offset.
        let unit = (self.kernels.offset_alignment() / size).max(1);
        let step = (self.dispatch_elements / unit * unit).max(unit);
        let mut first = 0;
        while first < len {
            let n = step.min(len - first);
            let shifted: Vec<(&wgpu::Buffer, u64)> = inputs
                .iter()
                .map(|&(buffer, offset)| (buffer, offset + first * size))
                .collect();
            let bindings = self.kernels.bindings(
                &self.device,
                pass,
                &shifted,
                (output, output_offset + first * size),
                n,
            );
            self.kernels.dispatch(
                &mut compute,
                pass,
                &bindings,
                self.max_workgroups_per_dimension,
            );
            first += n;
        }
    }

    /// Most elements one dispatch covers (one storage binding, the workgroup grid);
    /// device-resident work on longer ranges is split into several dispatches.
    #[must_use]
    pub fn dispatch_elements(&self) -> u64 {
        self.dispatch_elements
    }

    /// Runs `f` inside error scopes and returns its result, or the wgpu error it caused
    /// (explained as device loss where that is the cause).
    pub(crate) fn scoped<T>(&self, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
        let scopes = ErrorScopes::push(&self.device);
        let result = f();
        let caught = pollster::block_on(scopes.pop());
        caught.and(result).map_err(|e| self.explain(e))
    }

    /// The time limit for one wait on the GPU.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
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
    pub(crate) fn explain(&self, error: Error) -> Error {
        if matches!(error, Error::DeviceLost(_) | Error::LengthMismatch { .. }) {
            return error;
        }
        // The device-lost callback fires from a poll; give it the chance to run.
        let _ = self.device.poll(wgpu::PollType::Poll);
        if let Some(reason) = self.lost_reason() {
            return Error::DeviceLost(reason);
        }
        // A caller's device has no callback of ours: ask the device itself.
        if self.device_is_lost() {
            return Error::DeviceLost(format!("the device is destroyed or lost ({error})"));
        }
        error
    }

    /// Whether the device is gone: on a lost or destroyed device new buffers are
    /// invalid (wgpu reports no error for that, per WebGPU), so mapping one fails.
    fn device_is_lost(&self) -> bool {
        let scopes = ErrorScopes::push(&self.device);
        let probe = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("wgpu-sigmoid.lost-probe"),
            size: 4,
            usage: wgpu::BufferUsages::MAP_WRITE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: true,
        });
        let lost = probe.get_mapped_range_mut(0..4).is_err();
        probe.destroy();
        // Whatever the probe stirred up is not the caller's business.
        let _ = pollster::block_on(scopes.pop());
        lost
    }
}

/// What a host call reads: the output itself, one input, or y and dy (the gradient).
#[derive(Clone, Copy)]
enum Source<'a, T> {
    InPlace,
    One(&'a [T]),
    Two(&'a [T], &'a [T]),
}

/// The transfer slots of an instance.
#[derive(Debug, Default)]
struct Ring {
    slots: Vec<Option<Slot>>,
    /// Set while a call runs; still set at the next call only if the previous call's
    /// future was dropped before it finished.
    interrupted: bool,
}

/// Most elements one dispatch covers: what one storage binding and one buffer hold and
/// what the workgroup grid covers, aligned as [`align_down`] says.
fn dispatch_elements(limits: &wgpu::Limits, max_workgroups: u32) -> u64 {
    let binding_elements = limits
        .max_storage_buffer_binding_size
        .min(limits.max_buffer_size)
        / 4;
    let grid = u64::from(max_workgroups);
    let grid_elements = grid
        * grid
        * u64::from(kernel::WORKGROUP_SIZE)
        * u64::from(kernel::ELEMENTS_PER_INVOCATION);
    align_down(binding_elements.min(grid_elements), limits)
}

/// Rounds down to a multiple of 64 elements (and of the storage offset alignment), so
/// that piece offsets in a device buffer meet the 256-byte alignment; at least one
/// such multiple.
fn align_down(elements: u64, limits: &wgpu::Limits) -> u64 {
    let alignment = u64::from(limits.min_storage_buffer_offset_alignment / 4).max(64);
    (elements / alignment * alignment).max(alignment)
}
