//! Sigmoid of a `.npy` stream in bounded memory: a reader thread, the GPU and a writer
//! thread work on different blocks at once, so the disk is read and written while the
//! GPU computes, and the array is never held whole.
//!
//! Every dtype runs through its own kernel (16-bit files through the 16-bit kernels, so
//! half the bytes cross to the GPU and back). Memory: at most [`StreamOptions::blocks`]
//! blocks of [`StreamOptions::block_elements`] elements of the file's type exist at any
//! time (they are recycled from the writer back to the reader), plus the [`Sigmoid`]'s
//! transfer buffers for one block.

use std::io::{Read, Write};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::time::{Duration, Instant};

use wgpu_sigmoid::half::{bf16, f16};
use wgpu_sigmoid::{Element, Error, Sigmoid};

use crate::npy::{self, DataReader, DataWriter, Dtype, Header, NpyError};

/// Block size and count of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamOptions {
    /// Elements per block: one GPU call each.
    pub block_elements: usize,
    /// Blocks in existence at once (at least 3: one being read, one on the GPU, one
    /// being written); more lets a slow stage fall behind briefly without stalling.
    pub blocks: usize,
}

impl StreamOptions {
    /// Blocks of `sigmoid`'s piece size (one piece per call), four in existence.
    #[must_use]
    pub fn for_sigmoid(sigmoid: &Sigmoid) -> StreamOptions {
        StreamOptions {
            block_elements: usize::try_from(sigmoid.config().max_chunk_elements).unwrap_or(4 << 20),
            blocks: 4,
        }
    }

    /// Upper bound of the memory the stream itself holds for `elements` elements of
    /// `dtype`, in bytes: the blocks (no more than the data needs), and the transfer
    /// buffers of one block (4 per element on the staged path).
    #[must_use]
    pub fn memory_bound(&self, dtype: Dtype, elements: u64) -> u64 {
        let block = (self.block_elements as u64).min(elements.max(1));
        let blocks = (self.blocks.max(3) as u64).min(elements.div_ceil(block).max(1));
        (blocks + 4) * block * dtype.size()
    }
}

/// What a finished stream did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Elements processed.
    pub elements: u64,
    /// Element type of input and output.
    pub dtype: Dtype,
    /// Wall-clock time from the first read to the last write.
    pub elapsed: Duration,
}

