//! [`Sigmoid`]: a device, its compiled kernels and reusable buffers, and the calls on
//! host slices.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::adapter::{self, AdapterOptions};
use crate::kernel::{self, DispatchShape, Format, Kernels, Op};
use crate::liveness::Liveness;
use crate::recorder::Recorder;
use crate::rings::{Ring, Rings};
use crate::scopes::{self, LateErrors};
use crate::tensor::Owner;
use crate::transfer::{Slot, TransferPath};
use crate::waiting::{self, Waiting};
use crate::{Element, Error};

/// Tuning knobs as asked for; the defaults suit every adapter. Set them on a
/// [`SigmoidBuilder`]; [`Sigmoid::config`] reports the [`Config`] in force (clamped to
/// the device, every choice made).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// Most elements per piece of a host call (`forward` and friends). Longer inputs
    /// are split into pieces that overlap: while the GPU works on one, the host copies
    /// the next one in and the previous one out. Clamped to what one storage binding and
    /// one buffer of the device can hold (128 MiB, 32 Mi elements, on lavapipe) and to
    /// what `max_workgroups_per_dimension`² workgroups cover.
    ///
    /// Memory held between calls is, for each call that ran at once with others (one
    /// for a single caller), at most `pieces_in_flight` slots of this many elements,
    /// each slot 2 buffers on the mapped path and 4 on the staged path
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
    /// [`Error::Timeout`]; it bounds each wait, not a whole call of many pieces.
    /// [`Duration::MAX`] waits without limit. Not applied on the web, where nothing may
    /// block and `Device::poll` returns at once: there the browser bounds each wait by
    /// losing a device whose work does not finish ([`Error::DeviceLost`]).
    pub timeout: Duration,
    /// Workgroup size and `vec4`s per invocation of the kernels; `None` picks
    /// [`DispatchShape::preferred`] for the adapter. Clamped to the device.
    pub dispatch_shape: Option<DispatchShape>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_chunk_elements: 4 << 20,
            pieces_in_flight: 3,
            transfer: None,
            max_workgroups_per_dimension: u32::MAX,
            timeout: Duration::from_secs(120),
            dispatch_shape: None,
        }
    }
}

/// The configuration an instance runs with: the adapter chosen and its [`Options`]
/// resolved on its device, each within the device's limits and every choice left to the
/// crate made.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// The adapter the instance runs on (for [`SigmoidBuilder::build_with_device`], the
    /// caller's device's).
    pub adapter: wgpu::AdapterInfo,
    /// Most elements per piece of a host call: the option, clamped to what one dispatch
    /// covers.
    pub max_chunk_elements: u64,
    /// Pieces in flight at once (at least 1).
    pub pieces_in_flight: usize,
    /// The transfer path of host calls.
    pub transfer: TransferPath,
    /// Most workgroups per dimension of a dispatch, within the device's limit.
    pub max_workgroups_per_dimension: u32,
    /// The wait for one piece (not applied on the web).
    pub timeout: Duration,
    /// The kernels' dispatch shape, within the device's limits.
    pub dispatch_shape: DispatchShape,
    /// Most elements one dispatch covers (one storage binding, the workgroup grid);
    /// device-resident work on longer ranges is split into several dispatches.
    pub dispatch_elements: u64,
}

/// What host calls have created and submitted, counted for the tests
/// (`test_support::stats`).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) buffers_created: AtomicU64,
    pub(crate) bind_groups_created: AtomicU64,
    pub(crate) submissions: AtomicU64,
}

/// How to make a [`Sigmoid`]: which adapter, which [`Options`]; then `build` (blocks; not
/// on the web), [`build_async`], or [`build_with_device`] on a device you own.
///
/// Unset adapter choices follow `WGPU_BACKEND`, `WGPU_ADAPTER_NAME` and
/// `WGPU_POWER_PREF`; set ones override them.
///
/// ```
/// # fn main() -> Result<(), wgpu_sigmoid::Error> {
/// let sigmoid = wgpu_sigmoid::Sigmoid::builder()
///     .max_chunk_elements(1 << 20)
///     .build()?;
/// assert_eq!(sigmoid.config().max_chunk_elements, 1 << 20);
/// # Ok(())
/// # }
/// ```
///
/// [`build_async`]: SigmoidBuilder::build_async
/// [`build_with_device`]: SigmoidBuilder::build_with_device
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct SigmoidBuilder {
    backends: Option<wgpu::Backends>,
    adapter_name: Option<String>,
    power_preference: Option<wgpu::PowerPreference>,
    features: wgpu::Features,
    options: Options,
}

