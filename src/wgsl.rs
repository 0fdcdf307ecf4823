//! The shader's WGSL, for composing into your own shaders.
//!
//! [`FUNCTIONS`] is the math of the crate's kernels, and nothing else: the faithful
//! sigmoid and its helpers, as functions with no bindings and no entry points. A shader
//! that uses them is `FUNCTIONS` followed by its own text: plain concatenation.

/// The faithful functions: `sigmoid_vec4f(x: vec4<f32>, zero: u32) -> vec4<f32>` and
/// `sigmoid_f32(x: f32, zero: u32) -> f32`, where `zero` is a `u32` that is 0 at run
/// time, read from the caller's own memory (a uniform or storage word), which keeps
/// the compiler from rewriting the exact steps; the 16-bit conversions; and the
/// gradient. Valid WGSL on its own (`shaders/sigmoid_functions.wgsl`).
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
