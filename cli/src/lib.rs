//! The tools around the `wgpu-sigmoid` library, behind the `wgpu-sigmoid` binary:
//! streaming `.npy` files through the GPU ([`stream`], [`npy`]), the accuracy sweep
//! ([`verify`]), and the side-by-side benchmark ([`bench`](mod@bench)) with its
//! copy-only ceiling ([`copy`]).
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![warn(unreachable_pub)]

pub mod bench;
pub mod copy;
pub mod npy;
pub mod stream;
pub mod verify;
