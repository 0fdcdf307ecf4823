//! wgpu error scopes around the crate's work, so that wgpu errors become [`Error`]s and
//! never reach a device's uncaptured-error handler (whose default panics).

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

    /// Pops the scopes (innermost first, on this thread, before any await) and returns
    /// the first error caught.
    pub(crate) async fn pop(self) -> Result<(), Error> {
        let internal = self.internal.pop();
        let out_of_memory = self.out_of_memory.pop();
        let validation = self.validation.pop();
        let caught = [out_of_memory.await, validation.await, internal.await];
        match caught.into_iter().flatten().next() {
            Some(error) => Err(Error::from_wgpu(error)),
            None => Ok(()),
        }
    }
}
