//! The faithful sigmoid fused into your own kernel: `y = sigmoid(x * w + b)` in one pass
//! (`examples/fused_dense.wgsl`), composed with `wgpu_sigmoid::wgsl::FUNCTIONS` by plain
//! concatenation, on your own wgpu device. TF's example inputs come out as TF documents
//! them, and every result is checked against the CPU reference.
//!
//! ```text
//! cargo run --release --example fused_dense
//! ```

use wgpu::util::DeviceExt;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let instance =
        wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let adapter = pollster::block_on(instance.request_adapter(&Default::default()))?;
    let (device, queue) = pollster::block_on(adapter.request_device(&Default::default()))?;

    // 1. Your shader follows the functions: concatenation is the whole composition.
    let source = format!(
        "{}\n{}",
        wgpu_sigmoid::wgsl::FUNCTIONS,
        include_str!("fused_dense.wgsl")
    );
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("app.fused_dense"),
        source: wgpu::ShaderSource::Wgsl(source.into()),
    });
    let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some("app.fused_dense"),
        layout: None,
        module: &module,
        entry_point: Some("dense_sigmoid"),
        compilation_options: Default::default(),
        cache: None,
    });

    // 2. Your buffers: x, the pre-activation, y, and the uniform with w, b and the zero
    //    the functions need (written as 0 here, at run time, never a shader constant).
    let x = [-20.0f32, -1.0, 0.0, 1.0, 20.0, 0.0, 0.0, 0.0];
    let (w, b) = (1.0f32, 0.0f32);
    let storage = |label, contents: &[f32], usage| {
        device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytemuck::cast_slice(contents),
            usage,
        })
    };
    let read_write = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC;
    let input = storage("app.x", &x, wgpu::BufferUsages::STORAGE);
    let pre = storage("app.pre", &[0.0; 8], read_write);
    let y = storage("app.y", &[0.0; 8], read_write);
    let dense = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("app.dense"),
        contents: bytemuck::cast_slice(&[w.to_bits(), b.to_bits(), 0, 0]),
        usage: wgpu::BufferUsages::UNIFORM,
    });
    let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("app.fused_dense"),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[(0, &input), (1, &pre), (2, &y), (3, &dense)].map(|(binding, buffer)| {
            wgpu::BindGroupEntry {
                binding,
                resource: buffer.as_entire_binding(),
            }
        }),
    });

    // 3. One pass, then read y back.
    let readback = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("app.readback"),
        size: y.size(),
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let mut encoder = device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &group, &[]);
        pass.dispatch_workgroups(1, 1, 1);
    }
    encoder.copy_buffer_to_buffer(&y, 0, &readback, 0, y.size());
    queue.submit([encoder.finish()]);
    readback.slice(..).map_async(wgpu::MapMode::Read, |result| {
        result.expect("map the readback buffer");
    });
    device.poll(wgpu::PollType::wait_indefinitely())?;
    let result: Vec<f32> = bytemuck::cast_slice(&readback.slice(..).get_mapped_range()?).to_vec();

    println!("adapter: {}", adapter.get_info().name);
    for (&x, &y) in x.iter().zip(&result).take(5) {
        let expected = wgpu_sigmoid::cpu::sigmoid(x * w + b);
        println!("sigmoid({x} * {w} + {b}) = {y:e} (reference {expected:e})");
        if !wgpu_sigmoid::cpu::within_ulp(y, expected, 1) {
            return Err(format!("{y:e} is more than 1 ULP from {expected:e}").into());
        }
    }
    Ok(())
}