impl SigmoidBuilder {
    /// Device features to ask for besides the ones the crate uses, where the adapter
    /// has them (e.g. [`crate::adapter::TIMER_FEATURES`] for a benchmark's timestamps);
    /// [`Sigmoid::device`]`.features()` tells which it got.
    pub fn features(mut self, wanted: wgpu::Features) -> SigmoidBuilder {
        self.features = wanted;
        self
    }

    /// Only adapters of these backends (instead of `WGPU_BACKEND`).
    pub fn backends(mut self, backends: wgpu::Backends) -> SigmoidBuilder {
        self.backends = Some(backends);
        self
    }

    /// The first adapter whose name contains `name`, case-insensitively (instead of
    /// `WGPU_ADAPTER_NAME`).
    pub fn adapter_name(mut self, name: impl Into<String>) -> SigmoidBuilder {
        self.adapter_name = Some(name.into());
        self
    }

    /// Low-power or high-performance adapter (instead of `WGPU_POWER_PREF`).
    pub fn power_preference(mut self, preference: wgpu::PowerPreference) -> SigmoidBuilder {
        self.power_preference = Some(preference);
        self
    }

    /// All options at once.
    pub fn options(mut self, options: Options) -> SigmoidBuilder {
        self.options = options;
        self
    }

    /// [`Options::max_chunk_elements`].
    pub fn max_chunk_elements(mut self, elements: u64) -> SigmoidBuilder {
        self.options.max_chunk_elements = elements;
        self
    }

    /// [`Options::pieces_in_flight`].
    pub fn pieces_in_flight(mut self, pieces: usize) -> SigmoidBuilder {
        self.options.pieces_in_flight = pieces;
        self
    }

    /// [`Options::transfer`].
    pub fn transfer(mut self, path: TransferPath) -> SigmoidBuilder {
        self.options.transfer = Some(path);
        self
    }

    /// [`Options::max_workgroups_per_dimension`].
    pub fn max_workgroups_per_dimension(mut self, workgroups: u32) -> SigmoidBuilder {
        self.options.max_workgroups_per_dimension = workgroups;
        self
    }

    /// [`Options::dispatch_shape`].
    pub fn dispatch_shape(mut self, shape: DispatchShape) -> SigmoidBuilder {
        self.options.dispatch_shape = Some(shape);
        self
    }

    /// [`Options::timeout`].
    pub fn timeout(mut self, timeout: Duration) -> SigmoidBuilder {
        self.options.timeout = timeout;
        self
    }

    /// The adapter choice: what was set here, the environment for the rest.
    ///
    /// # Errors
    ///
    /// A value in the environment that names nothing ([`Error::UnknownBackend`],
    /// [`Error::UnknownPowerPreference`]).
    pub fn adapter_options(&self) -> Result<AdapterOptions, Error> {
        Ok(AdapterOptions {
            backends: match self.backends {
                Some(backends) => Some(backends),
                None => adapter::backends_from_env()?,
            },
            adapter_name: self
                .adapter_name
                .clone()
                .or_else(adapter::adapter_name_from_env),
            power_preference: match self.power_preference {
                Some(preference) => preference,
                None => adapter::power_preference_from_env()?.unwrap_or_default(),
            },
        })
    }

    /// Opens the adapter, creates a device on it and compiles the kernels, without
    /// blocking (the only way on the web; `SigmoidBuilder::build` blocks on it).
    ///
    /// # Errors
    ///
    /// No matching adapter (the error names what exists), a device the adapter refuses,
    /// a kernel the driver cannot compile, or an option the device cannot do.
    pub async fn build_async(self) -> Result<Sigmoid, Error> {
        let adapter = adapter::select(&self.adapter_options()?).await?;
        let (device, queue) = adapter::open_device(&adapter, self.features).await?;
        let liveness = Liveness::watch(&device);
        // Every operation of this crate runs inside error scopes; anything that escapes
        // them is logged, not turned into a panic.
        device.on_uncaptured_error(Arc::new(|error| {
            log::error!("wgpu-sigmoid: uncaptured wgpu error: {error}");
        }));
        let config = Sigmoid::configure(&device, adapter.get_info(), self.options)?;
        let shape = config.dispatch_shape;
        let kernels = scopes::scoped(&device, || Kernels::new(&device, shape)).await?;
        let late_errors = LateErrors::default();
        Ok(Sigmoid::assemble(
            (device, queue),
            config,
            kernels,
            (liveness, late_errors),
        ))
    }

