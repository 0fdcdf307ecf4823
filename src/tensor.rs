//! Device-resident tensors and recording into the caller's encoder: data stays on the
//! GPU between operations, and many operations go in one submission.

use crate::kernel::Pass;
use crate::transfer::{self, MapReceiver};
use crate::{Error, Sigmoid};

/// Buffer usages [`Sigmoid::encode`] needs on its input and output buffers. `STORAGE`
/// is required; `COPY_SRC`/`COPY_DST` are what [`GpuTensor`]s also carry, so that they
/// can be uploaded and downloaded.
pub const TENSOR_USAGES: wgpu::BufferUsages = wgpu::BufferUsages::STORAGE
    .union(wgpu::BufferUsages::COPY_SRC)
    .union(wgpu::BufferUsages::COPY_DST);

/// `f32` elements in a buffer on a [`Sigmoid`]'s device. Create one with
/// [`Sigmoid::upload`] or [`Sigmoid::zeros`]; apply sigmoid with
/// [`Sigmoid::forward_tensor`], [`Sigmoid::forward_tensor_in_place`] or, batched with
/// other work in your own encoder, [`Sigmoid::encode_tensors`]; read it back with
/// [`Sigmoid::download`].
#[derive(Debug)]
pub struct GpuTensor {
    buffer: wgpu::Buffer,
    len: u64,
}

impl GpuTensor {
    /// Number of elements.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the tensor has no elements.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The buffer holding the elements from offset 0 (usages [`TENSOR_USAGES`]), for
    /// use in your own passes.
    #[must_use]
    pub fn buffer(&self) -> &wgpu::Buffer {
        &self.buffer
    }
}

impl Sigmoid {
    /// A tensor of `len` zeros on this instance's device. Tensors longer than one
    /// storage binding are fine (they are processed in pieces); one larger than the
    /// device's `max_buffer_size` is an [`Error::Unsupported`].
    pub fn zeros(&self, len: u64) -> Result<GpuTensor, Error> {
        let bytes = len
            .checked_mul(4)
            .filter(|&b| b <= self.device().limits().max_buffer_size)
            .ok_or_else(|| {
                Error::Unsupported(format!(
                    "a tensor of {len} f32 exceeds this device's max_buffer_size of {} bytes",
                    self.device().limits().max_buffer_size
                ))
            })?;
        self.scoped(|| {
            Ok(GpuTensor {
                // wgpu zero-initialises new buffers.
                buffer: self.device().create_buffer(&wgpu::BufferDescriptor {
                    label: Some("wgpu-sigmoid.tensor"),
                    size: bytes.max(4),
                    usage: TENSOR_USAGES,
                    mapped_at_creation: false,
                }),
                len,
            })
        })
    }

    /// A tensor holding a copy of `x`.
    pub fn upload(&self, x: &[f32]) -> Result<GpuTensor, Error> {
        let tensor = self.zeros(x.len() as u64)?;
        self.write(&tensor, x)?;
        Ok(tensor)
    }

    /// Overwrites `tensor` with `x` (same length). The copy reaches the GPU with the
    /// next submission on this instance's queue, before the work it carries.
    pub fn write(&self, tensor: &GpuTensor, x: &[f32]) -> Result<(), Error> {
        check_lengths(x.len(), tensor.len)?;
        let piece = usize::try_from(self.chunk_elements()).unwrap_or(usize::MAX);
        self.scoped(|| {
            // In pieces, so that wgpu's staging copy stays bounded.
            for (i, chunk) in x.chunks(piece.max(1)).enumerate() {
                let offset = (i * piece * 4) as u64;
                self.queue()
                    .write_buffer(&tensor.buffer, offset, bytemuck::cast_slice(chunk));
            }
            Ok(())
        })
    }

    /// The elements of `tensor`, after all work submitted so far.
    pub fn download(&self, tensor: &GpuTensor) -> Result<Vec<f32>, Error> {
        let mut out = vec![0.0; usize::try_from(tensor.len).unwrap_or(usize::MAX)];
        self.download_into(tensor, &mut out)?;
        Ok(out)
    }

