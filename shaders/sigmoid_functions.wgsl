// The faithful sigmoid and its helpers: functions and constants only (no bindings, no
// entry points, no overrides), valid WGSL on its own. The crate's kernels
// (`sigmoid_kernels.wgsl`) and the public `wgpu_sigmoid::wgsl::FUNCTIONS` are this text;
// a shader that uses it is this text followed by its own (concatenation, nothing else).
//
// The contract, for a shader of your own:
// - `sigmoid_vec4f(x: vec4<f32>, zero: u32) -> vec4<f32>` and
//   `sigmoid_f32(x: f32, zero: u32) -> f32`: sigmoid(x) = 1 / (1 + exp(-x)) within
//   1 ULP of the correctly rounded result for every f32 input; NaN gives the same NaN
//   quieted, +inf gives 1, -inf gives 0, subnormal results are kept.
// - `zero` must be 0 at run time and must come from memory the compiler cannot see
//   through: a uniform or storage word your host writes as 0 (never a literal or a
//   constant). The exact steps are hidden behind it (`sigmoid_opaque`); with a zero the
//   compiler can prove, it may reassociate or contract them and results lose accuracy.
// - Nothing here may be reassociated or compiled with fast math: compile your shader
//   with the ordinary (IEEE-following) settings; wgpu's are.
// - `sigmoid_gradient_vec4f(y, dy)`: dy * (y * (1 - y)), at most 3 ULP.
// - `sigmoid_f16_bits_to_f32`, `sigmoid_f32_to_f16_bits`, `sigmoid_bf16_bits_to_f32`,
//   `sigmoid_f32_to_bf16_bits`: exact widening of the 16-bit float bits in the low half
//   of each lane, and rounding to nearest even back, with integer arithmetic only.
// - Every name defined here starts with `sigmoid_` or `SIGMOID_`: do not define such
//   names in your shader.

// sigmoid(x) = 1 / (1 + exp(-x)) on f32, faithfully rounded: within 1 ULP of the
// correctly rounded result for all 2^32 inputs, checked exhaustively on the CPU mirror
// (src/cpu/mirror.rs, which follows this file step for step) under strict, unfused,
// flushing and approximate-division arithmetic; about 98 % exactly rounded. exp is
// carried as one rounded float: an unevaluated sum u + u_lo would round more results
// exactly but costs measurable time (BENCHMARKS.md).
//
// Accuracy must not depend on IEEE-strict behaviour, which WGSL does not promise:
// - special values (NaN, ±inf) are recognised from the bits, never with float compares;
// - infinities never reach float arithmetic (|x| is clamped in the integer domain);
// - subnormal results are assembled from integer bits, since hardware may flush them;
// - no subnormal enters or leaves float arithmetic on the common path: a CPU adapter
//   without flush-to-zero (lavapipe, llvmpipe on x86) takes a slow microcode assist on
//   each such operation (examples/kernel_ablation.rs prices it);
// - exact error terms (Cody-Waite, the division remainder) and the one sum whose order
//   matters (1 + r + r^2 P(r)) go through `sigmoid_opaque()` (one through `sigmoid_opaque_select()`),
//   which read a `zero` the compiler cannot see, so that a compiler that reassociates
//   or contracts cannot fold them to zero, merge the two halves of ln 2, or round twice.

// log2(e), only used to choose the reduction integer k.
const SIGMOID_LOG2_E: f32 = 1.442695;
// ln 2 = SIGMOID_LN2_HI + SIGMOID_LN2_LO; SIGMOID_LN2_HI has 9 significant bits, so k * SIGMOID_LN2_HI is exact.
const SIGMOID_LN2_HI: f32 = 0.6933594;
const SIGMOID_LN2_LO: f32 = -2.1219444e-4;
// Bits of 105.0: beyond |x| = 105 the result is exactly 0 or 1.
const SIGMOID_CLAMP_BITS: u32 = 0x42d20000u;
// Bits of 2^-25: below |x| = 2^-25 the result is exactly 0.5, as it is at 2^-25.
const SIGMOID_TINY_BITS: u32 = 0x33000000u;
const SIGMOID_EXPONENT_ONES: u32 = 0x7f800000u;
const SIGMOID_QUIET_NAN_BIT: u32 = 0x00400000u;
const SIGMOID_MIN_NORMAL: f32 = 1.17549435e-38;
const SIGMOID_TWO_POW_23: f32 = 8388608.0;
const SIGMOID_TWO_POW_23_BITS: u32 = 0x4b000000u;
const SIGMOID_TWO_POW_23_TIMES_1_5: f32 = 12582912.0;
const SIGMOID_TWO_POW_23_TIMES_1_5_BITS: i32 = 0x4b400000;
// exp(r) = 1 + r + r^2 P(r) on |r| <= ln2 / 2: P is a minimax fit of degree 4 (relative
// error of exp below 2^-27.9; degree 3 reaches only 2^-23.2, as large as u's rounding).
const SIGMOID_P0: f32 = 1.3814616e-3;
const SIGMOID_P1: f32 = 8.36871e-3;
const SIGMOID_P2: f32 = 4.166839e-2;
const SIGMOID_P3: f32 = 1.6666521e-1;
const SIGMOID_P4: f32 = 4.9999994e-1;

