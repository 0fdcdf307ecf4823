//! The GPU kernel's algorithm in Rust, step for step with `shaders/sigmoid_functions.wgsl`.
//!
//! It exists so that the algorithm can be judged on the CPU: over all 2³² inputs in a
//! few seconds, and under the liberties WGSL allows a GPU compiler (subnormals flushed to
//! zero, `fma` evaluated as a rounded multiply followed by a rounded add). If you change
//! the shader, change this file the same way: the test
//! `kernel_matches_its_cpu_mirror_bit_for_bit` (tests/src/gpu.rs) compares the two bit
//! for bit on a sweep of inputs on the CI adapters.

/// How the floating-point operations of the mirror behave. [`Arith::IEEE`] is what a
/// strict CPU does; the others model what a GPU compiler is allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arith {
    /// `fma(a, b, c)` rounds once (true) or rounds `a * b` and then the sum (false).
    pub fused_fma: bool,
    /// Subnormal operands and results of float arithmetic are replaced by zero.
    pub flush_subnormals: bool,
    /// `a / b` is computed as `a * (1 / b)`, rounding twice (up to about 1.5 ULP off),
    /// as GPU compilers do.
    pub approximate_division: bool,
}

impl Arith {
    /// Strict IEEE 754 arithmetic with a fused `fma`.
    pub const IEEE: Arith = Arith {
        fused_fma: true,
        flush_subnormals: false,
        approximate_division: false,
    };
    /// The loosest arithmetic WGSL permits: unfused `fma`, flushed subnormals and
    /// approximate division. (Reassociation needs no model: every sum in the kernel
    /// whose order matters goes through `opaque()`.)
    pub const FAST_MATH: Arith = Arith {
        fused_fma: false,
        flush_subnormals: true,
        approximate_division: true,
    };

    fn ftz(self, x: f32) -> f32 {
        if self.flush_subnormals && x.is_subnormal() {
            0.0f32.copysign(x)
        } else {
            x
        }
    }

    fn add(self, a: f32, b: f32) -> f32 {
        self.ftz(self.ftz(a) + self.ftz(b))
    }

    fn sub(self, a: f32, b: f32) -> f32 {
        self.ftz(self.ftz(a) - self.ftz(b))
    }

    fn mul(self, a: f32, b: f32) -> f32 {
        self.ftz(self.ftz(a) * self.ftz(b))
    }

    fn div(self, a: f32, b: f32) -> f32 {
        if self.approximate_division {
            self.mul(a, self.ftz(1.0 / self.ftz(b)))
        } else {
            self.ftz(self.ftz(a) / self.ftz(b))
        }
    }

    fn fma(self, a: f32, b: f32, c: f32) -> f32 {
        let (a, b, c) = (self.ftz(a), self.ftz(b), self.ftz(c));
        if self.fused_fma {
            self.ftz(a.mul_add(b, c))
        } else {
            self.add(self.mul(a, b), c)
        }
    }
}

/// `log2(e)`, only used to pick the reduction integer `k`, so its rounding is harmless.
pub const LOG2_E: f32 = std::f32::consts::LOG2_E;
/// High part of `ln 2` with 9 significant bits: `k * LN2_HI` is exact for |k| < 2¹⁵.
pub const LN2_HI: f32 = 0.693_359_4;
/// `ln 2 - LN2_HI`, rounded to `f32`.
pub const LN2_LO: f32 = -2.121_944_4e-4;
/// Bits of 105.0: inputs are clamped to |x| ≤ 105 in the integer domain, beyond which the
/// result is exactly 0 or 1, so no infinity ever reaches float arithmetic.
pub const CLAMP_BITS: u32 = 0x42d2_0000;
/// Bits of 2⁻²⁵: inputs are clamped to |x| ≥ 2⁻²⁵ in the integer domain, below which
/// the result is exactly 0.5 (as it is at 2⁻²⁵), so no subnormal input and no value
/// whose square underflows reaches float arithmetic (slow on CPUs without
/// flush-to-zero).
pub const TINY_BITS: u32 = 0x3300_0000;
/// Coefficients of `P` in `exp(r) = 1 + r + r² P(r)` on |r| ≤ ln2/2 (a minimax fit of
/// degree 4: relative error of `exp` below 2⁻²⁷·⁹), highest degree first.
pub const EXP_P: [f32; 5] = [
    1.381_461_6e-3,
    8.368_71e-3,
    4.166_839e-2,
    1.666_652_1e-1,
    4.999_999_4e-1,
];

/// The kernel's sigmoid on one value with strict IEEE arithmetic.
#[must_use]
pub fn sigmoid(x: f32) -> f32 {
    sigmoid_with(x, Arith::IEEE)
}

