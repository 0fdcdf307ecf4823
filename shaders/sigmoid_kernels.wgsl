// The kernels: bindings, entry points and the 16-bit packing around the functions of
// `sigmoid_functions.wgsl`. Not valid alone: the shader the host compiles is
// `sigmoid_functions.wgsl`, `dispatch.wgsl` and this file, concatenated in that order
// (`kernel::SIGMOID_WGSL`).
//
// Layout: the main passes take whole vec4s (f32) or groups of eight 16-bit floats through
// the `*_vec4` and `*_packed` bindings, bound to exactly those; the last elements of a
// length that is not a multiple of 4 (8) are handled by the tail entry points, through
// the `*_scalar` and `*_words` bindings with a bind group of their own, so that no buffer
// needs padding. Element counts are the lengths of the bound views: no per-dispatch
// uniform is needed, and a pass can be recorded into any encoder. `*_in_place` entry
// points read and write one binding: WebGPU forbids binding one buffer as read-only and
// writable storage in the same dispatch.

struct Params {
    // Always 0: the `zero` of the functions, which XOR a value with it or select on it
    // to hide the value from the compiler (see `sigmoid_opaque` and `sigmoid_opaque_select`).
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
// vec4 in the main pass, words in the tail.
@group(0) @binding(5) var<storage, read> input_packed: array<vec4<u32>>;
@group(0) @binding(6) var<storage, read_write> output_packed: array<vec4<u32>>;
@group(0) @binding(7) var<storage, read> input_words: array<u32>;
@group(0) @binding(8) var<storage, read_write> output_words: array<u32>;
// The gradient's second input, dy, beside y in the `input_*` bindings (the output is dx).
@group(0) @binding(9) var<storage, read> grad_vec4: array<vec4<f32>>;
@group(0) @binding(10) var<storage, read> grad_scalar: array<f32>;
@group(0) @binding(11) var<storage, read> grad_packed: array<vec4<u32>>;
@group(0) @binding(12) var<storage, read> grad_words: array<u32>;

// Main pass: VEC4_PER_INVOCATION vec4s per invocation, over the first len / 4 * 4
// elements. All loads are issued before any arithmetic, so that several are in flight
// per invocation.
@compute @workgroup_size(WORKGROUP_SIZE)
fn sigmoid_main(
    @builtin(workgroup_id) workgroup: vec3<u32>,
    @builtin(num_workgroups) grid: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let first = first_index(workgroup, grid, local, VEC4_PER_INVOCATION);
    let zero = params.opaque_zero;
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
            output_vec4[index] = sigmoid_vec4f(x[k], zero);
        }
    }
}

// Main pass in place: `output_vec4` is both input and output.
@compute @workgroup_size(WORKGROUP_SIZE)
fn sigmoid_main_in_place(
    @builtin(workgroup_id) workgroup: vec3<u32>,
    @builtin(num_workgroups) grid: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let first = first_index(workgroup, grid, local, VEC4_PER_INVOCATION);
    let zero = params.opaque_zero;
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
            output_vec4[index] = sigmoid_vec4f(x[k], zero);
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
    let y = sigmoid_vec4f(v, params.opaque_zero);
    for (var j = 0u; j < len - start; j++) {
        output_scalar[start + j] = y[j];
    }
}

// Scalar tail in place: `output_scalar` is both input and output.
@compute @workgroup_size(1)
fn sigmoid_tail_in_place() {
    let len = arrayLength(&output_scalar);
    let start = len / 4u * 4u;
    var v = vec4<f32>(0.0);
    for (var j = 0u; j < len - start; j++) {
        v[j] = output_scalar[start + j];
    }
    let y = sigmoid_vec4f(v, params.opaque_zero);
    for (var j = 0u; j < len - start; j++) {
        output_scalar[start + j] = y[j];
    }
}

// Which 16-bit format the `*_halves_*` entry points work on: IEEE binary16 (false) or
// bfloat16 (true). A pipeline constant, so one set of entry points serves both types and
// each pipeline is compiled for its own.
override BF16: bool = false;

