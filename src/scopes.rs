//! wgpu error scopes around the crate's work, so that wgpu errors become [`Error`]s and
//! never reach a device's uncaptured-error handler (whose default panics).
//!
//! Scopes are per thread and their guards are `!Send`: they are pushed and popped on
//! one thread with no `await` in between, so that the crate's futures stay `Send`.

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

    /// Pops the scopes (innermost first) and returns the first error caught. On native
    /// backends the popped scopes' futures are ready at once, so waiting on them here
    /// never blocks.
    pub(crate) fn pop(self) -> Result<(), Error> {
        let internal = self.internal.pop();
        let out_of_memory = self.out_of_memory.pop();
        let validation = self.validation.pop();
        let caught =
            pollster::block_on(async { [out_of_memory.await, validation.await, internal.await] });
        match caught.into_iter().flatten().next() {
            Some(error) => Err(Error::from_wgpu(error)),
            None => Ok(()),
        }
    }
}

/// Runs `f` inside error scopes on `device`: its result, or the wgpu error it caused,
/// which takes precedence because it explains whatever failed after it.
pub(crate) fn scoped<T>(
    device: &wgpu::Device,
    f: impl FnOnce() -> Result<T, Error>,
) -> Result<T, Error> {
    let scopes = ErrorScopes::push(device);
    let result = f();
    scopes.pop().and(result)
}
