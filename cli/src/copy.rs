//! The copy-only kernel, `y = x`, with the sigmoid kernel's dispatch shape, grid fold
//! and split into dispatches: the benchmark's ceiling for an elementwise pass. It lives
//! here, not in the library, so that opening a device compiles no benchmark pipelines.

use std::num::NonZeroU64;

use wgpu_sigmoid::{DispatchShape, Sigmoid};

/// WGSL source of the copy-only kernel: the library's dispatch shape
/// ([`wgpu_sigmoid::wgsl::DISPATCH`]) followed by `cli/shaders/copy.wgsl`.
#[must_use]
pub fn copy_wgsl() -> String {
    format!(
        "{}\n{}",
        wgpu_sigmoid::wgsl::DISPATCH,
        include_str!("../shaders/copy.wgsl")
    )
}

/// The copy pipeline on one device, at one dispatch shape.
#[derive(Debug)]
pub struct CopyKernel {
    pipeline: wgpu::ComputePipeline,
    shape: DispatchShape,
}

impl CopyKernel {
    /// Compiles the kernel on `sigmoid`'s device, at `sigmoid`'s dispatch shape.
    #[must_use]
    pub fn new(sigmoid: &Sigmoid) -> CopyKernel {
        let device = sigmoid.device();
        let shape = sigmoid.config().dispatch_shape;
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("wgpu-sigmoid.copy"),
            source: wgpu::ShaderSource::Wgsl(copy_wgsl().into()),
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some("wgpu-sigmoid.copy_main"),
            layout: None,
            module: &module,
            entry_point: Some("copy_main"),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: &shape.constants(),
                ..Default::default()
            },
            cache: None,
        });
        CopyKernel { pipeline, shape }
    }

    /// Records `output[..len] = input[..len]` (`f32`, whole `vec4`s: a tail of `len % 4` is not copied; both
    /// buffers at least `len * 4` bytes) as one compute pass, in dispatches of at most
    /// `Config::dispatch_elements` as the sigmoid kernel splits them.
    pub fn record(
        &self,
        sigmoid: &Sigmoid,
        encoder: &mut wgpu::CommandEncoder,
        (input, output): (&wgpu::Buffer, &wgpu::Buffer),
        len: u64,
    ) {
        let device = sigmoid.device();
        let layout = self.pipeline.get_bind_group_layout(0);
        let max_per_dimension = sigmoid.config().max_workgroups_per_dimension;
        let mut groups = Vec::new();
        // The library's own split, each range in whole `vec4`s (every range but the last
        // already is).
        for (first, n) in wgpu_sigmoid::test_support::dispatch_ranges(sigmoid, len, 4) {
            let n = n / 4 * 4;
            if n == 0 {
                continue;
            }
            let range = |buffer| {
                wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer,
                    offset: first * 4,
                    size: NonZeroU64::new(n / 4 * 16),
                })
            };
            let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("wgpu-sigmoid.copy"),
                layout: &layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: range(input),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: range(output),
                    },
                ],
            });
            groups.push((
                group,
                wgpu_sigmoid::test_support::grid(n, self.shape, max_per_dimension),
            ));
        }
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("wgpu-sigmoid.copy"),
            timestamp_writes: None,
        });
        pass.set_pipeline(&self.pipeline);
        for (group, (x, y)) in &groups {
            pass.set_bind_group(0, group, &[]);
            pass.dispatch_workgroups(*x, *y, 1);
        }
    }
}