fn halves_to_f32(h: vec4<u32>) -> vec4<f32> {
    if BF16 {
        return sigmoid_bf16_bits_to_f32(h);
    }
    return sigmoid_f16_bits_to_f32(h);
}

fn f32_to_halves(v: vec4<f32>) -> vec4<u32> {
    if BF16 {
        return sigmoid_f32_to_bf16_bits(v);
    }
    return sigmoid_f32_to_f16_bits(v);
}

// Sigmoid of the eight 16-bit floats packed in `w`.
fn sigmoid_halves(w: vec4<u32>, zero: u32) -> vec4<u32> {
    let low = f32_to_halves(sigmoid_vec4f(halves_to_f32(w & vec4<u32>(0xffffu)), zero));
    let high = f32_to_halves(sigmoid_vec4f(halves_to_f32(w >> vec4<u32>(16u)), zero));
    return low | (high << vec4<u32>(16u));
}

// Main pass over 16-bit floats: eight per invocation, over the whole groups of eight.
@compute @workgroup_size(WORKGROUP_SIZE)
fn sigmoid_halves_main(
    @builtin(workgroup_id) workgroup: vec3<u32>,
    @builtin(num_workgroups) grid: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let index = first_index(workgroup, grid, local, 1u);
    if index < arrayLength(&input_packed) {
        output_packed[index] = sigmoid_halves(input_packed[index], params.opaque_zero);
    }
}

// Main pass over 16-bit floats in place: `output_packed` is both input and output.
@compute @workgroup_size(WORKGROUP_SIZE)
fn sigmoid_halves_main_in_place(
    @builtin(workgroup_id) workgroup: vec3<u32>,
    @builtin(num_workgroups) grid: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let index = first_index(workgroup, grid, local, 1u);
    if index < arrayLength(&output_packed) {
        output_packed[index] = sigmoid_halves(output_packed[index], params.opaque_zero);
    }
}

// The 16-bit tails' element count cannot be read from a binding length (bindings are
// whole words), so it travels as the dispatch width: the host dispatches `count`
// workgroups and only the first one works.

// The word to store at position `j` of a 16-bit tail of `count` elements: `computed`,
// except that with an odd count the last word's high half is not the range's (it
// belongs to whoever follows it) and keeps `old`'s.
fn tail_word(computed: u32, old: u32, j: u32, count: u32) -> u32 {
    let keep = select(0u, 0xffff0000u, 2u * j + 1u == count);
    return (computed & ~keep) | (old & keep);
}

// Tail over 16-bit floats: the last `count` (1-7) elements, which end the words binding.
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
    let y = sigmoid_halves(w, params.opaque_zero);
    for (var j = 0u; j < words; j++) {
        output_words[start + j] = tail_word(y[j], output_words[start + j], j, count);
    }
}

// Tail over 16-bit floats in place (`output_words`), as `sigmoid_halves_tail`.
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
    let y = sigmoid_halves(w, params.opaque_zero);
    for (var j = 0u; j < words; j++) {
        output_words[start + j] = tail_word(y[j], w[j], j, count);
    }
}

// ---- The gradient.

fn gradient_halves(y: vec4<u32>, dy: vec4<u32>) -> vec4<u32> {
    let mask = vec4<u32>(0xffffu);
    let shift = vec4<u32>(16u);
    let low = sigmoid_gradient_vec4f(halves_to_f32(y & mask), halves_to_f32(dy & mask));
    let high = sigmoid_gradient_vec4f(halves_to_f32(y >> shift), halves_to_f32(dy >> shift));
    return f32_to_halves(low) | (f32_to_halves(high) << shift);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn backward_main(
    @builtin(workgroup_id) workgroup: vec3<u32>,
    @builtin(num_workgroups) grid: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let index = first_index(workgroup, grid, local, 1u);
    if index < arrayLength(&input_vec4) {
        output_vec4[index] = sigmoid_gradient_vec4f(input_vec4[index], grad_vec4[index]);
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
    let dx = sigmoid_gradient_vec4f(y, dy);
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
    let index = first_index(workgroup, grid, local, 1u);
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
        output_words[start + j] = tail_word(dx[j], output_words[start + j], j, count);
    }
}
