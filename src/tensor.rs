//! Device-resident tensors and recording into the caller's encoder: data stays on the
//! GPU between operations, and many operations go in one submission.
//!
//! A [`GpuTensor`] remembers the [`Sigmoid`] that made it, and every operation checks
//! that before touching anything: wgpu resolves a buffer of another wgpu instance by its
//! index in the wrong instance's tables (and compares devices by that index too), so
//! without the check a tensor of one `Sigmoid` would silently read or write another
//! tensor's data.

use std::marker::PhantomData;

use crate::waiting::{self, Waiting};
use crate::{Element, Error, Sigmoid};
use crate::{scopes, transfer};

/// Buffer usages a [`GpuTensor`] made by this crate carries. A view of your own buffer
/// needs `STORAGE`; `COPY_SRC` to be downloaded and `COPY_DST` to be written.
pub const TENSOR_USAGES: wgpu::BufferUsages = wgpu::BufferUsages::STORAGE
    .union(wgpu::BufferUsages::COPY_SRC)
    .union(wgpu::BufferUsages::COPY_DST);

/// `len` elements of type `T` (`f32` by default, or `half::f16` / `half::bf16`) in a
/// buffer of one device, from a byte offset: a tensor [`Sigmoid::zeros`] or
/// [`Sigmoid::upload`] made, or a [view](GpuTensor::view) of a range of your own
/// buffer. 16-bit elements are stored packed, two per 4-byte word, element `2i` in the
/// low half.
///
/// Apply sigmoid with [`Recorder::forward_tensor`](crate::Recorder::forward_tensor) (the same tensor twice: in place)
/// or, batched with other work in your own encoder, [`Recorder::encode_forward`](crate::Recorder::encode_forward); read it back
/// with [`Sigmoid::download_async`] (or the blocking `download`). Cloning a tensor
/// clones the handle, not the data.
///
/// ```
/// # fn main() -> Result<(), wgpu_sigmoid::Error> {
/// let sigmoid = wgpu_sigmoid::Sigmoid::new()?;
/// let x = sigmoid.upload(&[-1.0f32, 0.0, 1.0])?;
/// sigmoid.recorder().forward_tensor(&x, &x)?;
/// assert_eq!(sigmoid.download(&x)?, [0.26894143, 0.5, 0.7310586]);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct GpuTensor<T: Element = f32> {
    pub(crate) buffer: wgpu::Buffer,
    /// The instance that made the tensor (or the view): the only one that may use it.
    pub(crate) owner: Owner,
    pub(crate) offset: u64,
    pub(crate) len: u64,
    /// Whether the last word's padding half (odd 16-bit counts) is the tensor's own.
    owns_padding: bool,
    element: PhantomData<T>,
}

impl<T: Element> GpuTensor<T> {
    /// A view of `len` elements of your `buffer` from byte `offset`, for `sigmoid`'s
    /// calls that take tensors ([`Recorder::encode_forward`](crate::Recorder::encode_forward), [`Sigmoid::download_async`], …), and for
    /// no other instance's. `buffer` must belong to `sigmoid`'s device (wgpu cannot tell
    /// a buffer's device; a wrong one is wgpu's undefined behaviour).
    ///
    /// A 16-bit range is rounded up to whole 4-byte words; with an odd `len` the last
    /// word's high half belongs to whoever follows the range and is never changed.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when `buffer` lacks `STORAGE` usage, `offset` is not a
    /// multiple of the device's `min_storage_buffer_offset_alignment` (256 bytes on most
    /// devices, 32 on lavapipe), or the range does not fit in the buffer.
    pub fn view(
        sigmoid: &Sigmoid,
        buffer: &wgpu::Buffer,
        offset: u64,
        len: u64,
    ) -> Result<GpuTensor<T>, Error> {
        let device = sigmoid.device();
        let alignment = u64::from(device.limits().min_storage_buffer_offset_alignment).max(1);
        let invalid = |message: String| Err(Error::InvalidArgument(message));
        if !buffer.usage().contains(wgpu::BufferUsages::STORAGE) {
            return invalid(format!(
                "buffer usages {:?} lack STORAGE (see wgpu_sigmoid::TENSOR_USAGES)",
                buffer.usage()
            ));
        }
        if !offset.is_multiple_of(alignment) {
            return invalid(format!(
                "offset {offset} is not a multiple of the device's \
                 min_storage_buffer_offset_alignment ({alignment} bytes)"
            ));
        }
        match bytes_of::<T>(len).and_then(|bytes| bytes.checked_add(offset)) {
            Some(end) if end <= buffer.size() => Ok(GpuTensor {
                buffer: buffer.clone(),
                owner: sigmoid.owner(),
                offset,
                len,
                owns_padding: false,
                element: PhantomData,
            }),
            _ => invalid(format!(
                "{len} elements at offset {offset} do not fit in a buffer of {} bytes",
                buffer.size()
            )),
        }
    }

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

