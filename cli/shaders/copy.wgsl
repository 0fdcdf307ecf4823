// Copy-only kernel: y = x with the dispatch shape of the sigmoid kernel's f32 forward
// main pass: the same pipeline-overridable workgroup size and vec4s per invocation, all
// loads before any store, the same index layout and 2-D grid fold. It is the adapter's
// ceiling for an elementwise pass at that shape; the benchmarks report the sigmoid
// kernel relative to it. Not valid alone: it follows the library's
// `wgpu_sigmoid::wgsl::DISPATCH` (concatenation).

@group(0) @binding(0) var<storage, read> input_vec4: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> output_vec4: array<vec4<f32>>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn copy_main(
    @builtin(workgroup_id) workgroup: vec3<u32>,
    @builtin(num_workgroups) grid: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let first = first_index(workgroup, grid, local, VEC4_PER_INVOCATION);
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
            output_vec4[index] = x[k];
        }
    }
}
