//! Device-resident tensors and recording into the caller's encoder: data stays on the
//! GPU between operations, and many operations go in one submission.

use std::marker::PhantomData;

use crate::kernel::Pass;
use crate::transfer::{self, MapReceiver};
use crate::{Element, Error, HalfFloat, Sigmoid};

/// Buffer usages [`Sigmoid::encode`] needs on its input and output buffers. `STORAGE`
/// is required; `COPY_SRC`/`COPY_DST` are what [`GpuTensor`]s also carry, so that they
/// can be uploaded and downloaded.
pub const TENSOR_USAGES: wgpu::BufferUsages = wgpu::BufferUsages::STORAGE
    .union(wgpu::BufferUsages::COPY_SRC)
    .union(wgpu::BufferUsages::COPY_DST);

/// Elements of type `T` (`f32` by default, or `half::f16` / `half::bf16`) in a buffer
/// on a [`Sigmoid`]'s device. Create one with [`Sigmoid::upload`] / [`Sigmoid::zeros`]
/// (`f32`) or [`Sigmoid::upload_half`] / [`Sigmoid::zeros_half`]; apply sigmoid with
/// [`Sigmoid::forward_tensor`], [`Sigmoid::forward_tensor_in_place`] (`f32`) or, batched
/// with other work in your own encoder, [`Sigmoid::encode_tensors`]; read it back with
/// [`Sigmoid::download`]. 16-bit tensors are stored packed, two elements per word.
#[derive(Debug)]
pub struct GpuTensor<T: Element = f32> {
    buffer: wgpu::Buffer,
    len: u64,
    element: PhantomData<T>,
}

impl<T: Element> GpuTensor<T> {
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

    /// The buffer holding the elements from offset 0 (usages [`TENSOR_USAGES`]; its size
    /// is rounded up to whole 4-byte words), for use in your own passes.
    #[must_use]
    pub fn buffer(&self) -> &wgpu::Buffer {
        &self.buffer
    }
}

impl Sigmoid {
    /// A tensor of `len` `f32` zeros on this instance's device. Tensors longer than one
    /// storage binding are fine (they are processed in pieces); one larger than the
    /// device's `max_buffer_size` is an [`Error::Unsupported`].
    pub fn zeros(&self, len: u64) -> Result<GpuTensor, Error> {
        self.zeros_typed(len)
    }

    /// A tensor of `len` 16-bit zeros (`half::f16` or `half::bf16`).
    pub fn zeros_half<T: HalfFloat>(&self, len: u64) -> Result<GpuTensor<T>, Error> {
        self.zeros_typed(len)
    }

    fn zeros_typed<T: Element>(&self, len: u64) -> Result<GpuTensor<T>, Error> {
        let max = self.device().limits().max_buffer_size;
        let bytes = len
            .checked_mul(size_of::<T>() as u64)
            .map(|b| b.div_ceil(4) * 4)
            .filter(|&b| b <= max)
            .ok_or_else(|| {
                Error::Unsupported(format!(
                    "a tensor of {len} elements of {} bytes exceeds this device's \
                     max_buffer_size of {max} bytes",
                    size_of::<T>()
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
                element: PhantomData,
            })
        })
    }

    /// An `f32` tensor holding a copy of `x`.
    pub fn upload(&self, x: &[f32]) -> Result<GpuTensor, Error> {
        let tensor = self.zeros(x.len() as u64)?;
        self.write(&tensor, x)?;
        Ok(tensor)
    }

    /// A 16-bit tensor holding a copy of `x`.
    pub fn upload_half<T: HalfFloat>(&self, x: &[T]) -> Result<GpuTensor<T>, Error> {
        let tensor = self.zeros_half(x.len() as u64)?;
        self.write(&tensor, x)?;
        Ok(tensor)
    }

    /// Overwrites `tensor` with `x` (same length). The copy reaches the GPU with the
    /// next submission on this instance's queue, before the work it carries.
    pub fn write<T: Element>(&self, tensor: &GpuTensor<T>, x: &[T]) -> Result<(), Error> {
        check_lengths(x.len(), tensor.len)?;
        // In pieces of whole words, so that wgpu's staging copy stays bounded.
        let piece = usize::try_from(self.chunk_elements())
            .unwrap_or(usize::MAX)
            .max(2)
            / 2
            * 2;
        self.scoped(|| {
            for (i, chunk) in x.chunks(piece).enumerate() {
                let offset = (i * piece * size_of::<T>()) as u64;
                let bytes: &[u8] = bytemuck::cast_slice(chunk);
                if bytes.len().is_multiple_of(4) {
                    self.queue().write_buffer(&tensor.buffer, offset, bytes);
                } else {
                    // An odd count of 16-bit elements: pad the last word (the buffer
                    // has room for it).
                    let mut padded = bytes.to_vec();
                    padded.resize(bytes.len().div_ceil(4) * 4, 0);
                    self.queue().write_buffer(&tensor.buffer, offset, &padded);
                }
            }
            Ok(())
        })
    }

    /// The elements of `tensor`, after all work submitted so far.
    pub fn download<T: Element>(&self, tensor: &GpuTensor<T>) -> Result<Vec<T>, Error> {
        let mut out = vec![T::zeroed(); usize::try_from(tensor.len).unwrap_or(usize::MAX)];
        self.download_into(tensor, &mut out)?;
        Ok(out)
    }