    /// Copies the elements of `tensor` into `out` (same length), after all work
    /// submitted so far. Goes through one staging buffer of at most one piece.
    pub fn download_into(&self, tensor: &GpuTensor, out: &mut [f32]) -> Result<(), Error> {
        check_lengths(out.len(), tensor.len)?;
        if out.is_empty() {
            return Ok(());
        }
        let piece = usize::try_from(self.chunk_elements()).unwrap_or(usize::MAX);
        let staging = self.scoped(|| {
            Ok(self.device().create_buffer(&wgpu::BufferDescriptor {
                label: Some("wgpu-sigmoid.download"),
                size: (piece.min(out.len()) * 4) as u64,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }))
        })?;
        for (i, chunk) in out.chunks_mut(piece.max(1)).enumerate() {
            let bytes = (chunk.len() * 4) as u64;
            let (submission, mapped) = self.scoped(|| {
                let mut encoder =
                    self.device()
                        .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                            label: Some("wgpu-sigmoid.download"),
                        });
                encoder.copy_buffer_to_buffer(
                    &tensor.buffer,
                    (i * piece * 4) as u64,
                    &staging,
                    0,
                    bytes,
                );
                let submission = self.queue().submit([encoder.finish()]);
                Ok((
                    submission,
                    transfer::request_map(&staging, wgpu::MapMode::Read, bytes),
                ))
            })?;
            self.finish_download(submission, mapped, &staging, chunk)?;
        }
        Ok(())
    }

    fn finish_download(
        &self,
        submission: wgpu::SubmissionIndex,
        mapped: MapReceiver,
        staging: &wgpu::Buffer,
        chunk: &mut [f32],
    ) -> Result<(), Error> {
        let waited = transfer::wait(self.device(), submission, self.timeout())
            .and_then(|()| pollster::block_on(transfer::receive(mapped)));
        waited.map_err(|e| self.explain(e))?;
        self.scoped(|| {
            {
                let view = staging
                    .get_mapped_range(0..(chunk.len() * 4) as u64)
                    .map_err(|e| Error::Map(e.to_string()))?;
                transfer::copy_to_f32(&view, chunk);
            }
            staging.unmap();
            Ok(())
        })
    }

    /// Submits `output = sigmoid(input)` (same length) and returns without waiting;
    /// a later [`Sigmoid::download`] sees the result.
    pub fn forward_tensor(&self, input: &GpuTensor, output: &GpuTensor) -> Result<(), Error> {
        self.submit(|encoder| self.encode_tensors(encoder, input, output))
    }

    /// Submits `tensor = sigmoid(tensor)` and returns without waiting.
    pub fn forward_tensor_in_place(&self, tensor: &GpuTensor) -> Result<(), Error> {
        self.submit(|encoder| self.encode_tensors(encoder, tensor, tensor))
    }

    fn submit(
        &self,
        record: impl FnOnce(&mut wgpu::CommandEncoder) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut encoder = self
            .device()
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("wgpu-sigmoid.forward_tensor"),
            });
        record(&mut encoder)?;
        self.scoped(|| {
            self.queue().submit([encoder.finish()]);
            Ok(())
        })
    }

    /// Submits the gradient `dx = dy · y · (1 − y)` of three tensors of the same length
    /// (as [`Sigmoid::backward`]) and returns without waiting.
    pub fn backward_tensor(
        &self,
        y: &GpuTensor,
        dy: &GpuTensor,
        dx: &GpuTensor,
    ) -> Result<(), Error> {
        self.submit(|encoder| self.encode_backward(encoder, y, dy, dx))
    }

    /// Records the gradient of three tensors into `encoder`. `dx` must be a tensor of
    /// its own: WebGPU forbids reading and writing one buffer in a dispatch.
    pub fn encode_backward(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        y: &GpuTensor,
        dy: &GpuTensor,
        dx: &GpuTensor,
    ) -> Result<(), Error> {
        let len = usize::try_from(y.len).unwrap_or(usize::MAX);
        check_lengths(len, dy.len)?;
        check_lengths(len, dx.len)?;
        if dx.buffer == y.buffer || dx.buffer == dy.buffer {
            return Err(Error::InvalidArgument(
                "dx must not be y or dy: WebGPU forbids reading and writing one buffer in a \
                 dispatch"
                    .into(),
            ));
        }
        if y.len == 0 {
            return Ok(());
        }
        self.scoped(|| {
            self.record_range(
                encoder,
                Pass::Backward,
                &[(&y.buffer, 0), (&dy.buffer, 0)],
                (&dx.buffer, 0),
                y.len,
                None,
            );
            Ok(())
        })
    }

    /// Records `output = sigmoid(input)` for two tensors of the same length (the same
    /// tensor for in place) into `encoder`; nothing runs until you submit it.
    pub fn encode_tensors(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        input: &GpuTensor,
        output: &GpuTensor,
    ) -> Result<(), Error> {
        check_lengths(usize::try_from(input.len).unwrap_or(usize::MAX), output.len)?;
        self.encode(encoder, &input.buffer, 0, &output.buffer, 0, input.len)
    }

    /// Records `sigmoid` of `elements` `f32`s at byte offset `input_offset` of `input`
    /// into `elements` `f32`s at `output_offset` of `output`, as one compute pass in
    /// `encoder` (your own, with your other passes; nothing runs until you submit it).
    ///
    /// Requirements, checked before anything is recorded ([`Error::InvalidArgument`]
    /// otherwise, never a wgpu panic):
    /// - both buffers have [`wgpu::BufferUsages::STORAGE`] and belong to this
    ///   instance's device;
    /// - both offsets are multiples of the device's `min_storage_buffer_offset_alignment`
    ///   (256 bytes on most devices, 32 on lavapipe);
    /// - both ranges lie inside their buffers (no padding is needed after them);
    /// - the same buffer for input and output only with the same offset (in place):
    ///   WebGPU forbids binding one buffer as read-only and writable storage in the same
    ///   dispatch, whatever the ranges.
    ///
    /// Any length works: ranges longer than one storage binding are split into several
    /// dispatches.
    pub fn encode(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        input: &wgpu::Buffer,
        input_offset: u64,
        output: &wgpu::Buffer,
        output_offset: u64,
        elements: u64,
    ) -> Result<(), Error> {
        let alignment = u64::from(self.device().limits().min_storage_buffer_offset_alignment);
        check_range("input", input, input_offset, elements, alignment)?;
        check_range("output", output, output_offset, elements, alignment)?;
        if input == output && input_offset != output_offset {
            return Err(Error::InvalidArgument(format!(
                "input and output are the same buffer at different offsets ({input_offset} and \
                 {output_offset}): WebGPU forbids reading and writing one buffer in a dispatch \
                 through separate bindings; use separate buffers, or the same offset for in place"
            )));
        }
        if elements == 0 {
            return Ok(());
        }
        self.scoped(|| {
            self.record_range(
                encoder,
                Pass::Sigmoid,
                &[(input, input_offset)],
                (output, output_offset),
                elements,
                None,
            );
            Ok(())
        })
    }
}

