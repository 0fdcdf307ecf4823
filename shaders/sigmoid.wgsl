// Elementwise sigmoid(x) = 1 / (1 + exp(-x)) on f32, faithfully rounded: within 1 ULP of
// the correctly rounded result for all 2^32 inputs, checked exhaustively on the CPU
// mirror (src/cpu/mirror.rs, which follows this file step for step) under strict,
// unfused, flushing and approximate-division arithmetic; about 98 % exactly rounded.
// exp is carried as one rounded float: an unevaluated sum u + u_lo would round 99.5 %
// exactly but costs 5-7 % of the kernel's time on lavapipe (BENCHMARKS.md).
//
// Accuracy must not depend on IEEE-strict behaviour, which WGSL does not promise:
// - special values (NaN, ±inf) are recognised from the bits, never with float compares;
// - infinities never reach float arithmetic (|x| is clamped in the integer domain);
// - subnormal results are assembled from integer bits, since hardware may flush them;
// - no subnormal enters or leaves float arithmetic on the common path: a CPU adapter
//   without flush-to-zero (lavapipe, llvmpipe on x86) takes a slow microcode assist on
//   each such operation, which cost 4-6 % of the kernel's time when inputs below 2^-63
//   in magnitude still reached it (examples/kernel_ablation.rs);
// - exact error terms (Cody-Waite, the division remainder) and the one sum whose order
//   matters (1 + r + r^2 P(r)) go through `opaque()` (one through `opaque_select()`), so
//   a compiler that reassociates or contracts cannot fold them to zero, merge the two
//   halves of ln 2, or round twice.
//
// Layout: in `sigmoid_main` one invocation handles one vec4 (bindings 0 and 1, bound to
// exactly the whole vec4s). The last 1-3 elements of a length that is not a multiple of 4
// are handled by `sigmoid_tail`, through scalar views (bindings 2 and 3, bound to exactly
// the elements) with a bind group of their own, so that no buffer needs padding. Element
// counts are the lengths of the bound views: no per-dispatch uniform is needed, and a
// pass can be recorded into any encoder. `*_in_place` entry points read and write one
// binding (1 or 3): WebGPU forbids binding one buffer as read-only and writable storage
// in the same dispatch.
//
// Dispatch: a 2-D grid of workgroups, folded into a linear index, so that more than
// 65 535 workgroups (the per-dimension limit) can run in one dispatch.

