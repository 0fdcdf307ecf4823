// A user's kernel with the sigmoid fused in: y = sigmoid(x * w + b) over vec4s, in one
// pass (no intermediate buffer, one read and one write per element). It follows
// `wgpu_sigmoid::wgsl::FUNCTIONS` (concatenation); `pre` keeps the pre-activation so
// that a test can compare each result with the reference of the exact f32 the GPU
// computed.

struct Dense {
    w: f32,
    b: f32,
    // Written as 0 by the host; the faithful functions need a zero the compiler cannot
    // see (a literal 0u would let it reassociate their exact steps).
    zero: u32,
    _pad: u32,
}

@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> pre: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> dense: Dense;

@compute @workgroup_size(64)
fn dense_sigmoid(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    if i < arrayLength(&x) {
        let p = x[i] * dense.w + dense.b;
        pre[i] = p;
        y[i] = sigmoid_vec4f(p, dense.zero);
    }
}

// The same with the scalar form, one element per invocation, on the same buffers.
@compute @workgroup_size(64)
fn dense_sigmoid_scalar(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x / 4u;
    let lane = id.x % 4u;
    if i < arrayLength(&x) {
        let p = x[i][lane] * dense.w + dense.b;
        pre[i][lane] = p;
        y[i][lane] = sigmoid_f32(p, dense.zero);
    }
}
