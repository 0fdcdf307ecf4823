//! # wgpu-sigmoid
//!
//! The sigmoid activation, `sigmoid(x) = 1 / (1 + exp(-x))`, on any GPU that wgpu
//! reaches (Vulkan, Metal, DX12, GL), for `f32`, `f16` and `bf16` tensors of any
//! length, every result within 1 ULP of the correctly rounded value, and its gradient.
//!
//! ```
//! # fn main() -> Result<(), wgpu_sigmoid::Error> {
//! use wgpu_sigmoid::half::bf16;
//! let sigmoid = wgpu_sigmoid::Sigmoid::new()?;
//! let y = sigmoid.forward(&[-20.0, -1.0, 0.0, 1.0, 20.0])?;
//! assert_eq!(y, [2.0611537e-09, 2.6894143e-01, 5.0e-01, 7.3105860e-01, 1.0]);
//! // The same calls for every element type.
//! let h = sigmoid.forward(&[bf16::from_f32(0.0)])?;
//! assert_eq!(h, [bf16::from_f32(0.5)]);
//! let dx = sigmoid.backward(&y, &[1.0; 5])?; // dy · y · (1 − y)
//! assert_eq!(dx[2], 0.25);
//! # Ok(())
//! # }
//! ```
//!
//! - [`Sigmoid`] owns (or borrows) a device, the compiled kernels and reusable buffers;
//!   long inputs are processed in overlapping pieces, by the [`TransferPath`] that
//!   suits the adapter (mapped storage buffers on unified memory, a staging ring on
//!   discrete GPUs). [`Sigmoid::builder`] chooses the adapter and the [`Options`].
//! - Every call is generic over the [`Element`] type: `f32`, [`half::f16`],
//!   [`half::bf16`].
//! - [`GpuTensor`] keeps data on the device between operations, and the device-side
//!   [`Recorder`] ([`Sigmoid::recorder`]) records the pass into your own command
//!   encoder or compute pass ([`Recorder::encode_forward`]), on tensors or on
//!   [views](GpuTensor::view) of your own buffers, with no blocking.
//! - [`wgsl::FUNCTIONS`] is the faithful sigmoid as WGSL functions, to fuse into your
//!   own kernels (concatenation or naga_oil's `#import`).
//! - [`cpu`] holds the correctly rounded reference every GPU result is tested against.
//! - [`adapter`] chooses the adapter (`WGPU_BACKEND`, `WGPU_ADAPTER_NAME`,
//!   `WGPU_POWER_PREF`).
//!
//! The command-line tool (`wgpu-sigmoid apply`, `verify`, `bench`) is the separate
//! `wgpu-sigmoid-cli` crate of this workspace.
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![warn(unreachable_pub)]

pub mod adapter;
#[cfg(not(target_arch = "wasm32"))]
mod blocking;
pub mod cpu;
mod element;
mod error;
mod kernel;
mod liveness;
mod recorder;
mod rings;
mod scopes;
mod sigmoid;
mod tensor;
#[cfg(feature = "test-support")]
pub mod test_support;
mod transfer;
mod waiting;
pub mod wgsl;

pub use element::Element;
pub use error::{DeviceLost, Error, MapError};
/// The `half` crate, whose `f16` and `bf16` the API takes.
pub use half;
#[doc(hidden)]
pub use kernel::Format;
pub use kernel::{DispatchShape, MAX_VEC4_PER_INVOCATION, SIGMOID_WGSL, WORKGROUP_SIZE};
pub use recorder::{Recorder, Recording};
pub use sigmoid::{Config, Options, Sigmoid, SigmoidBuilder};
pub use tensor::{GpuTensor, TENSOR_USAGES};
pub use transfer::TransferPath;

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// Natively the instance and its futures cross threads; on the web nothing does.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use std::future::Future;

    #[test]
    fn sigmoid_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<crate::Sigmoid>();
        assert_send_sync::<crate::GpuTensor<half::f16>>();
    }

    /// The async calls' futures can be spawned on multi-threaded executors.
    #[allow(dead_code, reason = "compiled, never run: the check is the type")]
    fn async_calls_are_send(sigmoid: &crate::Sigmoid, x: &[f32], y: &mut [f32]) {
        fn assert_send<F: Future + Send>(_: F) {}
        assert_send(sigmoid.forward_async(x));
        assert_send(sigmoid.forward_into_async(x, y));
        assert_send(sigmoid.forward_in_place_async(y));
        assert_send(sigmoid.backward_async(x, x));
        assert_send(sigmoid.backward_into_async(x, x, y));
    }

    /// The same for the async downloads.
    #[allow(dead_code, reason = "compiled, never run: the check is the type")]
    fn async_downloads_are_send(
        sigmoid: &crate::Sigmoid,
        x: &crate::GpuTensor<f32>,
        y: &mut [f32],
    ) {
        fn assert_send<F: Future + Send>(_: F) {}
        assert_send(sigmoid.download_async(x));
        assert_send(sigmoid.download_into_async(x, y));
    }
}
