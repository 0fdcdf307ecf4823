//! Submitting a piece and waiting until the GPU has done it: on the calling thread (the
//! blocking API), on a short-lived thread while the caller's future is pending (the
//! async API, natively), or in the browser's event loop (the web, where nothing may
//! block and no thread is started).

/// How a call waits for the GPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Waiting {
    /// On the calling thread: the blocking API, which has nothing else to do meanwhile.
    #[cfg(not(target_arch = "wasm32"))]
    Block,
    /// With the calling future pending, so that its executor runs other tasks
    /// meanwhile: natively on a short-lived thread of its own (submitting goes there
    /// too, since some backends, GL among them, do the work inside `Queue::submit`); on
    /// the web the browser wakes the future.
    Yield,
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use native::{submit, until_done};
#[cfg(target_arch = "wasm32")]
pub(crate) use web::{submit, until_done};

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::sync::{Arc, Mutex, PoisonError};
    use std::time::Duration;

    use futures_intrusive::channel::shared::oneshot_channel;

    use super::Waiting;
    use crate::error::DeviceLost;
    use crate::{Error, scopes};

    /// Runs `work` as `waiting` says: here, or on a short-lived thread while the
    /// caller's future is pending (here after all if no thread can be started).
    async fn run<T, F>(waiting: Waiting, work: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, Error> + Send + 'static,
    {
        if waiting == Waiting::Block {
            return work();
        }
        // The work is handed over through a slot, so that it can still run here if the
        // thread cannot be started.
        let slot = Arc::new(Mutex::new(Some(work)));
        let theirs = Arc::clone(&slot);
        let (sender, receiver) = oneshot_channel();
        let spawned = std::thread::Builder::new()
            .name("wgpu-sigmoid-gpu".into())
            .spawn(move || {
                let work = theirs.lock().unwrap_or_else(PoisonError::into_inner).take();
                if let Some(work) = work {
                    // The receiver is gone only if the caller's future was dropped.
                    let _ = sender.send(work());
                }
            });
        if spawned.is_ok()
            && let Some(result) = receiver.receive().await
        {
            return result;
        }
        let work = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
        match work {
            Some(work) => work(),
            None => Err(Error::Bug(
                "the thread running GPU work ended without an answer".into(),
            )),
        }
    }

    /// Submits `commands` to `queue` inside error scopes (on the thread that submits:
    /// scopes are per thread), as `waiting` says.
    pub(crate) async fn submit(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        commands: wgpu::CommandBuffer,
        waiting: Waiting,
    ) -> Result<wgpu::SubmissionIndex, Error> {
        let (device, queue) = (device.clone(), queue.clone());
        run(waiting, move || {
            // wgpu-core's popped scopes are ready futures: this returns at once.
            pollster::block_on(scopes::scoped(&device, || Ok(queue.submit([commands]))))
        })
        .await
    }

    /// Waits until `submission` has finished on the GPU, or `timeout` passes.
    pub(crate) async fn until_done(
        device: &wgpu::Device,
        submission: wgpu::SubmissionIndex,
        timeout: Duration,
        waiting: Waiting,
    ) -> Result<(), Error> {
        let device = device.clone();
        run(waiting, move || {
            poll_until_done(&device, submission, timeout)
        })
        .await
    }

    /// Blocks until `submission` has finished on the GPU, or `timeout` passes.
    fn poll_until_done(
        device: &wgpu::Device,
        submission: wgpu::SubmissionIndex,
        timeout: Duration,
    ) -> Result<(), Error> {
        // `Duration::MAX` is no limit (wgpu's `None`), not a deadline to compute.
        let limit = (timeout != Duration::MAX).then_some(timeout);
        match device.poll(wgpu::PollType::Wait {
            submission_index: Some(submission),
            timeout: limit,
        }) {
            Ok(_) => Ok(()),
            Err(wgpu::PollError::Timeout) => Err(Error::Timeout(timeout)),
            // The queue never accepted our submission: the device is destroyed or lost.
            Err(e @ wgpu::PollError::WrongSubmissionIndex(..)) => {
                Err(Error::DeviceLost(DeviceLost::found(e)))
            }
        }
    }
}

#[cfg(target_arch = "wasm32")]
mod web {
    use std::time::Duration;

    use super::Waiting;
    use crate::{Error, scopes};

    /// Submits `commands` to `queue` inside error scopes, and awaits the browser's
    /// answer to them.
    pub(crate) async fn submit(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        commands: wgpu::CommandBuffer,
        _: Waiting,
    ) -> Result<wgpu::SubmissionIndex, Error> {
        scopes::scoped(device, || Ok(queue.submit([commands]))).await
    }

    /// Nothing to do here: the browser resolves the piece's mappings, which the caller
    /// awaits next, once the GPU has finished it (`Device::poll` returns at once on the
    /// web). The timeout is not applied: what bounds the wait is the browser, which
    /// loses a device whose work does not finish (its GPU watchdog), and the mapping
    /// then fails with [`Error::DeviceLost`].
    pub(crate) async fn until_done(
        _: &wgpu::Device,
        _: wgpu::SubmissionIndex,
        _: Duration,
        _: Waiting,
    ) -> Result<(), Error> {
        Ok(())
    }
}