// The identity, invisible to the optimiser: the compiler cannot know that `zero` (read
// from memory by the caller) is 0, so it cannot rewrite expressions across this call.
fn sigmoid_opaque(v: vec4<f32>, zero: u32) -> vec4<f32> {
    return bitcast<vec4<f32>>(bitcast<vec4<u32>>(v) ^ vec4<u32>(zero));
}

// The same identity as a select on the never-true `zero != 0`. Used for n - q0 only,
// where it is what lets lavapipe's JIT interleave the four components (with the XOR
// there, LLVM scheduled them one after another, with more instructions and spills and a
// slower kernel: BENCHMARKS.md). Use it at most once along a chain of dependent values:
// a compiler may merge two selects on the same condition, which drops the inner one
// (LLVM did, when every sigmoid_opaque() was a select).
fn sigmoid_opaque_select(v: vec4<f32>, zero: u32) -> vec4<f32> {
    return select(v, bitcast<vec4<f32>>(vec4<u32>(zero)), zero != 0u);
}

// q * 2^k for positive normal q and k <= 0, given pow2_k = 2^k (0 below 2^-126),
// rounded to nearest even also when the result is subnormal. A normal result is the
// exact product. A subnormal result is y = q * 2^(k+149) smallest subnormals, with
// y < 2^23; adding 2^23 rounds y to an integer (to nearest even) in the low mantissa bits
// of a normal float, and those bits, less the bits of 2^23, are the subnormal's bit
// pattern. No step produces a subnormal float, so hardware that flushes subnormals gets
// it right too, and no float-to-integer conversion is needed.
fn sigmoid_scale_by_pow2(q: vec4<f32>, pow2_k: vec4<f32>, k: vec4<i32>) -> vec4<f32> {
    let normal = q * pow2_k;
    // 2^(k+149), capped at 2^23 where the result is normal anyway.
    let pow2_subnormal = bitcast<vec4<f32>>(min(k + vec4<i32>(276), vec4<i32>(150)) << vec4<u32>(23u));
    let rounded = fma(q, pow2_subnormal, vec4<f32>(SIGMOID_TWO_POW_23));
    let subnormal = bitcast<vec4<f32>>(bitcast<vec4<u32>>(rounded) - vec4<u32>(SIGMOID_TWO_POW_23_BITS));
    return select(subnormal, normal, normal >= vec4<f32>(SIGMOID_MIN_NORMAL));
}

