//! Moving data between host slices and the device: the two transfer paths, the ring of
//! buffer slots that lets consecutive pieces of a long input overlap, and the mappings
//! that bring results back.
//!
//! A slot holds everything one piece needs: the storage buffers the kernel binds and,
//! on the staged path, a mappable upload and readback buffer. Slots are created once,
//! grown on demand and reused by every later call, so the hot path allocates nothing.

use futures_intrusive::channel::shared::{OneshotReceiver, oneshot_channel};

use crate::error::MapError;
use crate::kernel::{Bindings, Format, Op};
use crate::waiting::{Waiting, until_done};
use crate::{Error, scopes};

/// How data travels between host slices and the buffers the kernel binds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransferPath {
    /// The kernel's storage buffers are mapped into the host directly (unified memory;
    /// needs [`wgpu::Features::MAPPABLE_PRIMARY_BUFFERS`]): one host copy in, one out,
    /// no copies on the device.
    Mapped,
    /// Mappable staging buffers, kept between calls, and `copy_buffer_to_buffer` to and
    /// from device-local storage buffers: the path for discrete GPUs.
    Staged,
    /// Device-local storage buffers; the input written with [`wgpu::Queue::write_buffer`]
    /// (the implementation's own staging), the results read back as on [`Staged`]. The
    /// browser's path: there a mapped buffer is a JavaScript `ArrayBuffer`, which wgpu
    /// copies into wasm memory and back around every write, where `write_buffer` hands
    /// the browser the host's bytes once.
    ///
    /// [`Staged`]: TransferPath::Staged
    QueueWrite,
}

impl TransferPath {
    /// The path [`crate::Options::transfer`]`: None` picks for an adapter (`info`) whose
    /// device has `features`: [`QueueWrite`] in the browser (BENCHMARKS.md, "Browser");
    /// [`Mapped`] where memory is shared with the host (a CPU or integrated adapter) and
    /// the device has `MAPPABLE_PRIMARY_BUFFERS`; else [`Staged`]. Mapping a discrete
    /// GPU's storage buffers would put them in slow host-visible memory, hence the
    /// device-type test.
    ///
    /// [`Mapped`]: TransferPath::Mapped
    /// [`Staged`]: TransferPath::Staged
    /// [`QueueWrite`]: TransferPath::QueueWrite
    #[must_use]
    pub fn preferred(info: &wgpu::AdapterInfo, features: wgpu::Features) -> TransferPath {
        let unified = matches!(
            info.device_type,
            wgpu::DeviceType::Cpu | wgpu::DeviceType::IntegratedGpu
        );
        if info.backend == wgpu::Backend::BrowserWebGpu {
            TransferPath::QueueWrite
        } else if unified && features.contains(wgpu::Features::MAPPABLE_PRIMARY_BUFFERS) {
            TransferPath::Mapped
        } else {
            TransferPath::Staged
        }
    }

    /// Whether `features` allow this path.
    #[must_use]
    pub fn is_supported(self, features: wgpu::Features) -> bool {
        match self {
            TransferPath::Mapped => features.contains(wgpu::Features::MAPPABLE_PRIMARY_BUFFERS),
            TransferPath::Staged | TransferPath::QueueWrite => true,
        }
    }
}

impl std::fmt::Display for TransferPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TransferPath::Mapped => "mapped storage buffers (unified memory)",
            TransferPath::Staged => "staging ring + copy_buffer_to_buffer",
            TransferPath::QueueWrite => "Queue::write_buffer in, readback ring out",
        })
    }
}

pub(crate) type MapReceiver = OneshotReceiver<Result<(), wgpu::BufferAsyncError>>;

/// A piece whose work was submitted and whose results are still on the device.
#[derive(Debug)]
pub(crate) struct InFlight {
    pub(crate) submission: wgpu::SubmissionIndex,
    /// Where its results go in the caller's output, in bytes.
    pub(crate) start: usize,
    pub(crate) len: usize,
    read_map: MapReceiver,
    /// Re-mapping of the host-writable buffer for the slot's next piece (none on
    /// [`TransferPath::QueueWrite`]).
    write_map: Option<MapReceiver>,
}

/// The buffers for one piece of up to `capacity` bytes.
#[derive(Debug)]
pub(crate) struct Slot {
    path: TransferPath,
    /// Bound as the kernel's input (and, for in-place work, its output).
    pub(crate) input: wgpu::Buffer,
    pub(crate) output: wgpu::Buffer,
    /// Staged path only: host-writable buffer copied into `input`.
    upload: Option<wgpu::Buffer>,
    /// Staged and queue-write paths: host-readable buffer `output` is copied into.
    readback: Option<wgpu::Buffer>,
    /// Bytes each buffer holds; a multiple of 16 (whole `vec4`s).
    pub(crate) capacity: u64,
    pub(crate) in_flight: Option<InFlight>,
    /// Bind groups already made for this slot's buffers, by element count: repeated
    /// calls of one length (and all full pieces of a long input) reuse them.
    bind_groups: Vec<((u64, Op, Format), Bindings)>,
}

