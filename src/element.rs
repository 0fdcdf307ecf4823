//! The element types the GPU kernels handle: `f32`, and the 16-bit `half::f16` and
//! `half::bf16`, which travel packed two per word, are widened to `f32` exactly in the
//! shader, and are rounded once back to their type (no `SHADER_F16` needed).

use crate::kernel::Format;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for half::f16 {}
    impl Sealed for half::bf16 {}
}

/// An element type of the API: `f32`, `half::f16` or `half::bf16`. Every call is
/// generic over it; the kernel is chosen by the type, not by the method name.
///
/// NaN gives the same NaN quieted, ±inf gives 1/0, ±0 gives 0.5 and subnormal results
/// are not flushed, for every type; 16-bit elements are widened to `f32` exactly,
/// computed as `f32` and rounded once to their type.
pub trait Element: bytemuck::Pod + Send + Sync + std::fmt::Debug + sealed::Sealed {
    /// How the kernels store this type.
    #[doc(hidden)]
    const FORMAT: Format;
}

impl Element for f32 {
    const FORMAT: Format = Format::F32;
}

impl Element for half::f16 {
    const FORMAT: Format = Format::F16;
}

impl Element for half::bf16 {
    const FORMAT: Format = Format::Bf16;
}
