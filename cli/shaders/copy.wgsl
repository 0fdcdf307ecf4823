// Copy-only kernel: y = x with the workgroup size, vec4 loads and stores and 2-D grid
// fold of the sigmoid kernel's main pass (shaders/sigmoid.wgsl in the library). It is
// the adapter's ceiling for an elementwise pass; the benchmarks report the sigmoid
// kernel relative to it.

@group(0) @binding(0) var<storage, read> input_vec4: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> output_vec4: array<vec4<f32>>;

const WORKGROUP_SIZE: u32 = 256u;

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