struct Params {
    // Always 0. XORing a value with it, or selecting on it, hides the value from the
    // compiler (see `opaque` and `opaque_select`).
    opaque_zero: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read> input_vec4: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> output_vec4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> input_scalar: array<f32>;
@group(0) @binding(3) var<storage, read_write> output_scalar: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;
// Packed 16-bit floats (f16 or bf16), two per u32, element 2i in the low half: eight per
// vec4 in the main pass (bindings 5 and 6), words in the tail (bindings 7 and 8).
@group(0) @binding(5) var<storage, read> input_packed: array<vec4<u32>>;
@group(0) @binding(6) var<storage, read_write> output_packed: array<vec4<u32>>;
@group(0) @binding(7) var<storage, read> input_words: array<u32>;
@group(0) @binding(8) var<storage, read_write> output_words: array<u32>;
// The gradient's second input, dy, beside y in bindings 0/2/5/7 (the output is dx).
@group(0) @binding(9) var<storage, read> grad_vec4: array<vec4<f32>>;
@group(0) @binding(10) var<storage, read> grad_scalar: array<f32>;
@group(0) @binding(11) var<storage, read> grad_packed: array<vec4<u32>>;
@group(0) @binding(12) var<storage, read> grad_words: array<u32>;

// The dispatch shape, set per pipeline by the host (`kernel::DispatchShape`): invocations
// per workgroup of every main pass, and vec4s per invocation of the f32 forward main
// pass (`sigmoid_main`, `sigmoid_main_in_place`; the other main passes take one). The
// host's grid arithmetic uses the same two numbers.
override WORKGROUP_SIZE: u32 = 256u;
override VEC4_PER_INVOCATION: u32 = 1u;
const MAX_VEC4_PER_INVOCATION: u32 = 4u;

// log2(e), only used to choose the reduction integer k.
const LOG2_E: f32 = 1.442695;
// ln 2 = LN2_HI + LN2_LO; LN2_HI has 9 significant bits, so k * LN2_HI is exact.
const LN2_HI: f32 = 0.6933594;
const LN2_LO: f32 = -2.1219444e-4;
// Bits of 105.0: beyond |x| = 105 the result is exactly 0 or 1.
const CLAMP_BITS: u32 = 0x42d20000u;
// Bits of 2^-25: below |x| = 2^-25 the result is exactly 0.5, as it is at 2^-25.
const TINY_BITS: u32 = 0x33000000u;
const EXPONENT_ONES: u32 = 0x7f800000u;
const QUIET_NAN_BIT: u32 = 0x00400000u;
const MIN_NORMAL: f32 = 1.17549435e-38;
const TWO_POW_23: f32 = 8388608.0;
const TWO_POW_23_BITS: u32 = 0x4b000000u;
const TWO_POW_23_TIMES_1_5: f32 = 12582912.0;
const TWO_POW_23_TIMES_1_5_BITS: i32 = 0x4b400000;
// exp(r) = 1 + r + r^2 P(r) on |r| <= ln2 / 2: P is a minimax fit of degree 4 (relative
// error of exp below 2^-27.9; degree 3 reaches only 2^-23.2, as large as u's rounding).
const P0: f32 = 1.3814616e-3;
const P1: f32 = 8.36871e-3;
const P2: f32 = 4.166839e-2;
const P3: f32 = 1.6666521e-1;
const P4: f32 = 4.9999994e-1;

// The identity, invisible to the optimiser: the compiler cannot know that
// `params.opaque_zero` is 0, so it cannot rewrite expressions across this call.
fn opaque(v: vec4<f32>) -> vec4<f32> {
    return bitcast<vec4<f32>>(bitcast<vec4<u32>>(v) ^ vec4<u32>(params.opaque_zero));
}

// The same identity as a select on the never-true `opaque_zero != 0`. Used for n - q0
// only, where it is what lets lavapipe's JIT interleave the four components: with the
// XOR there, LLVM scheduled them one after another (318 instructions instead of 301,
// 54 spill moves instead of 40) and the kernel took 1.22x the copy kernel's time
// instead of 1.16x (BENCHMARKS.md). Use it at most once along a chain of dependent
// values: a compiler may merge two selects on the same condition, which drops the inner
// one (LLVM did, when every opaque() was a select).
fn opaque_select(v: vec4<f32>) -> vec4<f32> {
    return select(v, bitcast<vec4<f32>>(vec4<u32>(params.opaque_zero)), params.opaque_zero != 0u);
}

// q * 2^k for positive normal q and k <= 0, given pow2_k = 2^k (0 below 2^-126),
// rounded to nearest even also when the result is subnormal. A normal result is the
// exact product. A subnormal result is y = q * 2^(k+149) smallest subnormals, with
// y < 2^23; adding 2^23 rounds y to an integer (to nearest even) in the low mantissa bits
// of a normal float, and those bits, less the bits of 2^23, are the subnormal's bit
// pattern. No step produces a subnormal float, so hardware that flushes subnormals gets
// it right too, and no float-to-integer conversion is needed.
fn scale_by_pow2(q: vec4<f32>, pow2_k: vec4<f32>, k: vec4<i32>) -> vec4<f32> {
    let normal = q * pow2_k;
    // 2^(k+149), capped at 2^23 where the result is normal anyway.
    let pow2_subnormal = bitcast<vec4<f32>>(min(k + vec4<i32>(276), vec4<i32>(150)) << vec4<u32>(23u));
    let rounded = fma(q, pow2_subnormal, vec4<f32>(TWO_POW_23));
    let subnormal = bitcast<vec4<f32>>(bitcast<vec4<u32>>(rounded) - vec4<u32>(TWO_POW_23_BITS));
    return select(subnormal, normal, normal >= vec4<f32>(MIN_NORMAL));
}

fn sigmoid4(x: vec4<f32>) -> vec4<f32> {
    let bits = bitcast<vec4<u32>>(x);
    let magnitude_bits = bits & vec4<u32>(0x7fffffffu);
    // a = -|x|, clamped to [-105, -2^-25], which changes no result (see the constants)
    // and keeps infinities, subnormals and tiny values (whose squares underflow) out of
    // the arithmetic. Only exp(a) = exp(-|x|) <= 1 is needed, which cannot overflow:
    // sigmoid(x) = exp(a) / (1 + exp(a)) for x <= 0 and 1 / (1 + exp(a)) for x > 0.
    let a = -bitcast<vec4<f32>>(clamp(magnitude_bits, vec4<u32>(TINY_BITS), vec4<u32>(CLAMP_BITS)));

    // a = k ln2 + r, |r| <= ln2 / 2 (Cody-Waite): a - k * LN2_HI is exact, so r carries
    // only the rounding of its last step.
    let k = round(a * LOG2_E);
    let r_hi = opaque(fma(-k, vec4<f32>(LN2_HI), a));
    let r = fma(-k, vec4<f32>(LN2_LO), r_hi);

    // exp(r) = 1 + r + r^2 P(r), rounded once into u. `opaque` keeps the small terms
    // summed first: adding 1 + r first rounds twice (2 ULP results).
    var p = fma(vec4<f32>(P0), r, vec4<f32>(P1));
    p = fma(p, r, vec4<f32>(P2));
    p = fma(p, r, vec4<f32>(P3));
    p = fma(p, r, vec4<f32>(P4));
    let u = 1.0 + opaque(fma(r * r, p, r));

    // e = exp(a) = 2^k u: scaling by a power of two is exact. 2^k is built from bits and
    // is 0 below 2^-126, where 1 + e = 1 far beyond f32 precision. k as an integer is
    // read from the bits of k + 1.5 * 2^23 (exact for an integer |k| < 2^22), not with
    // `vec4<i32>(k)`: WGSL's conversion saturates, and that clamp-and-convert cost 15 %
    // of the kernel's time on Mesa 25's lavapipe (BENCHMARKS.md).
    let k_int = bitcast<vec4<i32>>(k + TWO_POW_23_TIMES_1_5) - vec4<i32>(TWO_POW_23_TIMES_1_5_BITS);
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
    // the estimate and in the correction's divisor. `opaque(q0)` stops a compiler from
    // contracting `n - q0` with the multiply inside an approximate division
    // (q0 = n * rcp(d)) into one fma, after which n - q0 no longer matches the rounded
    // q0 used elsewhere (NVIDIA's Vulkan driver did this: 2 ULP errors without it).
    let q0 = opaque(n / d);
    let remainder = fma(-q0, e, opaque_select(n - q0));
    let q = q0 + remainder / d;
    let result = select(scale_by_pow2(q, pow2_k, k_int), q, positive);

    // NaN in, the same NaN (quieted) out.
    let is_nan = magnitude_bits > vec4<u32>(EXPONENT_ONES);
    return select(result, bitcast<vec4<f32>>(bits | vec4<u32>(QUIET_NAN_BIT)), is_nan);
}

// Linear invocation index of the folded 2-D grid.
fn linear_index(workgroup: vec3<u32>, grid: vec3<u32>, local: u32) -> u32 {
    return (workgroup.y * grid.x + workgroup.x) * WORKGROUP_SIZE + local;
}

// Index of the first vec4 of an invocation of the f32 forward main pass. A workgroup
// covers WORKGROUP_SIZE * VEC4_PER_INVOCATION consecutive vec4s; its invocation `local`
// takes vec4s local, local + WORKGROUP_SIZE, ..., so that each round of loads of a
// workgroup reads one contiguous block.
fn first_vec4(workgroup: vec3<u32>, grid: vec3<u32>, local: u32) -> u32 {
    return (workgroup.y * grid.x + workgroup.x) * WORKGROUP_SIZE * VEC4_PER_INVOCATION + local;
}

// Main pass: VEC4_PER_INVOCATION vec4s per invocation, over the first len / 4 * 4
// elements. All loads are issued before any arithmetic, so that several are in flight
// per invocation.
@compute @workgroup_size(WORKGROUP_SIZE)
fn sigmoid_main(
    @builtin(workgroup_id) workgroup: vec3<u32>,
    @builtin(num_workgroups) grid: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let first = first_vec4(workgroup, grid, local);
    let len = arrayLength(&input_vec4);
    var x: array<vec4<f32>, MAX_VEC4_PER_INVOCATION>;
    for (var k = 0u; k < VEC4_PER_INVOCATION; k++) {
        let index = first + k * WORKGROUP_SIZE;
        if index < len {
            x[k] = input_vec4[index];
        }
    }
    for (var k = 0u; k < VEC4_PER_INVOCATION; k++) {
        let index = first + k * WORKGROUP_SIZE;
        if index < len {
            output_vec4[index] = sigmoid4(x[k]);
        }
    }
}

// Main pass in place: binding 1 is both input and output.
@compute @workgroup_size(WORKGROUP_SIZE)
fn sigmoid_main_in_place(
    @builtin(workgroup_id) workgroup: vec3<u32>,
    @builtin(num_workgroups) grid: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let first = first_vec4(workgroup, grid, local);
    let len = arrayLength(&output_vec4);
    var x: array<vec4<f32>, MAX_VEC4_PER_INVOCATION>;
    for (var k = 0u; k < VEC4_PER_INVOCATION; k++) {
        let index = first + k * WORKGROUP_SIZE;
        if index < len {
            x[k] = output_vec4[index];
        }
    }
    for (var k = 0u; k < VEC4_PER_INVOCATION; k++) {
        let index = first + k * WORKGROUP_SIZE;
        if index < len {
            output_vec4[index] = sigmoid4(x[k]);
        }
    }
}

// Scalar tail: the last len % 4 elements, dispatched as one workgroup only when there
// are any. Kept out of the main pass so that its branch costs the main pass nothing.
@compute @workgroup_size(1)
fn sigmoid_tail() {
    let len = arrayLength(&input_scalar);
    let start = len / 4u * 4u;
    var v = vec4<f32>(0.0);
    for (var j = 0u; j < len - start; j++) {
        v[j] = input_scalar[start + j];
    }
    let y = sigmoid4(v);
    for (var j = 0u; j < len - start; j++) {
        output_scalar[start + j] = y[j];
    }
}

// Scalar tail in place: binding 3 is both input and output.
@compute @workgroup_size(1)
fn sigmoid_tail_in_place() {
    let len = arrayLength(&output_scalar);
    let start = len / 4u * 4u;
    var v = vec4<f32>(0.0);
    for (var j = 0u; j < len - start; j++) {
        v[j] = output_scalar[start + j];
    }
    let y = sigmoid4(v);
    for (var j = 0u; j < len - start; j++) {
        output_scalar[start + j] = y[j];
    }
}

// ---- 16-bit floats: unpacked to f32 exactly, sigmoid in f32, rounded once to nearest
// even. All conversions are integer arithmetic: hardware conversions may flush
// subnormals or round differently (WGSL leaves pack2x16float's rounding open).

const TWO_POW_MINUS_24: f32 = 5.9604645e-8;

// binary16 bits (low 16 bits of each lane) to f32, exactly.
fn f16_to_f32(h: vec4<u32>) -> vec4<f32> {
    let sign = (h & vec4<u32>(0x8000u)) << vec4<u32>(16u);
    let exponent = (h >> vec4<u32>(10u)) & vec4<u32>(0x1fu);
    let mantissa = h & vec4<u32>(0x3ffu);
    let normal = sign | ((exponent + vec4<u32>(112u)) << vec4<u32>(23u)) | (mantissa << vec4<u32>(13u));
    let special = sign | vec4<u32>(EXPONENT_ONES) | (mantissa << vec4<u32>(13u));
    // Subnormal: mantissa × 2^-24, a normal f32, so no flushing can touch it.
    let subnormal = bitcast<vec4<u32>>(vec4<f32>(mantissa) * TWO_POW_MINUS_24) | sign;
    let bits = select(select(normal, special, exponent == vec4<u32>(31u)), subnormal, exponent == vec4<u32>(0u));
    return bitcast<vec4<f32>>(bits);
}

// f32 to binary16 bits, rounded to nearest even; NaN stays NaN (quiet).
fn f32_to_f16(v: vec4<f32>) -> vec4<u32> {
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
    let round_up = remainder > halfway | (remainder == halfway & (quotient & vec4<u32>(1u)) == vec4<u32>(1u));
    let subnormal = select(quotient, quotient + vec4<u32>(1u), round_up);
    // Below 2^-25 everything rounds to zero (and the shift would wrap).
    let tiny = select(subnormal, vec4<u32>(0u), shift >= vec4<u32>(25u));
    var h = select(tiny, normal, a >= vec4<u32>(0x38800000u));
    h = select(h, vec4<u32>(0x7c00u), a >= vec4<u32>(0x477ff000u));
    h = select(h, vec4<u32>(0x7e00u) | ((a >> vec4<u32>(13u)) & vec4<u32>(0x3ffu)), a > vec4<u32>(EXPONENT_ONES));
    return sign | h;
}

// bfloat16 bits (low 16 bits of each lane) to f32, exactly.
fn bf16_to_f32(h: vec4<u32>) -> vec4<f32> {
    return bitcast<vec4<f32>>(h << vec4<u32>(16u));
}

// f32 to bfloat16 bits, rounded to nearest even; NaN stays NaN (quiet).
fn f32_to_bf16(v: vec4<f32>) -> vec4<u32> {
    let x = bitcast<vec4<u32>>(v);
    let rounded = (x + vec4<u32>(0x7fffu) + ((x >> vec4<u32>(16u)) & vec4<u32>(1u))) >> vec4<u32>(16u);
    let is_nan = (x & vec4<u32>(0x7fffffffu)) > vec4<u32>(EXPONENT_ONES);
    return select(rounded, (x >> vec4<u32>(16u)) | vec4<u32>(0x40u), is_nan);
}

// Which 16-bit format the `*_halves_*` entry points work on: IEEE binary16 (false) or
// bfloat16 (true). A pipeline constant, so one set of entry points serves both types and
// each pipeline is compiled for its own.
override BF16: bool = false;

fn halves_to_f32(h: vec4<u32>) -> vec4<f32> {
    if BF16 {
        return bf16_to_f32(h);
    }
    return f16_to_f32(h);
}

fn f32_to_halves(v: vec4<f32>) -> vec4<u32> {
    if BF16 {
        return f32_to_bf16(v);
    }
    return f32_to_f16(v);
}

// Sigmoid of the eight 16-bit floats packed in `w`.
fn sigmoid_halves(w: vec4<u32>) -> vec4<u32> {
    let low = f32_to_halves(sigmoid4(halves_to_f32(w & vec4<u32>(0xffffu))));
    let high = f32_to_halves(sigmoid4(halves_to_f32(w >> vec4<u32>(16u))));
    return low | (high << vec4<u32>(16u));
}

// Main pass over 16-bit floats: eight per invocation, over the whole groups of eight.
@compute @workgroup_size(WORKGROUP_SIZE)
fn sigmoid_halves_main(
    @builtin(workgroup_id) workgroup: vec3<u32>,
    @builtin(num_workgroups) grid: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let index = linear_index(workgroup, grid, local);
    if index < arrayLength(&input_packed) {
        output_packed[index] = sigmoid_halves(input_packed[index]);
    }
}

// Main pass over 16-bit floats in place: binding 6 is both input and output.
@compute @workgroup_size(WORKGROUP_SIZE)
fn sigmoid_halves_main_in_place(
    @builtin(workgroup_id) workgroup: vec3<u32>,
    @builtin(num_workgroups) grid: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let index = linear_index(workgroup, grid, local);
    if index < arrayLength(&output_packed) {
        output_packed[index] = sigmoid_halves(output_packed[index]);
    }
}

// The 16-bit tails' element count cannot be read from a binding length (bindings are
// whole words), so it travels as the dispatch width: the host dispatches `count`
// workgroups and only the first one works.

// Tail over 16-bit floats: the last `count` (1-7) elements, which end the words binding.
// With an odd count the last word's high half belongs to whoever follows the range, so
// it is written back unchanged.
@compute @workgroup_size(1)
fn sigmoid_halves_tail(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) grid: vec3<u32>) {
    if workgroup.x != 0u {
        return;
    }
    let count = grid.x;
    let words = (count + 1u) / 2u;
    let start = arrayLength(&input_words) - words;
    var w = vec4<u32>(0u);
    for (var j = 0u; j < words; j++) {
        w[j] = input_words[start + j];
    }
    let y = sigmoid_halves(w);
    for (var j = 0u; j < words; j++) {
        var word = y[j];
        if 2u * j + 1u == count {
            word = (word & 0xffffu) | (output_words[start + j] & 0xffff0000u);
        }
        output_words[start + j] = word;
    }
}