/// The kernel's sigmoid on one value, with the given arithmetic.
#[must_use]
pub fn sigmoid_with(x: f32, m: Arith) -> f32 {
    let bits = x.to_bits();
    let magnitude_bits = bits & 0x7fff_ffff;
    // a = -|x|, clamped to [-105, -2⁻²⁵], which changes no result. Only
    // exp(a) = exp(-|x|) ≤ 1 is needed, which cannot overflow:
    // sigmoid(x) = exp(a) / (1 + exp(a)) for x ≤ 0 and 1 / (1 + exp(a)) for x > 0.
    let a = -f32::from_bits(magnitude_bits.clamp(TINY_BITS, CLAMP_BITS));

    // a = k ln2 + r with |r| ≤ ln2/2. `a - k*LN2_HI` is exact; `opaque` keeps a compiler
    // from merging the two products into `k * (LN2_HI + LN2_LO)`, which loses the low part.
    let k = m.mul(a, LOG2_E).round_ties_even();
    let r_hi = opaque(m.fma(-k, LN2_HI, a));
    let r = m.fma(-k, LN2_LO, r_hi);

    // exp(r) = 1 + r + r² P(r), rounded once into u. `opaque` keeps the small terms
    // summed first: adding 1 + r first rounds twice (2 ULP results).
    let mut p = EXP_P[0];
    for c in &EXP_P[1..] {
        p = m.fma(p, r, *c);
    }
    let u = m.add(1.0, opaque(m.fma(m.mul(r, r), p, r)));

    // e = exp(a) = 2^k u: scaling by a power of two is exact. 2^k is built from bits;
    // below 2^-126 it is 0, where 1 + e = 1 far beyond f32 precision. k as an integer
    // from the bits of k + 1.5 · 2²³ (exact for an integer |k| < 2²²), as the shader
    // does to avoid WGSL's saturating float-to-int conversion.
    const TWO_POW_23_TIMES_1_5: f32 = 12_582_912.0;
    let k_int = m
        .add(k, TWO_POW_23_TIMES_1_5)
        .to_bits()
        .wrapping_sub(TWO_POW_23_TIMES_1_5.to_bits())
        .cast_signed();
    let pow2_k = f32::from_bits(((k_int + 127).max(0) as u32) << 23);
    let e = m.mul(u, pow2_k);
    let d = m.add(1.0, e);

    // The quotient n / (1 + e), with n = u for x ≤ 0 (then scaled by 2^k) and n = 1 for
    // x > 0.
    let positive = bits >> 31 == 0;
    let n = if positive { 1.0 } else { u };

    // One correction step: q = q0 + remainder / d, with the remainder n - q0 (1 + e)
    // evaluated as (n - q0) - q0 e: n - q0 is exact (q0 lies in [n/2, n]), and q0 e is
    // exact with a fused fma and off by half an ulp of q0 e without one. Neither the
    // rounding of d nor an approximate division reaches the result. `opaque(q0)` stops
    // a compiler from contracting `n - q0` with the multiply inside an approximate
    // division (q0 = n * rcp(d)) into one fma, which would make n - q0 differ from the
    // rounded q0 the rest uses (seen on NVIDIA's Vulkan driver: 2 ULP errors).
    let q0 = opaque(m.div(n, d));
    // (The shader hides n - q0 with `opaque_select`, the same identity written as a
    // select, for the sake of lavapipe's instruction scheduling.)
    let remainder = m.fma(-q0, e, opaque(m.sub(n, q0)));
    let q = m.add(q0, m.div(remainder, d));
    let result = if positive {
        q
    } else {
        scale_by_pow2(q, pow2_k, k_int, m)
    };
    if magnitude_bits > 0x7f80_0000 {
        f32::from_bits(bits | super::QUIET_NAN_BIT)
    } else {
        result
    }
}

/// `q · 2^k` for positive normal `q` and `k ≤ 0`, given `pow2_k` = 2^k (0 below
/// 2^-126), rounded to nearest even also when the result is subnormal: a normal result
/// is the exact product; a subnormal one is `y = q · 2^(k+149)` smallest subnormals
/// (`y < 2^23`), rounded to an integer by adding 2^23, whose low mantissa bits are then
/// the result's bit pattern. No step produces a subnormal float, so flushing hardware
/// gets it right too.
#[must_use]
pub fn scale_by_pow2(q: f32, pow2_k: f32, k: i32, m: Arith) -> f32 {
    const TWO_POW_23: f32 = 8_388_608.0;
    let normal = m.mul(q, pow2_k);
    // 2^(k+149), capped at 2^23 where the result is normal anyway.
    let pow2_subnormal = f32::from_bits(((k + 276).min(150) as u32) << 23);
    let rounded = m.fma(q, pow2_subnormal, TWO_POW_23);
    let subnormal = f32::from_bits(rounded.to_bits().wrapping_sub(TWO_POW_23.to_bits()));
    if normal >= f32::MIN_POSITIVE {
        normal
    } else {
        subnormal
    }
}

/// The shader's `opaque()` and `opaque_select()`: the identity, which the GPU compiler
/// cannot see through (an XOR with, or a select on, a uniform that is always 0). On the
/// CPU, Rust never reassociates float operations, so the identity is faithful.
fn opaque(x: f32) -> f32 {
    x
}
