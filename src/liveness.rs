//! Whether an instance's device is gone, so that every call that needs it returns
//! [`Error::DeviceLost`] once it is, instead of recording into or submitting to a dead
//! device (where wgpu, as WebGPU says, reports nothing).
//!
//! On a device this crate opened, its device-lost callback says so (with wgpu's
//! reason). A caller's device keeps the caller's own callback, so the device itself is
//! asked: a lost device makes invalid buffers, which refuse to be mapped.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::error::DeviceLost;
use crate::{Error, scopes};

/// How long an error path waits for a destroyed device's queue to drain, after which
/// wgpu calls the device-lost callback with its reason.
const LOSS_SETTLES_WITHIN: std::time::Duration = std::time::Duration::from_secs(1);

/// What an instance knows of its device's loss.
#[derive(Debug)]
pub(crate) struct Liveness {
    /// What the device-lost callback said: wgpu's reason and message. Kept apart from
    /// `found` because the callback must be `Send`, and a loss's source error is not on
    /// the web.
    told: Arc<Mutex<Option<(wgpu::DeviceLostReason, String)>>>,
    /// The first loss a failed call or a probe found, with the error behind it.
    found: Mutex<Option<DeviceLost>>,
    /// The device's lost callback is ours; otherwise [`Liveness::check`] probes.
    told_by_callback: bool,
}

impl Liveness {
    /// Sets `device`'s lost callback (a device this crate opened).
    pub(crate) fn watch(device: &wgpu::Device) -> Liveness {
        let told = Arc::new(Mutex::new(None));
        let telling = Arc::clone(&told);
        device.set_device_lost_callback(move |reason, message| {
            *telling.lock().unwrap_or_else(PoisonError::into_inner) = Some((reason, message));
        });
        Liveness {
            told,
            found: Mutex::new(None),
            told_by_callback: true,
        }
    }

    /// For a caller's device, whose callback stays the caller's.
    pub(crate) fn probing() -> Liveness {
        Liveness {
            told: Arc::new(Mutex::new(None)),
            found: Mutex::new(None),
            told_by_callback: false,
        }
    }

    fn found(&self) -> MutexGuard<'_, Option<DeviceLost>> {
        // The data are a value set once: a panic while holding the lock left it valid.
        self.found.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The loss known so far: the callback's reason where it spoke (with the source of
    /// what a call found), else what a call or a probe found.
    fn known(&self) -> Option<DeviceLost> {
        let told = self
            .told
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let found = self.found().clone();
        match (told, found) {
            (Some((reason, message)), found) => {
                let lost = DeviceLost::from_callback(reason, &message);
                Some(match found {
                    Some(found) => lost.with_source_of(found),
                    None => lost,
                })
            }
            (None, found) => found,
        }
    }

    /// `Err(DeviceLost)` once the device is gone. Costs a lock on a device of this
    /// crate; on a caller's device, a 4-byte buffer made, mapped and destroyed.
    pub(crate) fn check(&self, device: &wgpu::Device) -> Result<(), Error> {
        if let Some(lost) = self.known() {
            return Err(Error::DeviceLost(lost));
        }
        if !self.told_by_callback && device_is_gone(device) {
            return Err(Error::DeviceLost(
                self.remember(DeviceLost::found_without_source()),
            ));
        }
        Ok(())
    }

    /// Reports `error` as the device's loss when the device is gone, whatever wgpu
    /// called it (a rejected submission, a failed mapping), keeping `error` as the
    /// source; any other error is returned as it is.
    pub(crate) fn explain(&self, device: &wgpu::Device, error: Error) -> Error {
        if matches!(
            error,
            Error::LengthMismatch { .. } | Error::DeviceMismatch { .. } | Error::InvalidArgument(_)
        ) {
            return error;
        }
        // The device-lost callback runs from a poll.
        let _ = device.poll(wgpu::PollType::Poll);
        if self.known().is_none() {
            let gone = matches!(error, Error::DeviceLost(_)) || device_is_gone(device);
            if !gone {
                return error;
            }
            if self.told_by_callback {
                // wgpu loses a destroyed device, and calls the callback with its reason,
                // only once the queue is empty: give it the chance to, briefly.
                let _ = device.poll(wgpu::PollType::Wait {
                    submission_index: None,
                    timeout: Some(LOSS_SETTLES_WITHIN),
                });
            }
        }
        let lost = match (self.known(), error) {
            (Some(known), Error::DeviceLost(found)) => known.with_source_of(found),
            (Some(known), other) => known.with_source(other),
            (None, Error::DeviceLost(found)) => found,
            (None, other) => DeviceLost::found(other),
        };
        Error::DeviceLost(self.remember(lost))
    }

    /// Keeps the first loss found, so that later calls report it without probing.
    fn remember(&self, lost: DeviceLost) -> DeviceLost {
        self.found().get_or_insert(lost).clone()
    }
}

/// Whether the device is gone: on a lost or destroyed device new buffers are invalid
/// (wgpu reports no error for that, per WebGPU), so mapping one fails.
fn device_is_gone(device: &wgpu::Device) -> bool {
    let scopes = scopes::ErrorScopes::push(device);
    let probe = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("wgpu-sigmoid.lost-probe"),
        size: 4,
        usage: wgpu::BufferUsages::MAP_WRITE | wgpu::BufferUsages::COPY_SRC,
        mapped_at_creation: true,
    });
    let gone = probe.get_mapped_range_mut(0..4).is_err();
    probe.destroy();
    // Whatever the probe stirred up is not the caller's business: the scopes' answer
    // is not awaited.
    drop(scopes.pop());
    gone
}