// Tail over 16-bit floats in place (binding 8), as `sigmoid_halves_tail`.
@compute @workgroup_size(1)
fn sigmoid_halves_tail_in_place(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) grid: vec3<u32>) {
    if workgroup.x != 0u {
        return;
    }
    let count = grid.x;
    let words = (count + 1u) / 2u;
    let start = arrayLength(&output_words) - words;
    var w = vec4<u32>(0u);
    for (var j = 0u; j < words; j++) {
        w[j] = output_words[start + j];
    }
    let y = sigmoid_halves(w);
    for (var j = 0u; j < words; j++) {
        // With an odd count the last word's high half is not ours: it was read above and
        // goes back unchanged.
        let keep = select(0u, 0xffff0000u, 2u * j + 1u == count);
        output_words[start + j] = (y[j] & ~keep) | (w[j] & keep);
    }
}

// ---- Gradient: dx = dy · y · (1 − y), from the forward output y and the upstream
// gradient dy, in f32. 1 − y is exact for y in [0.5, 1] (Sterbenz) and within half an
// ULP of a number near 1 otherwise; with the two products that is at most three
// roundings, each of relative error at most 2^-24 (no fma: lavapipe's is not fused).

fn gradient4(y: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
    return dy * (y * (1.0 - y));
}

fn gradient_halves(y: vec4<u32>, dy: vec4<u32>) -> vec4<u32> {
    let mask = vec4<u32>(0xffffu);
    let shift = vec4<u32>(16u);
    let low = gradient4(halves_to_f32(y & mask), halves_to_f32(dy & mask));
    let high = gradient4(halves_to_f32(y >> shift), halves_to_f32(dy >> shift));
    return f32_to_halves(low) | (f32_to_halves(high) << shift);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn backward_main(
    @builtin(workgroup_id) workgroup: vec3<u32>,
    @builtin(num_workgroups) grid: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let index = linear_index(workgroup, grid, local);
    if index < arrayLength(&input_vec4) {
        output_vec4[index] = gradient4(input_vec4[index], grad_vec4[index]);
    }
}

@compute @workgroup_size(1)
fn backward_tail() {
    let len = arrayLength(&input_scalar);
    let start = len / 4u * 4u;
    var y = vec4<f32>(0.0);
    var dy = vec4<f32>(0.0);
    for (var j = 0u; j < len - start; j++) {
        y[j] = input_scalar[start + j];
        dy[j] = grad_scalar[start + j];
    }
    let dx = gradient4(y, dy);
    for (var j = 0u; j < len - start; j++) {
        output_scalar[start + j] = dx[j];
    }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn backward_halves_main(
    @builtin(workgroup_id) workgroup: vec3<u32>,
    @builtin(num_workgroups) grid: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let index = linear_index(workgroup, grid, local);
    if index < arrayLength(&input_packed) {
        output_packed[index] = gradient_halves(input_packed[index], grad_packed[index]);
    }
}

// As `sigmoid_halves_tail`, with dy beside y.
@compute @workgroup_size(1)
fn backward_halves_tail(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) grid: vec3<u32>) {
    if workgroup.x != 0u {
        return;
    }
    let count = grid.x;
    let words = (count + 1u) / 2u;
    let start = arrayLength(&input_words) - words;
    var y = vec4<u32>(0u);
    var dy = vec4<u32>(0u);
    for (var j = 0u; j < words; j++) {
        y[j] = input_words[start + j];
        dy[j] = grad_words[start + j];
    }
    let dx = gradient_halves(y, dy);
    for (var j = 0u; j < words; j++) {
        var word = dx[j];
        if 2u * j + 1u == count {
            word = (word & 0xffffu) | (output_words[start + j] & 0xffff0000u);
        }
        output_words[start + j] = word;
    }
}
