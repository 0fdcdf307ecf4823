//! For this repository's tests and tools, behind the `test-support` feature; not part
//! of the library's API (no promise of stability): the counters that prove the hot path
//! allocates nothing, and the library's workgroup grid, dispatch split and wait, which
//! the benchmarks' own kernels share with it.

use std::sync::atomic::Ordering;

use crate::{DispatchShape, Sigmoid};

/// What an instance's host calls have created and submitted so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Device buffers created for host calls (transfer slots).
    pub buffers_created: u64,
    /// Bind groups created for host calls.
    pub bind_groups_created: u64,
    /// Queue submissions made by host calls.
    pub submissions: u64,
}

/// The counts of `sigmoid` so far.
#[must_use]
pub fn stats(sigmoid: &Sigmoid) -> Stats {
    let counters = &sigmoid.counters;
    Stats {
        buffers_created: counters.buffers_created.load(Ordering::Relaxed),
        bind_groups_created: counters.bind_groups_created.load(Ordering::Relaxed),
        submissions: counters.submissions.load(Ordering::Relaxed),
    }
}

/// The workgroup grid `(x, y)` of the `f32` forward main pass over `len` elements at
/// `shape`, folded so that neither dimension exceeds `max_per_dimension` (as the
/// library dispatches it).
#[must_use]
pub fn grid(len: u64, shape: DispatchShape, max_per_dimension: u32) -> (u32, u32) {
    crate::kernel::grid(len, shape, max_per_dimension)
}

/// `(first element, count)` of each dispatch the library makes over `len` elements of
/// `element_bytes` bytes on `sigmoid`'s device: for a tool's own kernel to split its
/// work as the library splits its own.
#[must_use]
pub fn dispatch_ranges(sigmoid: &Sigmoid, len: u64, element_bytes: u64) -> Vec<(u64, u64)> {
    sigmoid
        .recorder()
        .dispatch_ranges(len, element_bytes)
        .collect()
}

/// Blocks until `submission` (on `sigmoid`'s queue) has finished, within the instance's
/// timeout: the library's own wait, for tools that time submissions of their own.
///
/// # Errors
///
/// [`crate::Error::Timeout`], or [`crate::Error::DeviceLost`] where the queue is gone.
#[cfg(not(target_arch = "wasm32"))]
pub fn wait(sigmoid: &Sigmoid, submission: wgpu::SubmissionIndex) -> Result<(), crate::Error> {
    pollster::block_on(crate::waiting::until_done(
        sigmoid.device(),
        submission,
        sigmoid.config().timeout,
        crate::waiting::Waiting::Block,
    ))
}
