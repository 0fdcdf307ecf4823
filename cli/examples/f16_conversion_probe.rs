//! Measurement harness behind a design decision (BENCHMARKS.md, "Hardware f16
//! conversions"): the shipped f16 kernel converts with integer arithmetic; this times it
//! against the same kernel using WGSL's `unpack2x16float`/`pack2x16float` (the hardware
//! conversions, whose rounding WGSL leaves to the implementation), and counts correctly
//! rounded results over all 65 536 patterns.
//!
//! The shipped f16 kernel is `sigmoid_halves_main` with the `BF16` pipeline constant at
//! its default (false). The probe entry point is appended to the shipped shader
//! (`SIGMOID_WGSL`) to reuse its `sigmoid_vec4f`: concatenation, the rule the
//! shader's own files compose by.
//!
//! ```text
//! WGPU_BACKEND=vulkan cargo run --release -p wgpu-sigmoid-cli --example f16_conversion_probe
//! ```
use std::time::Instant;
use wgpu_sigmoid::SIGMOID_WGSL;

const PROBE: &str = r"
@compute @workgroup_size(256)
fn probe_main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) grid: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let index = first_index(workgroup, grid, local, 1u);
    if index < arrayLength(&input_packed) {
        let w = input_packed[index];
        let h0 = unpack2x16float(w.x);
        let h1 = unpack2x16float(w.y);
        let h2 = unpack2x16float(w.z);
        let h3 = unpack2x16float(w.w);
        let lo = sigmoid_vec4f(vec4<f32>(h0.x, h1.x, h2.x, h3.x), params.opaque_zero);
        let hi = sigmoid_vec4f(vec4<f32>(h0.y, h1.y, h2.y, h3.y), params.opaque_zero);
        output_packed[index] = vec4<u32>(
            pack2x16float(vec2<f32>(lo.x, hi.x)), pack2x16float(vec2<f32>(lo.y, hi.y)),
            pack2x16float(vec2<f32>(lo.z, hi.z)), pack2x16float(vec2<f32>(lo.w, hi.w)));
    }
}
";

fn main() {
    let instance =
        wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let adapter = pollster::block_on(instance.request_adapter(&Default::default())).unwrap();
    let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
        required_features: wgpu::Features::empty(),
        required_limits: adapter.limits(),
        ..Default::default()
    }))
    .unwrap();
    let source = format!("{SIGMOID_WGSL}\n{PROBE}");
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: None,
        source: wgpu::ShaderSource::Wgsl(source.into()),
    });
    let n: u64 = 64 << 20; // halves
    let bytes = n * 2;
    let mk = |usage| {
        device.create_buffer(&wgpu::BufferDescriptor {
            label: None,
            size: bytes,
            usage,
            mapped_at_creation: false,
        })
    };
    use wgpu::BufferUsages as U;
    let input = mk(U::STORAGE | U::COPY_DST);
    let output = mk(U::STORAGE | U::COPY_SRC);
    let readback = mk(U::MAP_READ | U::COPY_DST);
    let all: Vec<u16> = (0..n).map(|i| (i % 65536) as u16).collect();
    queue.write_buffer(&input, 0, bytemuck::cast_slice(&all));
    let params = device.create_buffer(&wgpu::BufferDescriptor {
        label: None,
        size: 16,
        usage: U::UNIFORM,
        mapped_at_creation: true,
    });
    params.unmap();
    for (name, entry) in [
        ("integer conversions (shipped)", "sigmoid_halves_main"),
        ("hardware conversions", "probe_main"),
        ("integer conversions (shipped)", "sigmoid_halves_main"),
        ("hardware conversions", "probe_main"),
    ] {
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: None,
            layout: None,
            module: &module,
            entry_point: Some(entry),
            // The shader's dispatch overrides have no defaults: the host sets them.
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: &wgpu_sigmoid::DispatchShape::default().constants(),
                ..Default::default()
            },
            cache: None,
        });
        let bg = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 4,
                    resource: params.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 5,
                    resource: input.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 6,
                    resource: output.as_entire_binding(),
                },
            ],
        });
        let groups = u32::try_from((n / 8).div_ceil(256)).unwrap();
        let mut times = Vec::new();
        for _ in 0..7 {
            let mut enc = device.create_command_encoder(&Default::default());
            {
                let mut p = enc.begin_compute_pass(&Default::default());
                p.set_pipeline(&pipeline);
                p.set_bind_group(0, &bg, &[]);
                p.dispatch_workgroups(groups.min(65535), groups.div_ceil(65535), 1);
            }
            let t = Instant::now();
            queue.submit([enc.finish()]);
            device.poll(wgpu::PollType::wait_indefinitely()).unwrap();
            times.push(t.elapsed());
        }
        times.sort();
        // correctness vs half::f16 rounding of the f32 reference
        let mut enc = device.create_command_encoder(&Default::default());
        enc.copy_buffer_to_buffer(&output, 0, &readback, 0, 131072);
        queue.submit([enc.finish()]);
        readback.map_async(wgpu::MapMode::Read, 0..131072, |_| {});
        device.poll(wgpu::PollType::wait_indefinitely()).unwrap();
        let exact = {
            let view = readback.get_mapped_range(0..131072).unwrap();
            let out: &[u16] = bytemuck::cast_slice(&view);
            (0..65536usize)
                .filter(|&i| {
                    let x = half::f16::from_bits(i as u16);
                    if x.is_nan() {
                        return true;
                    }
                    half::f16::from_f64(wgpu_sigmoid::cpu::sigmoid_f64(x.to_f64())).to_bits()
                        == out[i]
                })
                .count()
        };
        readback.unmap();
        println!(
            "{name}: median {:?} for {n} halves; exactly rounded {exact}/65536",
            times[3]
        );
    }
}