/// Bind groups kept per slot; lengths beyond this many evict the oldest.
const BIND_GROUPS_PER_SLOT: usize = 8;

impl Slot {
    /// Buffers for at least `bytes` bytes on `path`. The host-writable buffer, if any,
    /// starts mapped. Allocation failures surface through the caller's error scope.
    pub(crate) fn new(device: &wgpu::Device, path: TransferPath, bytes: u64) -> Slot {
        use wgpu::BufferUsages as U;
        let capacity = bytes.div_ceil(16).max(1) * 16;
        let buffer = |label, usage, mapped_at_creation| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: capacity,
                usage,
                mapped_at_creation,
            })
        };
        let readback = || buffer("wgpu-sigmoid.readback", U::MAP_READ | U::COPY_DST, false);
        let (input, output, upload, readback) = match path {
            TransferPath::Mapped => (
                buffer("wgpu-sigmoid.input", U::STORAGE | U::MAP_WRITE, true),
                buffer("wgpu-sigmoid.output", U::STORAGE | U::MAP_READ, false),
                None,
                None,
            ),
            TransferPath::Staged => (
                buffer("wgpu-sigmoid.input", U::STORAGE | U::COPY_DST, false),
                buffer("wgpu-sigmoid.output", U::STORAGE | U::COPY_SRC, false),
                Some(buffer(
                    "wgpu-sigmoid.upload",
                    U::MAP_WRITE | U::COPY_SRC,
                    true,
                )),
                Some(readback()),
            ),
            TransferPath::QueueWrite => (
                buffer("wgpu-sigmoid.input", U::STORAGE | U::COPY_DST, false),
                buffer("wgpu-sigmoid.output", U::STORAGE | U::COPY_SRC, false),
                None,
                Some(readback()),
            ),
        };
        Slot {
            path,
            input,
            output,
            upload,
            readback,
            capacity,
            in_flight: None,
            bind_groups: Vec::new(),
        }
    }

    /// Buffers this slot holds (2 mapped, 4 staged, 3 queue-write).
    pub(crate) fn buffer_count(&self) -> u64 {
        2 + u64::from(self.upload.is_some()) + u64::from(self.readback.is_some())
    }

    /// The buffer the host maps to write the input into: none where the queue writes it.
    fn host_writable(&self) -> Option<&wgpu::Buffer> {
        match self.path {
            TransferPath::Mapped => Some(&self.input),
            TransferPath::Staged => self.upload.as_ref(),
            TransferPath::QueueWrite => None,
        }
    }

    fn host_readable(&self) -> &wgpu::Buffer {
        self.readback.as_ref().unwrap_or(&self.output)
    }

    /// The bind groups of `kernel` over the first `len` elements, made once per length.
    pub(crate) fn bindings(
        &mut self,
        kernel: (Op, Format),
        len: u64,
        make: impl FnOnce(&wgpu::Buffer, &wgpu::Buffer) -> Result<Bindings, Error>,
    ) -> Result<Bindings, Error> {
        let key = (len, kernel.0, kernel.1);
        if let Some((_, group)) = self.bind_groups.iter().find(|(k, _)| *k == key) {
            return Ok(group.clone());
        }
        if self.bind_groups.len() == BIND_GROUPS_PER_SLOT {
            self.bind_groups.remove(0);
        }
        let group = make(&self.input, &self.output)?;
        self.bind_groups.push((key, group.clone()));
        Ok(group)
    }

    /// Copies each (offset, bytes) of `sources` into the host-writable buffer and
    /// unmaps it. The buffer must be mapped: new, or its previous piece
    /// [finished](Slot::finish). On the queue-write path `queue` writes them into the
    /// input instead, ahead of the next submission.
    pub(crate) fn upload(
        &mut self,
        queue: &wgpu::Queue,
        sources: &[(u64, &[u8])],
    ) -> Result<(), Error> {
        let Some(buffer) = self.host_writable() else {
            for &(offset, bytes) in sources {
                write_words(queue, &self.input, offset, bytes);
            }
            return Ok(());
        };
        let end = sources
            .iter()
            .map(|&(offset, bytes)| offset as usize + bytes.len())
            .max()
            .unwrap_or(0);
        {
            let mut view = buffer.get_mapped_range_mut(0..whole_words(end))?;
            for &(offset, bytes) in sources {
                let offset = offset as usize;
                view.slice(offset..offset + bytes.len())
                    .copy_from_slice(bytes);
            }
        }
        buffer.unmap();
        Ok(())
    }

    /// Records the device-side copies the staged path needs around the kernel: before
    /// it (`before == true`) upload → input, after it output → readback.
    pub(crate) fn record_copies(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        bytes: usize,
        before: bool,
    ) {
        let bytes = whole_words(bytes);
        match (&self.upload, &self.readback, before) {
            (Some(upload), _, true) => {
                encoder.copy_buffer_to_buffer(upload, 0, &self.input, 0, bytes);
            }
            (_, Some(readback), false) => {
                encoder.copy_buffer_to_buffer(&self.output, 0, readback, 0, bytes);
            }
            _ => {}
        }
    }

    /// After `submission` (this slot's piece, bytes `start..start + len` of the
    /// output) was submitted:
    /// requests the mappings that complete when it finishes.
    pub(crate) fn submitted(
        &mut self,
        submission: wgpu::SubmissionIndex,
        start: usize,
        len: usize,
    ) {
        let read_map = request_map(self.host_readable(), wgpu::MapMode::Read, whole_words(len));
        let write_map = self
            .host_writable()
            .map(|buffer| request_map(buffer, wgpu::MapMode::Write, self.capacity));
        self.in_flight = Some(InFlight {
            submission,
            start,
            len,
            read_map,
            write_map,
        });
    }

    /// Waits (at most `timeout`) for the piece in flight, if any, copies its results
    /// into `output` at the place they belong, and leaves the host-writable buffer
    /// mapped for the next piece.
    pub(crate) async fn finish(
        &mut self,
        device: &wgpu::Device,
        (timeout, waiting): (std::time::Duration, Waiting),
        output: &mut [u8],
    ) -> Result<(), Error> {
        let Some(in_flight) = self.in_flight.take() else {
            return Ok(());
        };
        until_done(device, in_flight.submission, timeout, waiting).await?;
        // Both mappings were requested after the submission, so the wait resolved them.
        receive(in_flight.read_map).await?;
        if let Some(write_map) = in_flight.write_map {
            receive(write_map).await?;
        }
        scopes::scoped(device, || {
            self.copy_out(in_flight.start, in_flight.len, output)
        })
        .await
    }

    /// Copies `len` bytes of results from the mapped host-readable buffer into
    /// `output` at `start`, and unmaps it.
    fn copy_out(&self, start: usize, len: usize, output: &mut [u8]) -> Result<(), Error> {
        read_mapped(self.host_readable(), &mut output[start..start + len])
    }
}