    /// Uses the caller's own device and queue (e.g. a renderer's or an ML framework's)
    /// with these options; the adapter choices are ignored. The caller's error handlers
    /// and device-lost callback are left untouched.
    ///
    /// What the device needs: nothing beyond WebGPU's defaults. Long inputs are split
    /// into pieces of the device's `max_storage_buffer_binding_size` (WebGPU's default
    /// 128 MiB; larger limits mean fewer, larger dispatches). The
    /// [`TransferPath::Mapped`] path needs [`wgpu::Features::MAPPABLE_PRIMARY_BUFFERS`],
    /// and is only chosen by default on CPU and integrated adapters that have it.
    ///
    /// # Errors
    ///
    /// A kernel the driver cannot compile, or [`Error::Unsupported`] for a transfer path
    /// the device cannot do.
    pub fn build_with_device(
        self,
        device: wgpu::Device,
        queue: wgpu::Queue,
    ) -> Result<Sigmoid, Error> {
        let config = Sigmoid::configure(&device, device.adapter_info(), self.options)?;
        let shape = config.dispatch_shape;
        // On the web a compile error is reported after this returns: the first call
        // returns it (see `LateErrors`).
        let late_errors = LateErrors::default();
        let kernels = late_errors.scoped(&device, || Kernels::new(&device, shape))?;
        Ok(Sigmoid::assemble(
            (device, queue),
            config,
            kernels,
            (Liveness::probing(), late_errors),
        ))
    }
}

/// Sigmoid on a GPU: the device, the compiled kernels and the buffers reused between
/// calls. Create it once and call it many times; it is `Send + Sync`, and concurrent
/// calls each run on transfer buffers of their own (kept for reuse), so that no call
/// ever waits for another.
///
/// Every call is generic over the [`Element`] type (`f32`, `half::f16`,
/// `half::bf16`). Host calls (`forward`, `backward` and their `_into`, `_in_place`
/// and `_async` forms) copy the input into GPU-visible memory, run the kernel and copy
/// the result out, by the [`TransferPath`] chosen for the device, in overlapping pieces
/// for long inputs; after the first call of a given length they create no buffers,
/// bind groups or pipelines, and each piece is one queue submission.
///
/// ```
/// # fn main() -> Result<(), wgpu_sigmoid::Error> {
/// let sigmoid = wgpu_sigmoid::Sigmoid::new()?;
/// let y = sigmoid.forward(&[-20.0, -1.0, 0.0, 1.0, 20.0])?;
/// assert_eq!(y, [2.0611537e-09, 2.6894143e-01, 5.0e-01, 7.3105860e-01, 1.0]);
/// # Ok(())
/// # }
/// ```
///
/// Every result is within 1 ULP of the correctly rounded sigmoid on the adapters tested
/// (see the README's accuracy table); NaN gives the same NaN quieted, `+inf` gives 1,
/// `-inf` gives 0, and subnormal results are not flushed.
#[derive(Debug)]
pub struct Sigmoid {
    /// The device-side layer: device, queue, kernels, configuration, liveness.
    recorder: Recorder,
    pub(crate) counters: Counters,
    /// The slots pieces go through: a ring per call in progress, reused by later calls.
    rings: Rings,
}

impl Sigmoid {
    /// A builder to choose the adapter and the [`Options`].
    pub fn builder() -> SigmoidBuilder {
        SigmoidBuilder::default()
    }

    /// Resolves `options` on `device` (nothing is created yet): the dispatch shape
    /// clamped to the device, the transfer path chosen or checked, the piece length.
    fn configure(
        device: &wgpu::Device,
        adapter: wgpu::AdapterInfo,
        options: Options,
    ) -> Result<Config, Error> {
        let limits = device.limits();
        let shape = options
            .dispatch_shape
            .unwrap_or_else(|| DispatchShape::preferred(&adapter))
            .clamped(&limits);
        let max_workgroups_per_dimension = options
            .max_workgroups_per_dimension
            .min(limits.max_compute_workgroups_per_dimension)
            .max(1);
        let dispatch_elements =
            dispatch_elements(&limits, max_workgroups_per_dimension, shape.workgroup_size);
        let transfer = match options.transfer {
            None => TransferPath::preferred(&adapter, device.features()),
            Some(path) if path.is_supported(device.features()) => path,
            Some(path) => {
                return Err(Error::Unsupported(format!(
                    "transfer path {path:?} on adapter `{}`: the device lacks \
                     MAPPABLE_PRIMARY_BUFFERS",
                    adapter.name
                )));
            }
        };
        Ok(Config {
            adapter,
            max_chunk_elements: align_down(
                dispatch_elements.min(options.max_chunk_elements),
                &limits,
            ),
            pieces_in_flight: options.pieces_in_flight.max(1),
            transfer,
            max_workgroups_per_dimension,
            timeout: options.timeout,
            dispatch_shape: shape,
            dispatch_elements,
        })
    }

