//! The shader's WGSL, for composing into your own shaders.
//!
//! An elementwise pass alone is memory-bound: on a GPU the fast way to apply a sigmoid
//! is inside the kernel that produces its input (a matmul's or a bias-add's epilogue).
//! [`FUNCTIONS`] is the math of this crate's kernels, and nothing else, for exactly
//! that: the faithful sigmoid and its helpers as WGSL functions, with no bindings, no
//! entry points and no overrides.
//!
//! # Composing
//!
//! - **Concatenation**: your shader is `FUNCTIONS` followed by your own text
//!   (`format!("{FUNCTIONS}\n{yours}")`). This is how the crate builds its own kernels.
//! - **naga_oil** (Bevy's composer, 0.23, on naga 30 as wgpu 30): add `FUNCTIONS` as a
//!   composable module with `as_name: Some("wgpu_sigmoid".into())`, and write
//!   `#import wgpu_sigmoid::{sigmoid_vec4f, sigmoid_f32}` in your shader; naga_oil's
//!   module is then written back to WGSL (or passed as naga IR) for wgpu.
//!
//! Both are tested (`tests/src/fusion.rs`) with the kernel of `examples/fused_dense.wgsl`,
//! `y = sigmoid(x * w + b)`, on Vulkan and GL: at most 1 ULP from the correctly rounded
//! sigmoid of the f32 pre-activation, subnormal results, ±inf and NaN included. WESL (the
//! `wesl` crate) is not offered: its current versions (0.5, 0.6) need Rust 1.97.1, newer
//! than this crate's toolchain.
//!
//! # The contract
//!
//! - `fn sigmoid_vec4f(x: vec4<f32>, zero: u32) -> vec4<f32>` and
//!   `fn sigmoid_f32(x: f32, zero: u32) -> f32`: `1 / (1 + exp(-x))` within 1 ULP of
//!   the correctly rounded result for every f32 input (the crate's `verify` checks all
//!   2³²); NaN gives the same NaN quieted, `+inf` gives 1, `-inf` gives 0, and subnormal
//!   results are kept even where the hardware flushes them.
//! - `zero` must be 0 at run time, and read from memory the compiler cannot see
//!   through: a uniform or storage word your host writes as 0, never a literal or a
//!   `const`. The exact steps of the algorithm (Cody-Waite's error term, the division's
//!   remainder, the order of exp's sum) are hidden behind it; a compiler that could
//!   prove it 0 would be free to reassociate or contract them, and results would lose
//!   accuracy.
//! - Nothing in these functions may be reassociated: compile the shader without fast
//!   math (wgpu compiles WGSL with the IEEE-following defaults; do not enable a
//!   driver's fast-math or relaxed-precision options for it).
//! - `fn sigmoid_gradient_vec4f(y: vec4<f32>, dy: vec4<f32>) -> vec4<f32>`:
//!   `dy * (y * (1 - y))`, at most 3 ULP for finite inputs.
//! - `sigmoid_f16_bits_to_f32`, `sigmoid_f32_to_f16_bits`, `sigmoid_bf16_bits_to_f32`
//!   and `sigmoid_f32_to_bf16_bits` (`vec4<u32>` lanes holding 16-bit float bits in their
//!   low half, to and from `vec4<f32>`): exact widening, and rounding to nearest even
//!   with NaN kept, in integer arithmetic, so no hardware conversion can flush or round
//!   differently.
//! - Every name `FUNCTIONS` defines starts with `sigmoid_` or `SIGMOID_`: do not define
//!   such names in a shader it is concatenated with.

/// The faithful functions (see the [module](self) for the contract): valid WGSL on its
/// own (`shaders/sigmoid_functions.wgsl`).
pub const FUNCTIONS: &str = include_str!("../shaders/sigmoid_functions.wgsl");

/// The dispatch shape the kernels share with the tool's copy kernel: the
/// pipeline-overridable `WORKGROUP_SIZE` and `VEC4_PER_INVOCATION` (set by the host,
/// with no defaults in the shader), `MAX_VEC4_PER_INVOCATION`, and the grid-fold index.
/// Valid WGSL on its own (`shaders/dispatch.wgsl`); a kernel that uses it follows it.
pub const DISPATCH: &str = include_str!("../shaders/dispatch.wgsl");

/// The value of `const NAME: u32 = <digits>u;` in `source`, read at compile time, so
/// that a number the shader must hold as a constant is written only there.
#[allow(
    clippy::panic,
    reason = "evaluated at compile time: a constant the shader lacks fails the build"
)]
pub(crate) const fn u32_constant(source: &str, name: &str) -> u32 {
    let source = source.as_bytes();
    let name = name.as_bytes();
    let mut i = 0;
    while i + 6 + name.len() < source.len() {
        // "const " then the name, then ": u32 = ".
        if starts_with_at(source, i, b"const ") && starts_with_at(source, i + 6, name) {
            let mut j = i + 6 + name.len();
            if starts_with_at(source, j, b": u32 = ") {
                j += 8;
                let mut value: u32 = 0;
                let mut digits = 0;
                while j < source.len() && source[j].is_ascii_digit() {
                    value = value * 10 + (source[j] - b'0') as u32;
                    digits += 1;
                    j += 1;
                }
                if digits > 0 {
                    return value;
                }
            }
        }
        i += 1;
    }
    panic!("the shader declares no such `const NAME: u32 = <digits>u;`")
}

const fn starts_with_at(source: &[u8], at: usize, prefix: &[u8]) -> bool {
    if at + prefix.len() > source.len() {
        return false;
    }
    let mut k = 0;
    while k < prefix.len() {
        if source[at + k] != prefix[k] {
            return false;
        }
        k += 1;
    }
    true
}