/// Copies the first `out.len()` bytes of `buffer`, mapped for reading, into `out`, and
/// unmaps it.
pub(crate) fn read_mapped(buffer: &wgpu::Buffer, out: &mut [u8]) -> Result<(), Error> {
    {
        let view = buffer.get_mapped_range(0..whole_words(out.len()))?;
        copy_from_view(&view, out);
    }
    buffer.unmap();
    Ok(())
}

/// Natively the view is the mapped memory itself.
#[cfg(not(target_arch = "wasm32"))]
fn copy_from_view(view: &wgpu::BufferView, out: &mut [u8]) {
    out.copy_from_slice(&view[..out.len()]);
}

/// On the web the mapping is a JavaScript `ArrayBuffer`: copied straight into `out`,
/// where dereferencing the view would first copy all of it into a second buffer in
/// wasm memory.
#[cfg(target_arch = "wasm32")]
fn copy_from_view(view: &wgpu::BufferView, out: &mut [u8]) {
    let length = u32::try_from(out.len()).unwrap_or(u32::MAX);
    view.as_uint8array().subarray(0, length).copy_to(out);
}

/// Writes `bytes` into `buffer` at `offset` (a multiple of 4) with `queue`, which takes
/// whole 4-byte words only: a last partial word (an odd number of 16-bit elements) is
/// padded with zeros, which the kernel reads but whose results are never copied out.
fn write_words(queue: &wgpu::Queue, buffer: &wgpu::Buffer, offset: u64, bytes: &[u8]) {
    let whole = bytes.len() / 4 * 4;
    if whole > 0 {
        queue.write_buffer(buffer, offset, &bytes[..whole]);
    }
    if whole < bytes.len() {
        let mut last = [0u8; 4];
        last[..bytes.len() - whole].copy_from_slice(&bytes[whole..]);
        queue.write_buffer(buffer, offset + whole as u64, &last);
    }
}

/// `bytes` rounded up to whole 4-byte words: wgpu copies and maps in such units.
fn whole_words(bytes: usize) -> u64 {
    (bytes as u64).div_ceil(4) * 4
}

/// Asks for `buffer`'s first `bytes` to be mapped once the GPU is done with it.
pub(crate) fn request_map(buffer: &wgpu::Buffer, mode: wgpu::MapMode, bytes: u64) -> MapReceiver {
    let (sender, receiver) = oneshot_channel();
    buffer.map_async(mode, 0..bytes, move |result| {
        // The receiver only goes away when its slot was dropped; nothing to report then.
        let _ = sender.send(result);
    });
    receiver
}

pub(crate) async fn receive(receiver: MapReceiver) -> Result<(), Error> {
    match receiver.receive().await {
        Some(Ok(())) => Ok(()),
        Some(Err(e)) => Err(e.into()),
        None => Err(MapError::CallbackDropped.into()),
    }
}