    /// The instance of `config` on `device`, its kernels compiled.
    fn assemble(
        (device, queue): (wgpu::Device, wgpu::Queue),
        config: Config,
        kernels: Kernels,
        (liveness, late_errors): (Liveness, LateErrors),
    ) -> Sigmoid {
        Sigmoid {
            recorder: Recorder {
                device,
                queue,
                kernels,
                owner: Owner::new(config.adapter.name.clone()),
                config,
                liveness,
                late_errors,
            },
            rings: Rings::default(),
            counters: Counters::default(),
        }
    }

    /// The token of this instance, for the tensors it makes.
    pub(crate) fn owner(&self) -> Owner {
        self.recorder.owner.clone()
    }

    /// The device-side layer: records sigmoid and its gradient into your encoder or
    /// compute pass ([`Recorder::encode_forward`]), and submits work on tensors without
    /// waiting ([`Recorder::forward_tensor`]).
    #[must_use]
    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// The device this instance runs on.
    #[must_use]
    pub fn device(&self) -> &wgpu::Device {
        &self.recorder.device
    }

    /// The queue this instance submits to.
    #[must_use]
    pub fn queue(&self) -> &wgpu::Queue {
        &self.recorder.queue
    }

    /// The configuration in force: the adapter, and the options asked for clamped to
    /// the device with every choice made (transfer path, dispatch shape).
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.recorder.config
    }

    /// Frees the transfer buffers kept between calls (they are made again, at the size
    /// needed, by the next call). Returns at once: the buffers of a call in progress are
    /// freed when it ends.
    pub fn release_buffers(&self) {
        self.rings.release();
    }

    /// `sigmoid(x)` into a new vector, without blocking: while the GPU works the future
    /// is pending, so its executor runs other tasks. `Sigmoid::forward` is the
    /// blocking form (not on the web).
    ///
    /// Natively, each piece's `Queue::submit` and its wait in `wgpu::Device::poll` run
    /// on a short-lived thread that wakes the future when done (some backends, GL among
    /// them, do the work inside `submit`); no thread outlives the call by more than its
    /// timeout, none runs between calls, and the future is `Send`. On the web no thread
    /// is started: the browser wakes the future when the results are mapped, and what
    /// bounds that wait is the browser's loss of a device that hangs, not
    /// [`Options::timeout`]. The host-side copies into and out of the transfer buffers
    /// run in the task itself. Dropping the future mid-way leaves the instance usable.
    ///
    /// # Errors
    ///
    /// A GPU failure ([`Error::DeviceLost`], [`Error::Timeout`], …).
    pub async fn forward_async<T: Element>(&self, x: &[T]) -> Result<Vec<T>, Error> {
        let mut y = vec![T::zeroed(); x.len()];
        self.run(Op::Forward, Source::One(x), &mut y, Waiting::Yield)
            .await?;
        Ok(y)
    }

    /// `sigmoid(x)` into `y` (same length), without blocking (see
    /// [`Sigmoid::forward_async`]).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`], or a GPU failure.
    pub async fn forward_into_async<T: Element>(&self, x: &[T], y: &mut [T]) -> Result<(), Error> {
        check_output(x, y)?;
        self.run(Op::Forward, Source::One(x), y, Waiting::Yield)
            .await
    }

    /// Replaces every element of `x` with its sigmoid, without blocking (see
    /// [`Sigmoid::forward_async`]).
    ///
    /// # Errors
    ///
    /// A GPU failure; `x` may then hold some results and some inputs.
    pub async fn forward_in_place_async<T: Element>(&self, x: &mut [T]) -> Result<(), Error> {
        self.run(Op::Forward, Source::InPlace, x, Waiting::Yield)
            .await
    }

    /// The gradient `dx = dy · y · (1 − y)` into a new vector, without blocking (see
    /// [`Sigmoid::forward_async`]; the blocking form, `Sigmoid::backward`, says how it
    /// is computed).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`], or a GPU failure.
    pub async fn backward_async<T: Element>(&self, y: &[T], dy: &[T]) -> Result<Vec<T>, Error> {
        let mut dx = vec![T::zeroed(); y.len()];
        self.backward_with(y, dy, &mut dx, Waiting::Yield).await?;
        Ok(dx)
    }

    /// The gradient into `dx`, without blocking; all three slices must have the same
    /// length.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`], or a GPU failure.
    pub async fn backward_into_async<T: Element>(
        &self,
        y: &[T],
        dy: &[T],
        dx: &mut [T],
    ) -> Result<(), Error> {
        self.backward_with(y, dy, dx, Waiting::Yield).await
    }

    /// The gradient into `dx`, waiting as `waiting` says.
    pub(crate) async fn backward_with<T: Element>(
        &self,
        y: &[T],
        dy: &[T],
        dx: &mut [T],
        waiting: Waiting,
    ) -> Result<(), Error> {
        let y_len = ("y", y.len() as u64);
        Error::check_lengths(("dy", dy.len() as u64), y_len)?;
        Error::check_lengths(("dx", dx.len() as u64), y_len)?;
        self.run(Op::Backward, Source::Two(y, dy), dx, waiting)
            .await
    }

    /// `op` reading `source` into `output`, through the ring.
    pub(crate) async fn run<T: Element>(
        &self,
        op: Op,
        source: Source<'_, T>,
        output: &mut [T],
        waiting: Waiting,
    ) -> Result<(), Error> {
        if output.is_empty() {
            return Ok(());
        }
        self.check_usable()?;
        // Never waits for another call: a call already running keeps its own ring.
        let mut lease = self.rings.lease();
        self.pipeline(&mut lease.ring, (op, T::FORMAT), source, output, waiting)
            .await
            .map_err(|e| self.explain(e))?;
        // Only a ring whose pieces all finished is kept (see `Lease`).
        lease.give_back();
        Ok(())
    }

    /// Pushes the pieces of `output` through the ring: before piece k goes into slot
    /// k mod depth, that slot's previous piece (k − depth) is waited for and copied
    /// out, so up to `depth` pieces are on the GPU while the host copies.
    async fn pipeline<T: Element>(
        &self,
        ring: &mut Ring,
        kernel: (Op, Format),
        source: Source<'_, T>,
        output: &mut [T],
        waiting: Waiting,
    ) -> Result<(), Error> {
        let size = size_of::<T>();
        let wait = (self.config().timeout, waiting);
        let piece = usize::try_from(self.config().max_chunk_elements).unwrap_or(usize::MAX);
        let pieces = output.len().div_ceil(piece);
        let depth = self.config().pieces_in_flight.min(pieces);
        if ring.len() < depth {
            ring.resize_with(depth, || None);
        }
        for k in 0..pieces {
            let entry = &mut ring[k % depth];
            if let Some(slot) = entry {
                let bytes = bytemuck::cast_slice_mut(output);
                slot.finish(&self.recorder.device, wait, bytes).await?;
            }
            let start = k * piece;
            let end = output.len().min(start + piece);
            let inputs = match source {
                Source::InPlace => [Some(&output[start..end]), None],
                Source::One(x) => [Some(&x[start..end]), None],
                Source::Two(y, dy) => [Some(&y[start..end]), Some(&dy[start..end])],
            };
            let (commands, piece_bytes) = scopes::scoped(&self.recorder.device, || {
                self.record_piece(entry, kernel, &inputs)
            })
            .await?;
            let submission = waiting::submit(
                &self.recorder.device,
                &self.recorder.queue,
                commands,
                waiting,
            )
            .await?;
            self.counters.submissions.fetch_add(1, Ordering::Relaxed);
            if let Some(slot) = &mut ring[k % depth] {
                slot.submitted(submission, start * size, piece_bytes);
            }
        }
        for k in pieces.saturating_sub(depth)..pieces {
            if let Some(slot) = &mut ring[k % depth] {
                let bytes = bytemuck::cast_slice_mut(output);
                slot.finish(&self.recorder.device, wait, bytes).await?;
            }
        }
        Ok(())
    }

    /// `entry`'s slot, made (or remade larger) to hold `needed` bytes. Slots grow
    /// geometrically, up to `most` bytes, so that slowly rising lengths reallocate
    /// rarely; the old slot is dropped before the new one is allocated.
    fn slot_of<'e>(&self, entry: &'e mut Option<Slot>, needed: u64, most: u64) -> &'e mut Slot {
        let slot = match entry.take() {
            Some(slot) if slot.capacity >= needed => slot,
            old => {
                // `map_or` consumes (and drops) the old slot before the new one exists.
                let grown = old
                    .map_or(needed, |old| (old.capacity * 2).max(needed))
                    .min(most.max(needed));
                let slot = Slot::new(&self.recorder.device, self.config().transfer, grown);
                self.counters
                    .buffers_created
                    .fetch_add(slot.buffer_count(), Ordering::Relaxed);
                slot
            }
        };
        entry.insert(slot)
    }

    /// Copies `inputs` (one piece of each) into `entry`'s slot, one after the other at
    /// aligned offsets, growing the slot first if needed, and records its transfers and
    /// the kernel; returns the commands and the piece's bytes.
    fn record_piece<T: Element>(
        &self,
        entry: &mut Option<Slot>,
        kernel: (Op, Format),
        inputs: &[Option<&[T]>; 2],
    ) -> Result<(wgpu::CommandBuffer, usize), Error> {
        let len = inputs[0].map_or(0, <[T]>::len);
        let piece_bytes = len * size_of::<T>();
        let alignment = self.recorder.kernels.offset_alignment();
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
        let most = self.config().max_chunk_elements * 4 * uploads.len() as u64 + stride;
        let slot = self.slot_of(entry, needed, most);
        slot.upload(&self.recorder.queue, &uploads)?;
        let bindings = slot.bindings(kernel, len, |input, output| {
            let inputs: Vec<(&wgpu::Buffer, u64)> =
                uploads.iter().map(|&(offset, _)| (input, offset)).collect();
            let made = self.recorder.kernels.bindings(
                &self.recorder.device,
                kernel,
                &inputs,
                (output, 0),
                len,
            )?;
            self.counters
                .bind_groups_created
                .fetch_add(made.count(), Ordering::Relaxed);
            Ok(made)
        })?;
        let mut encoder =
            self.recorder
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("wgpu-sigmoid.forward"),
                });
        slot.record_copies(&mut encoder, needed as usize, true);
        self.recorder
            .record(&mut encoder, std::slice::from_ref(&bindings));
        slot.record_copies(&mut encoder, piece_bytes, false);
        Ok((encoder.finish(), piece_bytes))
    }

    /// Runs `f` inside error scopes (see [`Recorder::scoped`]).
    pub(crate) fn scoped<T>(&self, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
        self.recorder.scoped(f)
    }

    /// `Err` once the device is gone, or with an error reported late (see
    /// [`Recorder::check_usable`]).
    pub(crate) fn check_usable(&self) -> Result<(), Error> {
        self.recorder.check_usable()
    }

    /// Reports a failure as device loss when the device is gone.
    pub(crate) fn explain(&self, error: Error) -> Error {
        self.recorder.explain(error)
    }
}

