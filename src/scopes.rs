//! wgpu error scopes around the crate's work, so that wgpu errors become [`Error`]s and
//! never reach a device's uncaptured-error handler (whose default panics).
//!
//! Scopes are pushed and popped with no `await` in between (natively they are per
//! thread, and their guards are `!Send`); only the popped scopes' answer is awaited.
//! wgpu's native backends answer at once. The browser answers later, from its event
//! loop: async calls await that, and synchronous calls on the web keep a late answer
//! for the instance's next call ([`LateErrors`]).

use std::sync::{Arc, Mutex, PoisonError};

use crate::Error;

/// Validation, out-of-memory and internal error scopes around one batch of work.
pub(crate) struct ErrorScopes {
    validation: wgpu::ErrorScopeGuard,
    out_of_memory: wgpu::ErrorScopeGuard,
    internal: wgpu::ErrorScopeGuard,
}

impl ErrorScopes {
    pub(crate) fn push(device: &wgpu::Device) -> ErrorScopes {
        ErrorScopes {
            validation: device.push_error_scope(wgpu::ErrorFilter::Validation),
            out_of_memory: device.push_error_scope(wgpu::ErrorFilter::OutOfMemory),
            internal: device.push_error_scope(wgpu::ErrorFilter::Internal),
        }
    }

    /// Pops the scopes now (innermost first); the future gives the first error they
    /// caught. It holds no scope guard, so it is `Send` wherever wgpu's futures are.
    pub(crate) fn pop(self) -> impl Future<Output = Result<(), Error>> + 'static {
        let internal = self.internal.pop();
        let out_of_memory = self.out_of_memory.pop();
        let validation = self.validation.pop();
        async move {
            let caught = [out_of_memory.await, validation.await, internal.await];
            match caught.into_iter().flatten().next() {
                Some(error) => Err(Error::from_wgpu(error)),
                None => Ok(()),
            }
        }
    }
}

/// Runs `f` inside error scopes on `device` and awaits the scopes' answer: its
/// result, or the wgpu error it caused, which takes precedence because it explains
/// whatever failed after it.
pub(crate) async fn scoped<T>(
    device: &wgpu::Device,
    f: impl FnOnce() -> Result<T, Error>,
) -> Result<T, Error> {
    let (result, popped) = {
        let scopes = ErrorScopes::push(device);
        (f(), scopes.pop())
    };
    popped.await.and(result)
}

/// Errors that the scopes of a synchronous call reported after it returned: on the
/// web, where the browser answers popped scopes from its event loop. The instance's
/// next call returns them. Natively the answer is always there in time, so nothing is
/// ever kept.
#[derive(Debug, Default)]
pub(crate) struct LateErrors {
    first: Arc<Mutex<Option<Error>>>,
}

impl LateErrors {
    /// Runs `f` inside error scopes on `device`, as [`scoped`] does, for a call that
    /// cannot wait: its result, or the wgpu error it caused when the answer is there
    /// at once. A later answer is kept for [`LateErrors::take`].
    pub(crate) fn scoped<T>(
        &self,
        device: &wgpu::Device,
        f: impl FnOnce() -> Result<T, Error>,
    ) -> Result<T, Error> {
        let scopes = ErrorScopes::push(device);
        let result = f();
        self.settle(scopes.pop()).and(result)
    }

    /// The scopes' answer. wgpu-core gives it at once (its popped scopes are ready
    /// futures), so blocking on it returns immediately.
    #[cfg(not(target_arch = "wasm32"))]
    fn settle(&self, popped: impl Future<Output = Result<(), Error>>) -> Result<(), Error> {
        pollster::block_on(popped)
    }

    /// The browser answers from its event loop, after this call has returned: the
    /// answer is awaited there, and an error kept for the next call.
    #[cfg(target_arch = "wasm32")]
    fn settle(
        &self,
        popped: impl Future<Output = Result<(), Error>> + 'static,
    ) -> Result<(), Error> {
        let first = Arc::clone(&self.first);
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(error) = popped.await {
                log::error!("wgpu-sigmoid: {error}");
                first
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get_or_insert(error);
            }
        });
        Ok(())
    }

    /// The first error kept since the last call, if any (then forgotten: it is
    /// reported once).
    pub(crate) fn take(&self) -> Result<(), Error> {
        match self
            .first
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}
