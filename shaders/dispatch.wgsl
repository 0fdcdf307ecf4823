// The dispatch shape, shared by the sigmoid kernels (`sigmoid_kernels.wgsl`) and the
// tool's copy kernel: valid WGSL on its own, used by concatenation before a kernel file.
// The host sets both overrides on every pipeline (`kernel::DispatchShape`, whose
// defaults are the only ones: these have none), and its grid arithmetic uses the same
// numbers.

// Invocations per workgroup of every main pass.
override WORKGROUP_SIZE: u32;
// vec4s per invocation of the f32 forward main pass (the other main passes take one).
override VEC4_PER_INVOCATION: u32;
// The most vec4s per invocation: the size of the register array that holds them (an
// array's size must be a constant). The host reads it from here.
const MAX_VEC4_PER_INVOCATION: u32 = 4u;

// Index of the first of the `per_invocation` units (vec4s, or words) of invocation
// `local` in the 2-D grid of workgroups, folded into one line so that more than 65 535
// workgroups (the per-dimension limit) can run in one dispatch. A workgroup covers
// WORKGROUP_SIZE * per_invocation consecutive units; invocation `local` takes units
// local, local + WORKGROUP_SIZE, ..., so that each round of loads of a workgroup reads
// one contiguous block.
fn first_index(workgroup: vec3<u32>, grid: vec3<u32>, local: u32, per_invocation: u32) -> u32 {
    return (workgroup.y * grid.x + workgroup.x) * WORKGROUP_SIZE * per_invocation + local;
}
