//! The command-line tool's tests (one binary, faster to link): `apply` on real `.npy`
//! files, streaming in bounded memory, the benchmark, and the accuracy sweeps of the
//! kernel's CPU mirror and of the GPU. GPU tests follow the library's rules: without an
//! adapter they fail when `CI` or `WGPU_SIGMOID_REQUIRE_GPU` is set.

mod src;