fn check_lengths(host: usize, device: u64) -> Result<(), Error> {
    if host as u64 == device {
        Ok(())
    } else {
        Err(Error::LengthMismatch {
            input: host,
            output: usize::try_from(device).unwrap_or(usize::MAX),
        })
    }
}

fn check_range(
    what: &str,
    buffer: &wgpu::Buffer,
    offset: u64,
    elements: u64,
    alignment: u64,
) -> Result<(), Error> {
    let invalid = |message: String| Err(Error::InvalidArgument(format!("{what}: {message}")));
    if !buffer.usage().contains(wgpu::BufferUsages::STORAGE) {
        return invalid(format!(
            "buffer usages {:?} lack STORAGE (see wgpu_sigmoid::TENSOR_USAGES)",
            buffer.usage()
        ));
    }
    if !offset.is_multiple_of(alignment.max(1)) {
        return invalid(format!(
            "offset {offset} is not a multiple of the device's \
             min_storage_buffer_offset_alignment ({alignment} bytes)"
        ));
    }
    match elements
        .checked_mul(4)
        .and_then(|bytes| bytes.checked_add(offset))
    {
        Some(end) if end <= buffer.size() => Ok(()),
        _ => invalid(format!(
            "{elements} f32 at offset {offset} do not fit in a buffer of {} bytes",
            buffer.size()
        )),
    }
}
