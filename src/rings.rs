//! The transfer slots of an instance, one ring per call in progress, kept between calls.
//!
//! A call leases a ring for its whole length and gives it back at the end. A second
//! call while the first is still running (another thread, or a blocking call in the
//! task that polls a pending async call) leases another ring instead of waiting: waiting
//! would hang whenever the first call's future can only be polled by the waiting thread.
//! Nothing is locked across an `await`; the lock below is held for a push or a pop.

use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::transfer::Slot;

/// One call's slots: slot k mod depth carries piece k.
pub(crate) type Ring = Vec<Option<Slot>>;

/// The idle rings of an instance.
#[derive(Debug, Default)]
pub(crate) struct Rings {
    idle: Mutex<Idle>,
}

#[derive(Debug, Default)]
struct Idle {
    rings: Vec<Ring>,
    /// Bumped by [`Rings::release`]: a ring leased before it is dropped, not kept.
    generation: u64,
}

impl Rings {
    fn idle(&self) -> MutexGuard<'_, Idle> {
        // The data are rings of buffers: a panic while holding the lock left them valid.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// An idle ring, or an empty one whose slots the call creates.
    pub(crate) fn lease(&self) -> Lease<'_> {
        let mut idle = self.idle();
        Lease {
            ring: idle.rings.pop().unwrap_or_default(),
            generation: idle.generation,
            rings: self,
        }
    }

    /// Frees the idle rings now, and the leased ones when their calls end.
    pub(crate) fn release(&self) {
        let mut idle = self.idle();
        idle.rings.clear();
        idle.generation += 1;
    }
}

/// A ring in use by one call. Dropped without [`Lease::give_back`] (the call failed, or
/// its future was dropped mid-way with pieces in flight), the ring is freed: its slots
/// may be half-way through a piece, and the next call starts from fresh ones.
pub(crate) struct Lease<'a> {
    /// The slots, the call's to use.
    pub(crate) ring: Ring,
    generation: u64,
    rings: &'a Rings,
}

impl Lease<'_> {
    /// Keeps the ring for the next call, unless released meanwhile.
    pub(crate) fn give_back(self) {
        let mut idle = self.rings.idle();
        if idle.generation == self.generation {
            idle.rings.push(self.ring);
        }
    }
}
