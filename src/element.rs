//! The element types the GPU kernels handle: `f32`, and the 16-bit `half::f16` and
//! `half::bf16`, which travel packed two per word, are widened to `f32` exactly in the
//! shader, and are rounded once back to their type (no `SHADER_F16` needed).

use crate::kernel::Pass;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for half::f16 {}
    impl Sealed for half::bf16 {}
}

/// An element type of the host API: `f32`, `half::f16` or `half::bf16`.
pub trait Element: bytemuck::Pod + Send + Sync + sealed::Sealed {
    /// The kernel pass for sigmoid on this type.
    #[doc(hidden)]
    const PASS: Pass;
    /// The kernel pass for the gradient on this type.
    #[doc(hidden)]
    const BACKWARD: Pass;
}

impl Element for f32 {
    const PASS: Pass = Pass::Sigmoid;
    const BACKWARD: Pass = Pass::Backward;
}

impl Element for half::f16 {
    const PASS: Pass = Pass::SigmoidF16;
    const BACKWARD: Pass = Pass::BackwardF16;
}

impl Element for half::bf16 {
    const PASS: Pass = Pass::SigmoidBf16;
    const BACKWARD: Pass = Pass::BackwardBf16;
}

/// The 16-bit float types: `half::f16` (IEEE binary16) and `half::bf16` (bfloat16).
pub trait HalfFloat: Element {}

impl HalfFloat for half::f16 {}
impl HalfFloat for half::bf16 {}