    /// The buffer holding the elements, for use in your own passes.
    #[must_use]
    pub fn buffer(&self) -> &wgpu::Buffer {
        &self.buffer
    }

    /// Byte offset of the first element in [`GpuTensor::buffer`].
    #[must_use]
    pub fn offset(&self) -> u64 {
        self.offset
    }
}

/// Bytes of `len` elements of `T`, rounded up to whole words; `None` on overflow.
fn bytes_of<T>(len: u64) -> Option<u64> {
    len.checked_mul(size_of::<T>() as u64)
        .map(|b| b.div_ceil(4) * 4)
}

impl Sigmoid {
    /// A tensor of `len` zeros on this instance's device (usages [`TENSOR_USAGES`]).
    /// Tensors longer than one storage binding are fine (they are processed in
    /// pieces).
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] for more bytes than the device's `max_buffer_size`;
    /// [`Error::OutOfMemory`]; [`Error::DeviceLost`] once the device is gone (as every
    /// call that needs the device).
    pub fn zeros<T: Element>(&self, len: u64) -> Result<GpuTensor<T>, Error> {
        self.check_usable()?;
        let max = self.device().limits().max_buffer_size;
        let bytes = bytes_of::<T>(len).filter(|&b| b <= max).ok_or_else(|| {
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
                owner: self.owner(),
                offset: 0,
                len,
                owns_padding: true,
                element: PhantomData,
            })
        })
    }

    /// A tensor holding a copy of `x`.
    ///
    /// # Errors
    ///
    /// As [`Sigmoid::zeros`].
    pub fn upload<T: Element>(&self, x: &[T]) -> Result<GpuTensor<T>, Error> {
        let tensor = self.zeros(x.len() as u64)?;
        self.write(&tensor, x)?;
        Ok(tensor)
    }

    /// Overwrites `tensor` with `x` (same length). The copy reaches the GPU with the
    /// next submission on this instance's queue, before the work it carries.
    ///
    /// # Errors
    ///
    /// [`Error::DeviceMismatch`], [`Error::LengthMismatch`]; [`Error::InvalidArgument`]
    /// for a view without `COPY_DST` usage, or an odd count of 16-bit elements in a view
    /// (its last word is shared with the element after the range).
    pub fn write<T: Element>(&self, tensor: &GpuTensor<T>, x: &[T]) -> Result<(), Error> {
        self.recorder().check_device("tensor", tensor)?;
        Error::check_lengths(("x", x.len() as u64), ("tensor", tensor.len))?;
        check_usage("tensor", tensor, wgpu::BufferUsages::COPY_DST)?;
        self.check_usable()?;
        let odd_bytes = !size_of_val(x).is_multiple_of(4);
        if odd_bytes && !tensor.owns_padding {
            return Err(Error::InvalidArgument(format!(
                "cannot write an odd count ({}) of 16-bit elements into a view: its last \
                 4-byte word is shared with the element after the range",
                x.len()
            )));
        }
        // In pieces of whole words, so that wgpu's staging copy stays bounded.
        let piece = usize::try_from(self.config().max_chunk_elements)
            .unwrap_or(usize::MAX)
            .max(2)
            / 2
            * 2;
        self.scoped(|| {
            for (i, chunk) in x.chunks(piece).enumerate() {
                let offset = tensor.offset + (i * piece * size_of::<T>()) as u64;
                let bytes: &[u8] = bytemuck::cast_slice(chunk);
                if bytes.len().is_multiple_of(4) {
                    self.queue().write_buffer(&tensor.buffer, offset, bytes);
                } else {
                    // An odd count of 16-bit elements: pad the last word (the tensor's
                    // own padding).
                    let mut padded = bytes.to_vec();
                    padded.resize(bytes.len().div_ceil(4) * 4, 0);
                    self.queue().write_buffer(&tensor.buffer, offset, &padded);
                }
            }
            Ok(())
        })
    }

    /// The elements of `tensor`, after all work submitted so far, without blocking
    /// (see [`Sigmoid::forward_async`]; `Sigmoid::download` is the blocking form).
    ///
    /// # Errors
    ///
    /// As [`Sigmoid::download_into_async`].
    pub async fn download_async<T: Element>(&self, tensor: &GpuTensor<T>) -> Result<Vec<T>, Error> {
        let mut out = host_vec(tensor)?;
        self.read_tensor(tensor, &mut out, Waiting::Yield).await?;
        Ok(out)
    }

    /// Copies the elements of `tensor` into `out` (same length), after all work
    /// submitted so far, without blocking. Goes through one staging buffer of at most
    /// one piece.
    ///
    /// # Errors
    ///
    /// [`Error::DeviceMismatch`], [`Error::LengthMismatch`], [`Error::InvalidArgument`]
    /// for a view without `COPY_SRC` usage, or a GPU failure.
    pub async fn download_into_async<T: Element>(
        &self,
        tensor: &GpuTensor<T>,
        out: &mut [T],
    ) -> Result<(), Error> {
        self.read_tensor(tensor, out, Waiting::Yield).await
    }

    /// Copies `tensor` into `out` piece by piece through one staging buffer, waiting
    /// for each piece as `waiting` says.
    pub(crate) async fn read_tensor<T: Element>(
        &self,
        tensor: &GpuTensor<T>,
        out: &mut [T],
        waiting: Waiting,
    ) -> Result<(), Error> {
        self.recorder().check_device("tensor", tensor)?;
        Error::check_lengths(("out", out.len() as u64), ("tensor", tensor.len))?;
        check_usage("tensor", tensor, wgpu::BufferUsages::COPY_SRC)?;
        if out.is_empty() {
            return Ok(());
        }
        self.check_usable()?;
        let out: &mut [u8] = bytemuck::cast_slice_mut(out);
        // Pieces of whole words.
        let piece = usize::try_from(self.config().max_chunk_elements * 4).unwrap_or(1 << 24);
        let staging = self
            .recorder()
            .scoped_async(|| {
                Ok(self.device().create_buffer(&wgpu::BufferDescriptor {
                    label: Some("wgpu-sigmoid.download"),
                    size: (piece.min(out.len()).div_ceil(4) * 4) as u64,
                    usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                }))
            })
            .await?;
        for (i, chunk) in out.chunks_mut(piece).enumerate() {
            let offset = tensor.offset + (i * piece) as u64;
            self.read_piece((&tensor.buffer, offset), &staging, chunk, waiting)
                .await
                .map_err(|e| self.explain(e))?;
        }
        Ok(())
    }

    /// Copies `chunk.len()` bytes of `source` (a buffer and an offset) into `chunk`
    /// through `staging`.
    async fn read_piece(
        &self,
        (source, offset): (&wgpu::Buffer, u64),
        staging: &wgpu::Buffer,
        chunk: &mut [u8],
        waiting: Waiting,
    ) -> Result<(), Error> {
        let bytes = (chunk.len().div_ceil(4) * 4) as u64;
        let copy = scopes::scoped(self.device(), || {
            let mut encoder =
                self.device()
                    .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                        label: Some("wgpu-sigmoid.download"),
                    });
            encoder.copy_buffer_to_buffer(source, offset, staging, 0, bytes);
            Ok(encoder.finish())
        });
        let submission = waiting::submit(self.device(), self.queue(), copy.await?, waiting).await?;
        let mapped = transfer::request_map(staging, wgpu::MapMode::Read, bytes);
        waiting::until_done(self.device(), submission, self.config().timeout, waiting).await?;
        transfer::receive(mapped).await?;
        scopes::scoped(self.device(), || transfer::read_mapped(staging, chunk)).await
    }
}

