//! # wgpu-sigmoid
//!
//! The sigmoid activation, `sigmoid(x) = 1 / (1 + exp(-x))`, on any GPU that wgpu
//! reaches (Vulkan, Metal, DX12, GL), for `f32`, `f16` and `bf16` tensors of any
//! length, every result within 1 ULP of the correctly rounded value, and its gradient.
//!
//! ```no_run
//! # fn main() -> Result<(), wgpu_sigmoid::Error> {
//! let sigmoid = wgpu_sigmoid::Sigmoid::new()?;
//! let y = sigmoid.forward(&[-20.0, -1.0, 0.0, 1.0, 20.0])?;
//! assert_eq!(y, [2.0611537e-09, 2.6894143e-01, 5.0e-01, 7.3105860e-01, 1.0]);
//! # Ok(())
//! # }
//! ```
//!
//! - [`Sigmoid`] owns (or borrows) a device, the compiled kernels and reusable buffers;
//!   long inputs are processed in overlapping pieces, by the [`TransferPath`] that
//!   suits the adapter (mapped storage buffers on unified memory, a staging ring on
//!   discrete GPUs).
//! - [`Sigmoid::forward_half`] and friends take [`HalfFloat`]s (`half::f16`,
//!   `half::bf16`); [`Sigmoid::backward`] computes `dy · y · (1 − y)`.
//! - [`GpuTensor`] keeps data on the device between operations, and
//!   [`Sigmoid::encode`] records the pass into your own command encoder.
//! - [`cpu`] holds the correctly rounded reference every GPU result is tested against.
//! - [`adapter`] chooses the adapter (`WGPU_BACKEND`, `WGPU_ADAPTER_NAME`,
//!   `WGPU_POWER_PREF`).
//! - [`verify`] is the accuracy sweep behind `wgpu-sigmoid verify`.
//! - [`bench`](mod@bench) is the side-by-side benchmark behind `wgpu-sigmoid bench`.
//! - [`npy`] reads and writes `.npy` files (`f32`, `f16`, bf16 bits), whole or in
//!   blocks, and
//!   [`stream`] applies sigmoid to one in bounded memory (`wgpu-sigmoid apply`).
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![warn(unreachable_pub)]

pub mod adapter;
pub mod bench;
pub mod cpu;
mod element;
mod error;
pub mod kernel;
pub mod npy;
mod scopes;
mod sigmoid;
pub mod stream;
pub mod tensor;
mod transfer;
pub mod verify;

pub use adapter::AdapterOptions;
pub use element::{Element, HalfFloat};
pub use error::Error;
/// The `half` crate, whose `f16` and `bf16` the 16-bit API takes.
pub use half;
pub use sigmoid::{Options, Sigmoid, Stats};
pub use tensor::{GpuTensor, TENSOR_USAGES};
pub use transfer::TransferPath;

#[cfg(test)]
mod tests {
    #[test]
    fn sigmoid_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<crate::Sigmoid>();
    }
}
