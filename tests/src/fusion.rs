//! `wgsl::FUNCTIONS` fused into a user's kernel (`examples/fused_dense.wgsl`:
//! `y = sigmoid(x * w + b)` over vec4s, `w`, `b` and `zero` from a uniform), composed
//! each supported way (plain concatenation, naga_oil's `#import`), run on the test
//! adapter (Vulkan or GL), and compared with `cpu::sigmoid` of the very f32
//! pre-activation the GPU computed: max 1 ULP, NaN quieted, over a sweep of the f32
//! bit patterns that covers subnormal results, ±0, ±inf and NaNs.

use wgpu::util::DeviceExt;
use wgpu_sigmoid::{GpuTensor, Sigmoid, TENSOR_USAGES, wgsl};

use super::common::{assert_matches_reference, gpu};

/// The user's shader, written for concatenation after `FUNCTIONS`.
const USER: &str = include_str!("../../examples/fused_dense.wgsl");

/// The shader as concatenation composes it: the functions, then the user's text.
fn concatenated() -> String {
    format!("{}\n{USER}", wgsl::FUNCTIONS)
}

/// The shader as naga_oil composes it: `FUNCTIONS` added as the composable module
/// `wgpu_sigmoid`, the user's text importing from it; written back to WGSL for wgpu.
fn composed_by_naga_oil() -> String {
    use naga_oil::compose::{
        ComposableModuleDescriptor, Composer, NagaModuleDescriptor, ShaderLanguage, ShaderType,
    };
    let mut composer = Composer::default();
    composer
        .add_composable_module(ComposableModuleDescriptor {
            source: wgsl::FUNCTIONS,
            file_path: "wgpu_sigmoid/functions.wgsl",
            language: ShaderLanguage::Wgsl,
            as_name: Some("wgpu_sigmoid".into()),
            ..Default::default()
        })
        .unwrap_or_else(|e| panic!("naga_oil refused FUNCTIONS: {e:?}"));
    let user = format!("#import wgpu_sigmoid::{{sigmoid_vec4f, sigmoid_f32}}\n{USER}");
    let module = composer
        .make_naga_module(NagaModuleDescriptor {
            source: &user,
            file_path: "fused_dense.wgsl",
            shader_type: ShaderType::Wgsl,
            ..Default::default()
        })
        .unwrap_or_else(|e| panic!("naga_oil could not compose: {e:?}"));
    let info = naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::empty(),
    )
    .validate(&module)
    .unwrap();
    naga::back::wgsl::write_string(&module, &info, naga::back::wgsl::WriterFlags::empty()).unwrap()
}

/// `count` f32 bit patterns spread over all 2³², and the special values.
fn sweep(count: u32) -> Vec<f32> {
    let stride = u32::MAX / count;
    let mut x: Vec<f32> = (0..count)
        .map(|i| f32::from_bits(i.wrapping_mul(stride).wrapping_add(i % 7)))
        .collect();
    x.extend([
        0.0,
        -0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        -f32::NAN,
        f32::from_bits(0x7f80_0001),
        f32::MIN_POSITIVE,
        -f32::from_bits(1),
        -88.0,
        -100.0,
        -103.9,
        -20.0,
        -1.0,
        1.0,
        20.0,
    ]);
    x.resize(x.len().next_multiple_of(4), 0.0);
    x
}

/// Runs `entry_point` of `source` on `x` with `w` and `b`; returns (pre-activation, y).
fn run(
    sigmoid: &Sigmoid,
    source: &str,
    entry_point: &str,
    x: &[f32],
    (w, b): (f32, f32),
) -> (Vec<f32>, Vec<f32>) {
    let device = sigmoid.device();
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("test.fused_dense"),
        source: wgpu::ShaderSource::Wgsl(source.into()),
    });
    let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some("test.fused_dense"),
        layout: None,
        module: &module,
        entry_point: Some(entry_point),
        compilation_options: Default::default(),
        cache: None,
    });
    let input = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("test.x"),
        contents: bytemuck::cast_slice(x),
        usage: wgpu::BufferUsages::STORAGE,
    });
    let output = |label| {
        device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: std::mem::size_of_val(x) as u64,
            usage: TENSOR_USAGES,
            mapped_at_creation: false,
        })
    };
    let (pre, y) = (output("test.pre"), output("test.y"));
    // Dense { w, b, zero: 0, _pad }: the zero comes from memory, as the contract says.
    let mut uniform = [0u8; 16];
    uniform[..4].copy_from_slice(&w.to_le_bytes());
    uniform[4..8].copy_from_slice(&b.to_le_bytes());
    let dense = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("test.dense"),
        contents: &uniform,
        usage: wgpu::BufferUsages::UNIFORM,
    });
    let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("test.fused_dense"),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[(0, &input), (1, &pre), (2, &y), (3, &dense)].map(|(binding, buffer)| {
            wgpu::BindGroupEntry {
                binding,
                resource: buffer.as_entire_binding(),
            }
        }),
    });
    let invocations = if entry_point.ends_with("scalar") {
        x.len()
    } else {
        x.len() / 4
    };
    let mut encoder = device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &group, &[]);
        pass.dispatch_workgroups(u32::try_from(invocations.div_ceil(64)).unwrap(), 1, 1);
    }
    sigmoid.queue().submit([encoder.finish()]);
    let read = |buffer: &wgpu::Buffer| {
        let view = GpuTensor::<f32>::view(sigmoid, buffer, 0, x.len() as u64).unwrap();
        sigmoid.download(&view).unwrap()
    };
    (read(&pre), read(&y))
}

#[test]
fn the_functions_fused_into_a_users_kernel_stay_within_1_ulp() {
    let Some(sigmoid) = gpu() else { return };
    let x = sweep(1 << 18);
    for (how, source) in [
        ("concatenation", concatenated()),
        ("naga_oil", composed_by_naga_oil()),
    ] {
        for entry_point in ["dense_sigmoid", "dense_sigmoid_scalar"] {
            for (w, b) in [(1.0, 0.0), (0.75, -0.25)] {
                let (pre, y) = run(sigmoid, &source, entry_point, &x, (w, b));
                eprintln!(
                    "{how}, {entry_point}, w = {w}, b = {b}: {} elements",
                    x.len()
                );
                assert_matches_reference(&pre, &y);
                // The sweep reached every kind of result.
                let subnormal = y.iter().filter(|v| v.is_subnormal()).count();
                assert!(subnormal > 10, "{how}: {subnormal} subnormal results");
                assert!(pre.iter().any(|p| p.is_nan()) && pre.contains(&f32::NEG_INFINITY));
            }
        }
    }
}

#[test]
fn the_functions_define_only_prefixed_names() {
    let module = naga::front::wgsl::parse_str(wgsl::FUNCTIONS).unwrap();
    let functions = module.functions.iter().filter_map(|(_, f)| f.name.clone());
    let constants = module.constants.iter().filter_map(|(_, c)| c.name.clone());
    let names: Vec<String> = functions.chain(constants).collect();
    assert!(names.len() > 20, "{names:?}");
    for name in &names {
        assert!(
            name.starts_with("sigmoid_") || name.starts_with("SIGMOID_"),
            "`{name}` could clash with a user's name"
        );
    }
    for public in ["sigmoid_vec4f", "sigmoid_f32", "sigmoid_gradient_vec4f"] {
        assert!(names.iter().any(|n| n == public), "{public}");
    }
    assert!(module.entry_points.is_empty() && module.global_variables.is_empty());
    assert!(module.overrides.is_empty());
}