// sigmoid(x) = 1 / (1 + exp(-x)) of each lane, within 1 ULP of the correctly rounded
// result; `zero` is a u32 that is 0 at run time, read from memory (see `sigmoid_opaque`).
fn sigmoid_vec4f(x: vec4<f32>, zero: u32) -> vec4<f32> {
    let bits = bitcast<vec4<u32>>(x);
    let magnitude_bits = bits & vec4<u32>(0x7fffffffu);
    // a = -|x|, clamped to [-105, -2^-25], which changes no result (see the constants)
    // and keeps infinities, subnormals and tiny values (whose squares underflow) out of
    // the arithmetic. Only exp(a) = exp(-|x|) <= 1 is needed, which cannot overflow:
    // sigmoid(x) = exp(a) / (1 + exp(a)) for x <= 0 and 1 / (1 + exp(a)) for x > 0.
    let a = -bitcast<vec4<f32>>(clamp(magnitude_bits, vec4<u32>(SIGMOID_TINY_BITS), vec4<u32>(SIGMOID_CLAMP_BITS)));

    // a = k ln2 + r, |r| <= ln2 / 2 (Cody-Waite): a - k * SIGMOID_LN2_HI is exact, so r carries
    // only the rounding of its last step.
    let k = round(a * SIGMOID_LOG2_E);
    let r_hi = sigmoid_opaque(fma(-k, vec4<f32>(SIGMOID_LN2_HI), a), zero);
    let r = fma(-k, vec4<f32>(SIGMOID_LN2_LO), r_hi);

    // exp(r) = 1 + r + r^2 P(r), rounded once into u. `sigmoid_opaque` keeps the small terms
    // summed first: adding 1 + r first rounds twice (2 ULP results).
    var p = fma(vec4<f32>(SIGMOID_P0), r, vec4<f32>(SIGMOID_P1));
    p = fma(p, r, vec4<f32>(SIGMOID_P2));
    p = fma(p, r, vec4<f32>(SIGMOID_P3));
    p = fma(p, r, vec4<f32>(SIGMOID_P4));
    let u = 1.0 + sigmoid_opaque(fma(r * r, p, r), zero);

    // e = exp(a) = 2^k u: scaling by a power of two is exact. 2^k is built from bits and
    // is 0 below 2^-126, where 1 + e = 1 far beyond f32 precision. k as an integer is
    // read from the bits of k + 1.5 * 2^23 (exact for an integer |k| < 2^22), not with
    // `vec4<i32>(k)`: WGSL's conversion saturates, and that clamp-and-convert was
    // measurably slower on Mesa 25's lavapipe (BENCHMARKS.md).
    let k_int = bitcast<vec4<i32>>(k + SIGMOID_TWO_POW_23_TIMES_1_5) - vec4<i32>(SIGMOID_TWO_POW_23_TIMES_1_5_BITS);
    let pow2_k = bitcast<vec4<f32>>(vec4<u32>(max(k_int + vec4<i32>(127), vec4<i32>(0))) << vec4<u32>(23u));
    let e = u * pow2_k;
    let d = 1.0 + e;

    // The quotient n / (1 + e), with n = u for x <= 0 (then scaled by 2^k) and n = 1
    // for x > 0.
    let positive = (bits >> vec4<u32>(31u)) == vec4<u32>(0u);
    let n = select(u, vec4<f32>(1.0), positive);

    // One correction step: q = q0 + remainder / d, with the remainder n - q0 (1 + e)
    // evaluated as (n - q0) - q0 e: n - q0 is exact (q0 lies in [n/2, n]) and q0 e is
    // exact with a fused fma, off by half an ulp of q0 e without one. So neither the
    // rounding of d nor an approximate division reaches the result: d appears only in
    // the estimate and in the correction's divisor. `sigmoid_opaque(q0)` stops a compiler from
    // contracting `n - q0` with the multiply inside an approximate division
    // (q0 = n * rcp(d)) into one fma, after which n - q0 no longer matches the rounded
    // q0 used elsewhere (NVIDIA's Vulkan driver did this: 2 ULP errors without it).
    let q0 = sigmoid_opaque(n / d, zero);
    let remainder = fma(-q0, e, sigmoid_opaque_select(n - q0, zero));
    let q = q0 + remainder / d;
    let result = select(sigmoid_scale_by_pow2(q, pow2_k, k_int), q, positive);

    // NaN in, the same NaN (quieted) out.
    let is_nan = magnitude_bits > vec4<u32>(SIGMOID_EXPONENT_ONES);
    return select(result, bitcast<vec4<f32>>(bits | vec4<u32>(SIGMOID_QUIET_NAN_BIT)), is_nan);
}

// Scalar form of `sigmoid_vec4f`, the same bits.
fn sigmoid_f32(x: f32, zero: u32) -> f32 {
    return sigmoid_vec4f(vec4<f32>(x), zero).x;
}

// ---- 16-bit floats: unpacked to f32 exactly, sigmoid in f32, rounded once to nearest
// even. All conversions are integer arithmetic: hardware conversions may flush
// subnormals or round differently (WGSL leaves pack2x16float's rounding open).

const SIGMOID_TWO_POW_MINUS_24: f32 = 5.9604645e-8;

// binary16 bits (low 16 bits of each lane) to f32, exactly.
fn sigmoid_f16_bits_to_f32(h: vec4<u32>) -> vec4<f32> {
    let sign = (h & vec4<u32>(0x8000u)) << vec4<u32>(16u);
    let exponent = (h >> vec4<u32>(10u)) & vec4<u32>(0x1fu);
    let mantissa = h & vec4<u32>(0x3ffu);
    let normal = sign | ((exponent + vec4<u32>(112u)) << vec4<u32>(23u)) | (mantissa << vec4<u32>(13u));
    let special = sign | vec4<u32>(SIGMOID_EXPONENT_ONES) | (mantissa << vec4<u32>(13u));
    // Subnormal: mantissa × 2^-24, a normal f32, so no flushing can touch it.
    let subnormal = bitcast<vec4<u32>>(vec4<f32>(mantissa) * SIGMOID_TWO_POW_MINUS_24) | sign;
    let bits = select(select(normal, special, exponent == vec4<u32>(31u)), subnormal, exponent == vec4<u32>(0u));
    return bitcast<vec4<f32>>(bits);
}

