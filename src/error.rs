//! The crate's error type.

use std::time::Duration;

/// Everything that can go wrong in this crate. wgpu's own errors are caught (with error
/// scopes, never wgpu's default panicking handler) and carried here as text, so that
/// `Error` is `Clone + PartialEq` and tests can compare errors.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// No adapter matched the request.
    #[error(
        "no GPU adapter found ({0}). Without a GPU, install Mesa's software Vulkan driver \
         (Debian/Ubuntu: `sudo apt-get install mesa-vulkan-drivers`, or run `scripts/setup.sh`), \
         or choose another backend with WGPU_BACKEND=vulkan|gl|metal|dx12"
    )]
    NoAdapter(String),
    /// The adapter refused to create a device.
    #[error("could not create a device on adapter `{adapter}`: {message}")]
    RequestDevice {
        /// Name of the adapter.
        adapter: String,
        /// wgpu's reason.
        message: String,
    },
    /// wgpu reported a validation error: a bug in this crate or an argument that broke a
    /// wgpu rule (e.g. a buffer of the wrong usage passed in).
    #[error("wgpu validation error: {0}")]
    Validation(String),
    /// The device ran out of memory.
    #[error("out of GPU memory: {0}")]
    OutOfMemory(String),
    /// wgpu reported an internal error (e.g. a shader the driver failed to compile).
    #[error("wgpu internal error: {0}")]
    Internal(String),
    /// Mapping a buffer for readback failed.
    #[error("mapping a GPU buffer failed: {0}")]
    Map(String),
    /// The device was lost (destroyed, reset, or the driver crashed).
    #[error("the GPU device was lost: {0}")]
    DeviceLost(String),
    /// The GPU did not finish within the configured time.
    #[error("the GPU did not finish within {0:?}")]
    Timeout(Duration),
    /// An argument breaks a rule of the call (a buffer without `STORAGE` usage, a
    /// misaligned offset, a range outside its buffer, …); nothing was recorded.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The device lacks a feature the requested option needs.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Input and output slices differ in length.
    #[error("length mismatch: input has {input} elements, output has {output}")]
    LengthMismatch {
        /// Elements in the input.
        input: usize,
        /// Elements in the output.
        output: usize,
    },
}

impl Error {
    /// Converts an error caught by a wgpu error scope.
    pub(crate) fn from_wgpu(error: wgpu::Error) -> Error {
        match error {
            wgpu::Error::OutOfMemory { .. } => Error::OutOfMemory(error.to_string()),
            wgpu::Error::Validation { description, .. } => Error::Validation(description),
            wgpu::Error::Internal { description, .. } => Error::Internal(description),
        }
    }
}
