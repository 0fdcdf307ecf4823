//! The crate's error type.

use std::sync::Arc;
use std::time::Duration;

/// Everything that can go wrong in this crate. wgpu's own errors are caught (with error
/// scopes, never wgpu's default panicking handler) and kept as the [source] of the
/// variant that carries them; `Error` is `Clone`, so that one failure can be reported to
/// every caller waiting on it.
///
/// [source]: std::error::Error::source
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A backend name that wgpu does not know (in `WGPU_BACKEND` or an option).
    #[error(
        "unknown backend `{value}` in {origin}: expected a comma-separated list of vulkan, gl, metal, dx12, webgpu (backends in this build: {available})"
    )]
    UnknownBackend {
        /// The name as given.
        value: String,
        /// Where it came from, e.g. `WGPU_BACKEND`.
        origin: &'static str,
        /// Backends compiled into this build, e.g. `vulkan, gl`.
        available: String,
    },
    /// A power preference other than `low`, `high` or `none`.
    #[error("unknown power preference `{value}` in {origin}: expected low, high or none")]
    UnknownPowerPreference {
        /// The value as given.
        value: String,
        /// Where it came from, e.g. `WGPU_POWER_PREF`.
        origin: &'static str,
    },
    /// The requested backends are not compiled into this build or do not exist on this
    /// platform (e.g. DX12 on Linux).
    #[error(
        "backend {requested} is not available in this build on this platform (available: {available})"
    )]
    BackendUnavailable {
        /// The backends asked for.
        requested: String,
        /// Backends compiled into this build.
        available: String,
    },
    /// Adapters exist, but none matches the requested backend or name.
    #[error("no adapter matches {requested}; adapters found: {available}{remedy}")]
    NoMatchingAdapter {
        /// What was asked for (backends, name).
        requested: String,
        /// Every adapter found on any backend, as `name (backend, type)`.
        available: String,
        /// When the backends asked for have no adapter at all: what to install for
        /// them (`. Without a GPU, install …`); empty when only the name matched none.
        remedy: String,
    },
    /// No adapter exists at all on the backends asked for.
    #[error("no GPU adapter found ({requested}). {remedy}")]
    NoAdapter {
        /// What was asked for (backends, name).
        requested: String,
        /// What to install for those backends, by Debian/Ubuntu package name.
        remedy: String,
    },
    /// The adapter refused to create a device.
    #[error("could not create a device on adapter `{adapter}`: {source}")]
    RequestDevice {
        /// Name of the adapter.
        adapter: String,
        /// wgpu's reason.
        source: wgpu::RequestDeviceError,
    },
    /// wgpu reported a validation error: a bug in this crate or an argument that broke a
    /// wgpu rule (e.g. a buffer of the wrong usage passed in).
    #[error("wgpu validation error: {description}")]
    Validation {
        /// wgpu's description.
        description: String,
        /// The error as wgpu reported it.
        source: Arc<wgpu::Error>,
    },
    /// The device ran out of memory.
    #[error("out of GPU memory: {source}")]
    OutOfMemory {
        /// The error as wgpu reported it.
        source: Arc<wgpu::Error>,
    },
    /// wgpu reported an internal error (e.g. a shader the driver failed to compile).
    #[error("wgpu internal error: {description}")]
    Internal {
        /// wgpu's description.
        description: String,
        /// The error as wgpu reported it.
        source: Arc<wgpu::Error>,
    },
    /// Mapping a buffer for readback failed.
    #[error("mapping a GPU buffer failed: {0}")]
    Map(#[source] MapError),
    /// The device is gone (destroyed, reset, or the driver crashed): every call that
    /// needs it returns this, and only a new instance can go on.
    #[error(transparent)]
    DeviceLost(DeviceLost),
    /// The GPU did not finish within the configured time.
    #[error("the GPU did not finish within {0:?}")]
    Timeout(Duration),
    /// A tensor was made by (or viewed for) another [`Sigmoid`](crate::Sigmoid) than
    /// the one it was passed to; nothing was read, written or recorded.
    #[error(
        "`{argument}` is a tensor of another Sigmoid instance (adapter `{tensor_adapter}`), not of this one (adapter `{adapter}`): another instance may run on another wgpu device, so use the tensor with the Sigmoid that made it"
    )]
    DeviceMismatch {
        /// The argument, e.g. `input`.
        argument: &'static str,
        /// The adapter of the tensor's device.
        tensor_adapter: String,
        /// The adapter of this instance's device.
        adapter: String,
    },
    /// An argument breaks a rule of the call (a buffer without `STORAGE` usage, a
    /// misaligned offset, a range outside its buffer, …); nothing was recorded.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The device lacks a feature the requested option needs, or a size exceeds its
    /// limits.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Two arguments that must have the same length do not.
    #[error("length mismatch: {argument} has {actual} elements, but {reference} has {expected}")]
    LengthMismatch {
        /// The argument whose length is wrong, e.g. `output`.
        argument: &'static str,
        /// Its length.
        actual: u64,
        /// The argument it must match, e.g. `input`.
        reference: &'static str,
        /// That argument's length.
        expected: u64,
    },
    /// A bug in wgpu-sigmoid itself: one of its own invariants did not hold (its kernel
    /// table and shader disagree, a thread of its own ended without an answer). Not
    /// the caller's doing and not the device's; please report it.
    #[error("bug in wgpu-sigmoid (please report it): {0}")]
    Bug(String),
}

/// Why a device is gone, as far as wgpu said: the payload of [`Error::DeviceLost`].
/// Its message is one sentence (what happened, wgpu's reason if it gave one, what to
/// do); the wgpu error that revealed the loss, if any, is its
/// [source](std::error::Error::source).
#[derive(Clone, Debug)]
pub struct DeviceLost {
    cause: LostCause,
    source: Option<Arc<Source>>,
}