// f32 to binary16 bits, rounded to nearest even; NaN stays NaN (quiet).
fn sigmoid_f32_to_f16_bits(v: vec4<f32>) -> vec4<u32> {
    let x = bitcast<vec4<u32>>(v);
    let sign = (x >> vec4<u32>(16u)) & vec4<u32>(0x8000u);
    let a = x & vec4<u32>(0x7fffffffu);
    // Normal binary16 (|v| >= 2^-14): rebias the exponent, round off 13 bits; a carry
    // out of the mantissa correctly bumps the exponent.
    let t = a - vec4<u32>(0x38000000u);
    let normal = (t + vec4<u32>(0xfffu) + ((t >> vec4<u32>(13u)) & vec4<u32>(1u))) >> vec4<u32>(13u);
    // Subnormal binary16: round the significand × 2^(e - 126) to an integer.
    let e = a >> vec4<u32>(23u);
    let significand = (a & vec4<u32>(0x7fffffu)) | vec4<u32>(0x800000u);
    // Kept in [1, 31]: shifts by 32 or more are undefined in SPIR-V. Only shifts of 14
    // and more (e <= 112) are used; the clamp just keeps the unused lanes defined.
    let shift = clamp(vec4<u32>(126u) - min(e, vec4<u32>(126u)), vec4<u32>(1u), vec4<u32>(31u));
    let quotient = significand >> shift;
    let remainder = significand & ((vec4<u32>(1u) << shift) - vec4<u32>(1u));
    let halfway = vec4<u32>(1u) << (shift - vec4<u32>(1u));
    // (WGSL needs the parentheses around each comparison: Tint, the browser's compiler,
    // rejects a comparison mixed with `|` or `&` without them; naga is lenient.)
    let round_up = (remainder > halfway)
        | ((remainder == halfway) & ((quotient & vec4<u32>(1u)) == vec4<u32>(1u)));
    let subnormal = select(quotient, quotient + vec4<u32>(1u), round_up);
    // Below 2^-25 everything rounds to zero (and the shift would wrap).
    let tiny = select(subnormal, vec4<u32>(0u), shift >= vec4<u32>(25u));
    var h = select(tiny, normal, a >= vec4<u32>(0x38800000u));
    h = select(h, vec4<u32>(0x7c00u), a >= vec4<u32>(0x477ff000u));
    h = select(h, vec4<u32>(0x7e00u) | ((a >> vec4<u32>(13u)) & vec4<u32>(0x3ffu)), a > vec4<u32>(SIGMOID_EXPONENT_ONES));
    return sign | h;
}

// bfloat16 bits (low 16 bits of each lane) to f32, exactly.
fn sigmoid_bf16_bits_to_f32(h: vec4<u32>) -> vec4<f32> {
    return bitcast<vec4<f32>>(h << vec4<u32>(16u));
}

// f32 to bfloat16 bits, rounded to nearest even; NaN stays NaN (quiet).
fn sigmoid_f32_to_bf16_bits(v: vec4<f32>) -> vec4<u32> {
    let x = bitcast<vec4<u32>>(v);
    let rounded = (x + vec4<u32>(0x7fffu) + ((x >> vec4<u32>(16u)) & vec4<u32>(1u))) >> vec4<u32>(16u);
    let is_nan = (x & vec4<u32>(0x7fffffffu)) > vec4<u32>(SIGMOID_EXPONENT_ONES);
    return select(rounded, (x >> vec4<u32>(16u)) | vec4<u32>(0x40u), is_nan);
}

// ---- Gradient: dx = dy · y · (1 − y), from the forward output y and the upstream
// gradient dy, in f32. 1 − y is exact for y in [0.5, 1] (Sterbenz) and within half an
// ULP of a number near 1 otherwise; with the two products that is at most three
// roundings, each of relative error at most 2^-24 (no fma: lavapipe's is not fused).

fn sigmoid_gradient_vec4f(y: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
    return dy * (y * (1.0 - y));
}