/// `y` must be as long as `x`.
pub(crate) fn check_output<T>(x: &[T], y: &[T]) -> Result<(), Error> {
    Error::check_lengths(("output", y.len() as u64), ("input", x.len() as u64))
}

/// What a host call reads: the output itself, one input, or y and dy (the gradient).
#[derive(Clone, Copy)]
pub(crate) enum Source<'a, T> {
    InPlace,
    One(&'a [T]),
    Two(&'a [T], &'a [T]),
}

/// Most elements one dispatch covers: what one storage binding and one buffer hold and
/// what the workgroup grid covers, aligned as [`align_down`] says.
fn dispatch_elements(limits: &wgpu::Limits, max_workgroups: u32, workgroup_size: u32) -> u64 {
    let binding_elements = limits
        .max_storage_buffer_binding_size
        .min(limits.max_buffer_size)
        / 4;
    let grid = u64::from(max_workgroups);
    let grid_elements =
        grid * grid * u64::from(workgroup_size) * u64::from(kernel::ELEMENTS_PER_VEC4);
    align_down(binding_elements.min(grid_elements), limits)
}

/// Rounds down to a multiple of 64 elements (and of the storage offset alignment), so
/// that piece offsets in a device buffer meet the 256-byte alignment; at least one
/// such multiple.
fn align_down(elements: u64, limits: &wgpu::Limits) -> u64 {
    let alignment = u64::from(limits.min_storage_buffer_offset_alignment / 4).max(64);
    (elements / alignment * alignment).max(alignment)
}
