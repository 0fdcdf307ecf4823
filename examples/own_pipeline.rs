//! Sigmoid recorded into your own command encoder, between your own passes, on your own
//! device: a renderer or ML framework that owns wgpu adds one pass and keeps one
//! submission.
//!
//! ```text
//! cargo run --release --example own_pipeline
//! ```

use wgpu::util::DeviceExt;
use wgpu_sigmoid::{GpuTensor, Sigmoid, TENSOR_USAGES};

/// The caller's own kernel: logits = 2 x − 1.
const AFFINE_WGSL: &str = r"
@group(0) @binding(0) var<storage, read_write> data: array<f32>;
@compute @workgroup_size(64)
fn affine(@builtin(global_invocation_id) id: vec3<u32>) {
    if id.x < arrayLength(&data) {
        data[id.x] = 2.0 * data[id.x] - 1.0;
    }
}
";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. The application's own device (here: whatever adapter wgpu offers first).
    let instance =
        wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let adapter = pollster::block_on(instance.request_adapter(&Default::default()))?;
    let (device, queue) = pollster::block_on(adapter.request_device(&Default::default()))?;
    let sigmoid = Sigmoid::builder().build_with_device(device.clone(), queue.clone())?;

    // 2. The application's buffers. `encode_forward` needs STORAGE on input and output.
    let x: Vec<f32> = (0..10).map(|i| i as f32 - 4.5).collect();
    let logits = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("app.logits"),
        contents: bytemuck::cast_slice(&x),
        usage: TENSOR_USAGES,
    });
    let probabilities = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("app.probabilities"),
        size: logits.size(),
        usage: TENSOR_USAGES,
        mapped_at_creation: false,
    });
    let readback = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("app.readback"),
        size: logits.size(),
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });

    // 3. The application's own pass.
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("app.affine"),
        source: wgpu::ShaderSource::Wgsl(AFFINE_WGSL.into()),
    });
    let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some("app.affine"),
        layout: None,
        module: &module,
        entry_point: Some("affine"),
        compilation_options: Default::default(),
        cache: None,
    });
    let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("app.affine"),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[wgpu::BindGroupEntry {
            binding: 0,
            resource: logits.as_entire_binding(),
        }],
    });

    // 4. One encoder: your pass, sigmoid, your copy; one submission.
    let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
        label: Some("app.frame"),
    });
    {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("app.affine"),
            timestamp_writes: None,
        });
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &bind_group, &[]);
        pass.dispatch_workgroups((x.len() as u32).div_ceil(64), 1, 1);
    }
    // Views of the app's own buffers: the same `encode_forward` as for the crate's tensors.
    let n = x.len() as u64;
    let logits = GpuTensor::<f32>::view(&sigmoid, &logits, 0, n)?;
    let probabilities_view = GpuTensor::<f32>::view(&sigmoid, &probabilities, 0, n)?;
    sigmoid
        .recorder()
        .encode_forward(&mut encoder, &logits, &probabilities_view)?;
    encoder.copy_buffer_to_buffer(&probabilities, 0, &readback, 0, readback.size());
    queue.submit([encoder.finish()]);

    // 5. Read back and compare with the CPU reference.
    readback.map_async(wgpu::MapMode::Read, .., |result| {
        result.expect("map the readback buffer");
    });
    device.poll(wgpu::PollType::wait_indefinitely())?;
    let view = readback.get_mapped_range(..)?;
    let y: &[f32] = bytemuck::cast_slice(&view);
    for (&x, &y) in x.iter().zip(y) {
        let expected = wgpu_sigmoid::cpu::sigmoid(2.0 * x - 1.0);
        println!("sigmoid(2·{x:5.1} − 1) = {y:.7}  (reference {expected:.7})");
        assert!(wgpu_sigmoid::cpu::within_ulp(y, expected, 1));
    }
    Ok(())
}
