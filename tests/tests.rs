//! One test binary (faster to link): GPU results against the CPU reference, the CLI,
//! the shaders' validity, and the kernel algorithm's accuracy on the CPU mirror.
//!
//! GPU tests use the adapter that `WGPU_BACKEND` / `WGPU_ADAPTER_NAME` select. Without
//! an adapter they fail when `CI` or `WGPU_SIGMOID_REQUIRE_GPU` is set, and are skipped
//! with a loud message otherwise.
#![cfg(not(target_arch = "wasm32"))]

mod src;