/// Why a stream failed, by the side that failed.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// The input is not a supported `.npy` file, or reading it failed.
    #[error("input: {0}")]
    Input(NpyError),
    /// Writing the output failed (e.g. the disk is full).
    #[error("output: {0}")]
    Output(NpyError),
    /// The GPU failed.
    #[error(transparent)]
    Gpu(#[from] Error),
    /// A worker thread panicked (a bug).
    #[error("internal error: the {0} thread panicked")]
    Panicked(&'static str),
}

/// Reads the data that follows `header` from `reader`, applies sigmoid on the GPU, and
/// writes a `.npy` file of the same shape, order and dtype to `writer`; `progress`
/// hears of every block done (its element count). Returns the writer (for the caller
/// to sync or rename) and a summary.
pub fn sigmoid_npy<R, W>(
    sigmoid: &Sigmoid,
    header: &Header,
    reader: R,
    writer: W,
    options: StreamOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<(W, Summary), StreamError>
where
    R: Read + Send,
    W: Write + Send,
{
    let dtype = header
        .dtype()
        .ok_or_else(|| StreamError::Input(NpyError::UnsupportedDtype(header.descr.clone())))?;
    match dtype {
        Dtype::F32 => stream::<f32, R, W>(sigmoid, header, reader, writer, options, progress),
        Dtype::F16 => stream::<f16, R, W>(sigmoid, header, reader, writer, options, progress),
        Dtype::Bf16 => stream::<bf16, R, W>(sigmoid, header, reader, writer, options, progress),
    }
}

/// [`sigmoid_npy`] on elements of type `T`, the file's own.
/// The reader's stage: fills blocks (recycled ones first, at most `max_blocks` made)
/// from `data_reader` and sends them on, until the data ends or the next stage stops;
/// returns the elements read.
fn read_blocks<T: Element, R: Read>(
    data_reader: &mut DataReader<R>,
    (to_gpu, recycled): (&SyncSender<Vec<T>>, &Receiver<Vec<T>>),
    block_elements: usize,
    max_blocks: usize,
) -> Result<u64, NpyError> {
    let mut allocated = 0;
    let mut elements = 0;
    while data_reader.remaining() > 0 {
        let mut block = match recycled.try_recv() {
            Ok(block) => block,
            Err(_) if allocated < max_blocks => {
                allocated += 1;
                Vec::with_capacity(block_elements)
            }
            Err(_) => match recycled.recv() {
                Ok(block) => block,
                // The writer stopped; its error is the one to report.
                Err(_) => return Ok(elements),
            },
        };
        let n = usize::try_from(data_reader.remaining())
            .unwrap_or(usize::MAX)
            .min(block_elements);
        block.resize(n, T::zeroed());
        data_reader.read_raw(&mut block)?;
        elements += n as u64;
        if to_gpu.send(block).is_err() {
            // The GPU stage stopped; its error is the one to report.
            return Ok(elements);
        }
    }
    data_reader.finish()?;
    Ok(elements)
}

/// The writer's stage: a header of `header`'s shape and order and of `dtype`, then each
/// block from `from_gpu`, each sent back to the reader to be filled again.
fn write_blocks<T: Element, W: Write>(
    mut writer: W,
    (header, dtype): (&Header, Dtype),
    from_gpu: Receiver<Vec<T>>,
    recycle: &Sender<Vec<T>>,
) -> Result<W, NpyError> {
    npy::write_header_in_order(&mut writer, &header.shape, dtype, header.fortran_order)?;
    let mut data_writer = DataWriter::new(dtype);
    for block in from_gpu {
        data_writer.write_raw(&mut writer, &block)?;
        // The reader may be done and gone; then the block is simply freed.
        let _ = recycle.send(block);
    }
    writer.flush()?;
    Ok(writer)
}

/// The GPU's stage, on the calling thread: sigmoid of each block in place, passed on,
/// until the blocks end, the GPU fails, or the writer stops.
fn compute_blocks<T: Element>(
    sigmoid: &Sigmoid,
    from_reader: Receiver<Vec<T>>,
    to_writer: &SyncSender<Vec<T>>,
    progress: &mut dyn FnMut(u64),
) -> Result<(), wgpu_sigmoid::Error> {
    for mut block in from_reader {
        sigmoid.forward_in_place(&mut block)?;
        progress(block.len() as u64);
        if to_writer.send(block).is_err() {
            break;
        }
    }
    Ok(())
}

fn stream<T: Element, R, W>(
    sigmoid: &Sigmoid,
    header: &Header,
    reader: R,
    writer: W,
    options: StreamOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<(W, Summary), StreamError>
where
    R: Read + Send,
    W: Write + Send,
{
    let started = Instant::now();
    let mut data_reader = DataReader::new(reader, header).map_err(StreamError::Input)?;
    let dtype = data_reader.dtype();
    let block_elements = options.block_elements.max(1);
    let max_blocks = options.blocks.max(3);

    // Full blocks flow reader → GPU → writer; empty ones flow back writer → reader.
    let (to_gpu, from_reader) = sync_channel::<Vec<T>>(1);
    let (to_writer, from_gpu) = sync_channel::<Vec<T>>(1);
    let (recycle, recycled) = channel::<Vec<T>>();

    std::thread::scope(|scope| {
        let reader_thread = scope.spawn(move || {
            read_blocks(
                &mut data_reader,
                (&to_gpu, &recycled),
                block_elements,
                max_blocks,
            )
        });
        let writer_thread =
            scope.spawn(move || write_blocks(writer, (header, dtype), from_gpu, &recycle));

        let gpu_result = compute_blocks(sigmoid, from_reader, &to_writer, progress);
        // Closing our ends lets both workers finish whatever happened.
        drop(to_writer);

        let read = reader_thread
            .join()
            .map_err(|_| StreamError::Panicked("reader"))?;
        let written = writer_thread
            .join()
            .map_err(|_| StreamError::Panicked("writer"))?;
        // The root cause first: bad input explains everything after it, then the GPU,
        // then the output (whose failure stops the others quietly).
        let elements = read.map_err(StreamError::Input)?;
        gpu_result?;
        let writer = written.map_err(StreamError::Output)?;
        Ok((
            writer,
            Summary {
                elements,
                dtype,
                elapsed: started.elapsed(),
            },
        ))
    })
}