    /// Copies the elements of `tensor` into `out` (same length), after all work
    /// submitted so far. Goes through one staging buffer of at most one piece.
    pub fn download_into<T: Element>(
        &self,
        tensor: &GpuTensor<T>,
        out: &mut [T],
    ) -> Result<(), Error> {
        check_lengths(out.len(), tensor.len)?;
        if out.is_empty() {
            return Ok(());
        }
        let out: &mut [u8] = bytemuck::cast_slice_mut(out);
        // Pieces of whole words.
        let piece = (self.chunk_elements() * 4) as usize;
        let staging = self.scoped(|| {
            Ok(self.device().create_buffer(&wgpu::BufferDescriptor {
                label: Some("wgpu-sigmoid.download"),
                size: (piece.min(out.len()).div_ceil(4) * 4) as u64,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }))
        })?;
        for (i, chunk) in out.chunks_mut(piece).enumerate() {
            let bytes = (chunk.len().div_ceil(4) * 4) as u64;
            let (submission, mapped) = self.scoped(|| {
                let mut encoder =
                    self.device()
                        .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                            label: Some("wgpu-sigmoid.download"),
                        });
                encoder.copy_buffer_to_buffer(
                    &tensor.buffer,
                    (i * piece) as u64,
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
        chunk: &mut [u8],
    ) -> Result<(), Error> {
        let waited = transfer::wait(self.device(), submission, self.timeout())
            .and_then(|()| pollster::block_on(transfer::receive(mapped)));
        waited.map_err(|e| self.explain(e))?;
        self.scoped(|| {
            {
                let view = staging
                    .get_mapped_range(0..(chunk.len().div_ceil(4) * 4) as u64)
                    .map_err(|e| Error::Map(e.to_string()))?;
                chunk.copy_from_slice(&view[..chunk.len()]);
            }
            staging.unmap();
            Ok(())
        })
    }

    /// Submits `output = sigmoid(input)` (same length and type) and returns without
    /// waiting; a later [`Sigmoid::download`] sees the result.
    pub fn forward_tensor<T: Element>(
        &self,
        input: &GpuTensor<T>,
        output: &GpuTensor<T>,
    ) -> Result<(), Error> {
        self.submit(|encoder| self.encode_tensors(encoder, input, output))
    }

    /// Submits `tensor = sigmoid(tensor)` and returns without waiting.
    pub fn forward_tensor_in_place<T: Element>(&self, tensor: &GpuTensor<T>) -> Result<(), Error> {
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
    pub fn backward_tensor<T: Element>(
        &self,
        y: &GpuTensor<T>,
        dy: &GpuTensor<T>,
        dx: &GpuTensor<T>,
    ) -> Result<(), Error> {
        self.submit(|encoder| self.encode_backward(encoder, y, dy, dx))
    }

    /// Records the gradient of three tensors into `encoder`. `dx` must be a tensor of
    /// its own: WebGPU forbids reading and writing one buffer in a dispatch.
    pub fn encode_backward<T: Element>(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        y: &GpuTensor<T>,
        dy: &GpuTensor<T>,
        dx: &GpuTensor<T>,
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
                T::BACKWARD,
                &[(&y.buffer, 0), (&dy.buffer, 0)],
                (&dx.buffer, 0),
                y.len,
                None,
            );
            Ok(())
        })
    }

    /// Records `output = sigmoid(input)` for two tensors of the same length and type
    /// (the same `f32` tensor for in place) into `encoder`; nothing runs until you
    /// submit it.
    pub fn encode_tensors<T: Element>(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        input: &GpuTensor<T>,
        output: &GpuTensor<T>,
    ) -> Result<(), Error> {
        check_lengths(usize::try_from(input.len).unwrap_or(usize::MAX), output.len)?;
        self.encode_pass(
            encoder,
            T::PASS,
            (&input.buffer, 0),
            (&output.buffer, 0),
            input.len,
        )
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
        self.encode_pass(
            encoder,
            Pass::Sigmoid,
            (input, input_offset),
            (output, output_offset),
            elements,
        )
    }

    /// [`Sigmoid::encode`] for 16-bit floats `T` packed two per word (element 2i in
    /// the low half). The same requirements, with each range rounded up to whole 4-byte
    /// words (an odd count's last word is read whole and its high half written back
    /// unchanged); the same buffer only at the same offset (in place).
    pub fn encode_half<T: HalfFloat>(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        input: &wgpu::Buffer,
        input_offset: u64,
        output: &wgpu::Buffer,
        output_offset: u64,
        elements: u64,
    ) -> Result<(), Error> {
        self.encode_pass(
            encoder,
            T::PASS,
            (input, input_offset),
            (output, output_offset),
            elements,
        )
    }

    fn encode_pass(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        pass: Pass,
        (input, input_offset): (&wgpu::Buffer, u64),
        (output, output_offset): (&wgpu::Buffer, u64),
        elements: u64,
    ) -> Result<(), Error> {
        let alignment = u64::from(self.device().limits().min_storage_buffer_offset_alignment);
        let bytes = elements
            .checked_mul(pass.element_bytes())
            .map(|b| b.div_ceil(4) * 4);
        check_range("input", input, input_offset, bytes, elements, alignment)?;
        check_range("output", output, output_offset, bytes, elements, alignment)?;
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
                pass,
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
    bytes: Option<u64>,
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
    match bytes.and_then(|bytes| bytes.checked_add(offset)) {
        Some(end) if end <= buffer.size() => Ok(()),
        _ => invalid(format!(
            "{elements} elements at offset {offset} do not fit in a buffer of {} bytes",
            buffer.size()
        )),
    }
}
