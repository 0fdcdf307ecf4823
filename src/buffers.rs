//! Device buffers for one chunk, kept between calls and grown on demand, and the
//! readback of results to the host.

use crate::Error;

/// Input, output and readback buffers sized for `capacity` elements.
#[derive(Debug)]
pub(crate) struct ChunkBuffers {
    pub(crate) input: wgpu::Buffer,
    pub(crate) output: wgpu::Buffer,
    pub(crate) readback: wgpu::Buffer,
    /// Elements each buffer holds; a multiple of 4 so that `vec4` bindings fit.
    pub(crate) capacity: u64,
}

impl ChunkBuffers {
    /// Buffers for at least `elements` elements. Allocation failures surface through the
    /// caller's error scope.
    pub(crate) fn new(device: &wgpu::Device, elements: u64) -> ChunkBuffers {
        let capacity = elements.div_ceil(4).max(1) * 4;
        let size = capacity * 4;
        let buffer = |label, usage| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size,
                usage,
                mapped_at_creation: false,
            })
        };
        use wgpu::BufferUsages as U;
        ChunkBuffers {
            input: buffer("wgpu-sigmoid.input", U::STORAGE | U::COPY_DST),
            output: buffer("wgpu-sigmoid.output", U::STORAGE | U::COPY_SRC),
            readback: buffer("wgpu-sigmoid.readback", U::MAP_READ | U::COPY_DST),
            capacity,
        }
    }
}

/// Maps the first `out.len()` elements of `readback` (whose copy was submitted as
/// `submission`), copies them into `out`, and unmaps. Waits at most `timeout`.
pub(crate) async fn read_back(
    device: &wgpu::Device,
    readback: &wgpu::Buffer,
    submission: wgpu::SubmissionIndex,
    timeout: std::time::Duration,
    out: &mut [f32],
) -> Result<(), Error> {
    let bytes = (out.len() * 4) as u64;
    let (sender, receiver) = futures_intrusive::channel::shared::oneshot_channel();
    readback.map_async(wgpu::MapMode::Read, 0..bytes, move |result| {
        // The receiver only goes away if this call was abandoned; nothing to report then.
        let _ = sender.send(result);
    });
    wait(device, submission, timeout)?;
    match receiver.receive().await {
        Some(Ok(())) => {}
        Some(Err(e)) => return Err(Error::Map(e.to_string())),
        None => return Err(Error::Map("the map callback was dropped".into())),
    }
    {
        let view = readback
            .get_mapped_range(0..bytes)
            .map_err(|e| Error::Map(e.to_string()))?;
        out.copy_from_slice(bytemuck::cast_slice(&view));
    }
    readback.unmap();
    Ok(())
}

/// Blocks until `submission` has finished on the GPU, or `timeout` passes.
pub(crate) fn wait(
    device: &wgpu::Device,
    submission: wgpu::SubmissionIndex,
    timeout: std::time::Duration,
) -> Result<(), Error> {
    match device.poll(wgpu::PollType::Wait {
        submission_index: Some(submission),
        timeout: Some(timeout),
    }) {
        Ok(_) => Ok(()),
        Err(wgpu::PollError::Timeout) => Err(Error::Timeout(timeout)),
        // The queue never accepted our submission: the device is destroyed or lost.
        Err(e @ wgpu::PollError::WrongSubmissionIndex(..)) => Err(Error::DeviceLost(format!(
            "the queue rejected the submission ({e})"
        ))),
    }
}