/// The error behind a loss: `Send + Sync` natively, where errors cross threads; on the
/// web wgpu's own errors are neither, and nothing crosses threads.
#[cfg(not(target_arch = "wasm32"))]
type Source = dyn std::error::Error + Send + Sync;
#[cfg(target_arch = "wasm32")]
type Source = dyn std::error::Error;

#[derive(Clone, Debug)]
enum LostCause {
    /// `Device::destroy` was called.
    Destroyed,
    /// The driver or wgpu lost the device, with this message (maybe empty).
    Lost(String),
    /// Found gone by a failed operation, without a reason (a caller's device, whose
    /// lost callback is the caller's).
    Found,
}

impl DeviceLost {
    /// From wgpu's device-lost callback.
    pub(crate) fn from_callback(reason: wgpu::DeviceLostReason, message: &str) -> DeviceLost {
        let cause = match reason {
            wgpu::DeviceLostReason::Destroyed => LostCause::Destroyed,
            wgpu::DeviceLostReason::Unknown => return DeviceLost::lost(message.trim()),
        };
        DeviceLost {
            cause,
            source: None,
        }
    }

    /// A device found gone by a failed operation, `source` being wgpu's error for it:
    /// for code that drives this crate's device itself (its own submissions and polls).
    pub fn found(source: impl std::error::Error + wgpu::WasmNotSendSync + 'static) -> DeviceLost {
        DeviceLost {
            cause: LostCause::Found,
            source: Some(Arc::new(source)),
        }
    }

    /// A device given up for `message` (maybe empty).
    pub(crate) fn lost(message: &str) -> DeviceLost {
        DeviceLost {
            cause: LostCause::Lost(message.to_string()),
            source: None,
        }
    }

    /// A device found gone without an error to show for it (a failed probe).
    pub(crate) fn found_without_source() -> DeviceLost {
        DeviceLost {
            cause: LostCause::Found,
            source: None,
        }
    }

    /// This loss, with `source` as the error that revealed it (unless it has one).
    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + wgpu::WasmNotSendSync + 'static,
    ) -> DeviceLost {
        if self.source.is_none() {
            self.source = Some(Arc::new(source));
        }
        self
    }

    /// This loss, with `other`'s source (unless it has one).
    pub(crate) fn with_source_of(mut self, other: DeviceLost) -> DeviceLost {
        if self.source.is_none() {
            self.source = other.source;
        }
        self
    }

    /// Whether `Device::destroy` was called (as far as wgpu told this crate).
    #[must_use]
    pub fn was_destroyed(&self) -> bool {
        matches!(self.cause, LostCause::Destroyed)
    }
}

impl std::fmt::Display for DeviceLost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.cause {
            LostCause::Destroyed => write!(
                f,
                "the GPU device is lost: it was destroyed (Device::destroy)"
            ),
            LostCause::Lost(message) if !message.is_empty() => {
                write!(f, "the GPU device is lost (wgpu: {message})")
            }
            LostCause::Lost(_) => write!(f, "the GPU device is lost (wgpu gave no reason)"),
            LostCause::Found => write!(f, "the GPU device is lost or destroyed"),
        }?;
        write!(
            f,
            "; create a new Sigmoid to go on, and upload its tensors again"
        )
    }
}

impl std::error::Error for DeviceLost {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Why mapping a buffer failed: the map request was refused, or the mapped range could
/// not be viewed.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MapError {
    /// `map_async` reported failure (the device is lost, or the buffer destroyed).
    #[error("{0}")]
    Async(#[from] wgpu::BufferAsyncError),
    /// `get_mapped_range` refused the range.
    #[error("{0}")]
    Range(#[from] wgpu::MapRangeError),
    /// The map callback never ran (its buffer was dropped).
    #[error("the map callback was dropped")]
    CallbackDropped,
}

impl Error {
    /// Converts an error caught by a wgpu error scope.
    #[cfg_attr(
        target_arch = "wasm32",
        expect(
            clippy::arc_with_non_send_sync,
            reason = "the Arc makes Error Clone; on the web wgpu's errors are not Send, and \
                      nothing there crosses threads"
        )
    )]
    pub(crate) fn from_wgpu(error: wgpu::Error) -> Error {
        match &error {
            wgpu::Error::OutOfMemory { .. } => Error::OutOfMemory {
                source: Arc::new(error),
            },
            wgpu::Error::Validation { description, .. } => Error::Validation {
                description: description.clone(),
                source: Arc::new(error),
            },
            wgpu::Error::Internal { description, .. } => Error::Internal {
                description: description.clone(),
                source: Arc::new(error),
            },
        }
    }

    /// Checks that `argument` has as many elements as `reference`.
    pub(crate) fn check_lengths(
        (argument, actual): (&'static str, u64),
        (reference, expected): (&'static str, u64),
    ) -> Result<(), Error> {
        if actual == expected {
            Ok(())
        } else {
            Err(Error::LengthMismatch {
                argument,
                actual,
                reference,
                expected,
            })
        }
    }
}

impl From<MapError> for Error {
    fn from(error: MapError) -> Error {
        Error::Map(error)
    }
}

impl From<wgpu::BufferAsyncError> for Error {
    fn from(error: wgpu::BufferAsyncError) -> Error {
        Error::Map(error.into())
    }
}

impl From<wgpu::MapRangeError> for Error {
    fn from(error: wgpu::MapRangeError) -> Error {
        Error::Map(error.into())
    }
}
