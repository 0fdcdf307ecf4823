// Copy-only kernel: y = x with exactly the bindings, bind groups, workgroup size, 2-D
// grid fold and scalar tail of sigmoid.wgsl. It is the adapter's ceiling for an elementwise pass; the
// benchmarks report the sigmoid kernel relative to it.

struct Params {
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

const WORKGROUP_SIZE: u32 = 256u;

// Main pass: one vec4 per invocation, over the first len / 4 * 4 elements.
@compute @workgroup_size(WORKGROUP_SIZE)
fn copy_main(
    @builtin(workgroup_id) workgroup: vec3<u32>,
    @builtin(num_workgroups) grid: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let index = (workgroup.y * grid.x + workgroup.x) * WORKGROUP_SIZE + local;
    if index < arrayLength(&input_vec4) {
        output_vec4[index] = input_vec4[index];
    }
}

// Scalar tail: the last len % 4 elements, dispatched as one workgroup only when there
// are any. Kept out of the main pass so that its branch costs the main pass nothing.
@compute @workgroup_size(1)
fn copy_tail() {
    let len = arrayLength(&input_scalar);
    let start = len / 4u * 4u;
    var v = vec4<f32>(0.0);
    for (var j = 0u; j < len - start; j++) {
        v[j] = input_scalar[start + j];
    }
    let y = v;
    for (var j = 0u; j < len - start; j++) {
        output_scalar[start + j] = y[j];
    }
}