/// A host vector as long as `tensor`, for its elements.
pub(crate) fn host_vec<T: Element>(tensor: &GpuTensor<T>) -> Result<Vec<T>, Error> {
    let len = usize::try_from(tensor.len).map_err(|_| {
        Error::Unsupported(format!("a tensor of {} elements on this host", tensor.len))
    })?;
    Ok(vec![T::zeroed(); len])
}

/// Which [`Sigmoid`] made a tensor: a token of that instance, and its adapter's name
/// for error messages.
#[derive(Clone, Debug)]
pub(crate) struct Owner {
    token: std::sync::Arc<()>,
    pub(crate) adapter: String,
}

impl Owner {
    pub(crate) fn new(adapter: String) -> Owner {
        Owner {
            token: std::sync::Arc::new(()),
            adapter,
        }
    }

    pub(crate) fn same(&self, other: &Owner) -> bool {
        std::sync::Arc::ptr_eq(&self.token, &other.token)
    }
}

fn check_usage<T: Element>(
    argument: &str,
    tensor: &GpuTensor<T>,
    usage: wgpu::BufferUsages,
) -> Result<(), Error> {
    if tensor.buffer.usage().contains(usage) {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "{argument}: buffer usages {:?} lack {usage:?}",
            tensor.buffer.usage()
        )))
    }
}
