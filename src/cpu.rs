//! CPU side of the numerics: the correctly rounded reference, ULP distance, and a
//! line-for-line mirror of the GPU kernel.
//!
//! The reference ([`sigmoid`]) is what every GPU result is judged against: sigmoid is
//! evaluated in `f64` and rounded once to `f32`. The [`mirror`] module runs the
//! kernel's own `f32` algorithm on the CPU, so the algorithm's accuracy can be checked
//! over all 2³² inputs in seconds and under the "fast math" liberties a GPU compiler may
//! take (flushed subnormals, unfused `fma`).

pub mod mirror;

/// Bit set in a quiet NaN; the kernel and the reference both return the input NaN with
/// this bit set, so a NaN's sign and payload survive.
pub const QUIET_NAN_BIT: u32 = 0x0040_0000;

/// Correctly rounded sigmoid of one `f32`: `1 / (1 + exp(-x))` evaluated in `f64`,
/// rounded once to `f32`.
///
/// Special values: NaN gives the same NaN, quieted; `+inf` gives `1`; `-inf` gives `0`;
/// `±0` gives `0.5`. Results below `f32::MIN_POSITIVE` are the correctly rounded
/// subnormal (not flushed to zero).
///
/// ```
/// use wgpu_sigmoid::cpu;
/// assert_eq!(cpu::sigmoid(0.0), 0.5);
/// assert_eq!(cpu::sigmoid(-20.0).to_bits(), 0x310d_a433);
/// ```
#[must_use]
pub fn sigmoid(x: f32) -> f32 {
    if x.is_nan() {
        return f32::from_bits(x.to_bits() | QUIET_NAN_BIT);
    }
    sigmoid_f64(f64::from(x)) as f32
}

/// Sigmoid in `f64`, written so that neither branch cancels: for negative `x` it uses
/// `e / (1 + e)` with `e = exp(x)`, which stays accurate where `1 / (1 + exp(-x))` would
/// overflow `exp`.
#[must_use]
pub fn sigmoid_f64(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Applies [`sigmoid`] to every element of `x`.
#[must_use]
pub fn sigmoid_slice(x: &[f32]) -> Vec<f32> {
    x.iter().copied().map(sigmoid).collect()
}

/// Distance in units in the last place between two non-NaN `f32` values: the number of
/// representable `f32` values between them, counting across zero (`-0.0` and `+0.0`
/// are the same point). Returns `None` if either is NaN.
///
/// ```
/// use wgpu_sigmoid::cpu::ulp_distance;
/// assert_eq!(ulp_distance(1.0, 1.0), Some(0));
/// assert_eq!(ulp_distance(1.0, f32::from_bits(1.0f32.to_bits() + 2)), Some(2));
/// assert_eq!(ulp_distance(-0.0, 0.0), Some(0));
/// assert_eq!(ulp_distance(f32::NAN, 0.0), None);
/// ```
#[must_use]
pub fn ulp_distance(a: f32, b: f32) -> Option<u32> {
    if a.is_nan() || b.is_nan() {
        return None;
    }
    // At most 2 * 0x7f80_0000 (from -inf to +inf), which fits in u32.
    Some(u32::try_from(ordered(a).abs_diff(ordered(b))).unwrap_or(u32::MAX))
}

/// Maps an `f32` onto a line of integers in which adjacent values are adjacent
/// integers and both zeros meet at 0.
fn ordered(x: f32) -> i64 {
    let magnitude = i64::from(x.to_bits() & 0x7fff_ffff);
    if x.is_sign_negative() {
        -magnitude
    } else {
        magnitude
    }
}

/// Whether a GPU result agrees with the reference within `max_ulp`, treating two NaNs
/// as equal (the kernel's NaN contract is checked separately, bit for bit).
#[must_use]
pub fn within_ulp(actual: f32, expected: f32, max_ulp: u32) -> bool {
    match ulp_distance(actual, expected) {
        Some(d) => d <= max_ulp,
        None => actual.is_nan() && expected.is_nan(),
    }
}
