//! The compiled compute kernels and how a dispatch is laid out.

use std::num::NonZeroU64;

use wgpu::util::DeviceExt;

/// WGSL source of the sigmoid kernel.
pub const SIGMOID_WGSL: &str = include_str!("../shaders/sigmoid.wgsl");
/// WGSL source of the copy-only kernel used as the benchmark ceiling.
pub const COPY_WGSL: &str = include_str!("../shaders/copy.wgsl");
/// Invocations per workgroup; must match `WORKGROUP_SIZE` in the shaders.
pub const WORKGROUP_SIZE: u32 = 256;
/// Elements handled by one invocation (one `vec4<f32>`).
pub const ELEMENTS_PER_INVOCATION: u32 = 4;

/// Which elementwise pass to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    /// `y = sigmoid(x)`.
    Sigmoid,
    /// `y = x`, the same memory traffic with no arithmetic.
    Copy,
}

/// Pipelines and the bind-group layout they share, built once per device.
#[derive(Debug)]
pub(crate) struct Kernels {
    layout: wgpu::BindGroupLayout,
    /// (main, tail) entry points of the sigmoid shader.
    sigmoid: (wgpu::ComputePipeline, wgpu::ComputePipeline),
    /// (main, tail) entry points of the copy shader.
    copy: (wgpu::ComputePipeline, wgpu::ComputePipeline),
    /// The shaders' `Params` uniform; its only field is the zero behind `opaque()`.
    params: wgpu::Buffer,
}

impl Kernels {
    pub(crate) fn new(device: &wgpu::Device) -> Kernels {
        let storage = |binding, read_only, min_size: u64| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Storage { read_only },
                has_dynamic_offset: false,
                min_binding_size: NonZeroU64::new(min_size),
            },
            count: None,
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("wgpu-sigmoid.bind_group_layout"),
            entries: &[
                storage(0, true, 16),
                storage(1, false, 16),
                storage(2, true, 4),
                storage(3, false, 4),
                wgpu::BindGroupLayoutEntry {
                    binding: 4,
                    visibility: wgpu::ShaderStages::COMPUTE,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: NonZeroU64::new(16),
                    },
                    count: None,
                },
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("wgpu-sigmoid.pipeline_layout"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipelines = |name: &str, source: &str| {
            let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(&format!("wgpu-sigmoid.{name}")),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            });
            let pipeline = |entry_point: String| {
                device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(&format!("wgpu-sigmoid.{entry_point}")),
                    layout: Some(&pipeline_layout),
                    module: &module,
                    entry_point: Some(&entry_point),
                    compilation_options: wgpu::PipelineCompilationOptions::default(),
                    cache: None,
                })
            };
            (
                pipeline(format!("{name}_main")),
                pipeline(format!("{name}_tail")),
            )
        };
        let params = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("wgpu-sigmoid.params"),
            contents: bytemuck::cast_slice(&[0u32; 4]),
            usage: wgpu::BufferUsages::UNIFORM,
        });
        Kernels {
            sigmoid: pipelines("sigmoid", SIGMOID_WGSL),
            copy: pipelines("copy", COPY_WGSL),
            layout,
            params,
        }
    }

    /// Binds `len` elements starting at element `first` of `input` and `output`. Both
    /// buffers must hold `first + len` elements rounded up to a multiple of 4, and
    /// `first * 4` must be a multiple of the device's storage offset alignment.
    pub(crate) fn bind_group(
        &self,
        device: &wgpu::Device,
        input: &wgpu::Buffer,
        output: &wgpu::Buffer,
        first: u64,
        len: u64,
    ) -> wgpu::BindGroup {
        let offset = first * 4;
        let scalar_bytes = len * 4;
        let vec4_bytes = len.div_ceil(4) * 16;
        fn entry(
            binding: u32,
            buffer: &wgpu::Buffer,
            offset: u64,
            size: u64,
        ) -> wgpu::BindGroupEntry<'_> {
            wgpu::BindGroupEntry {
                binding,
                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer,
                    offset,
                    size: NonZeroU64::new(size),
                }),
            }
        }
        device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("wgpu-sigmoid.bind_group"),
            layout: &self.layout,
            entries: &[
                entry(0, input, offset, vec4_bytes),
                entry(1, output, offset, vec4_bytes),
                entry(2, input, offset, scalar_bytes),
                entry(3, output, offset, scalar_bytes),
                entry(4, &self.params, 0, 16),
            ],
        })
    }

    /// Records one compute pass over `len` elements bound by `bind_group`.
    pub(crate) fn record(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        pass: Pass,
        bind_group: &wgpu::BindGroup,
        len: u64,
        max_workgroups_per_dimension: u32,
    ) {
        let mut compute = begin_pass(encoder, None);
        self.dispatch(
            &mut compute,
            pass,
            bind_group,
            len,
            max_workgroups_per_dimension,
        );
    }

    /// Records the dispatches of `pass` over `len` elements bound by `bind_group` into
    /// an open compute pass: the `vec4` main pass, then the scalar tail if any.
    pub(crate) fn dispatch(
        &self,
        compute: &mut wgpu::ComputePass<'_>,
        pass: Pass,
        bind_group: &wgpu::BindGroup,
        len: u64,
        max_workgroups_per_dimension: u32,
    ) {
        let (main, tail) = match pass {
            Pass::Sigmoid => &self.sigmoid,
            Pass::Copy => &self.copy,
        };
        compute.set_bind_group(0, bind_group, &[]);
        if len >= 4 {
            let (x, y) = grid(len, max_workgroups_per_dimension);
            compute.set_pipeline(main);
            compute.dispatch_workgroups(x, y, 1);
        }
        if !len.is_multiple_of(4) {
            compute.set_pipeline(tail);
            compute.dispatch_workgroups(1, 1, 1);
        }
    }
}

/// Begins a compute pass labelled as this crate's, with optional timestamp writes.
pub(crate) fn begin_pass<'e>(
    encoder: &'e mut wgpu::CommandEncoder,
    timestamp_writes: Option<wgpu::ComputePassTimestampWrites<'e>>,
) -> wgpu::ComputePass<'e> {
    encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
        label: Some("wgpu-sigmoid.pass"),
        timestamp_writes,
    })
}

/// Workgroup grid `(x, y)` of the main pass over `len` elements: one invocation per
/// whole `vec4` (the scalar tail has its own one-invocation dispatch), folded into two
/// dimensions so that neither exceeds `max_per_dimension`. The shader linearises it as
/// `y * grid_x + x`, and its bounds guard skips the overshoot of the last row.
#[must_use]
pub fn grid(len: u64, max_per_dimension: u32) -> (u32, u32) {
    let invocations = len / u64::from(ELEMENTS_PER_INVOCATION);
    let workgroups = invocations.div_ceil(u64::from(WORKGROUP_SIZE)).max(1);
    let max = u64::from(max_per_dimension.max(1));
    let x = workgroups.min(max);
    let y = workgroups.div_ceil(x);
    // Both fit: x ≤ max ≤ u32::MAX, and callers keep len within one storage binding
    // (< 2^32 bytes), so y ≤ workgroups < 2^32.
    (
        u32::try_from(x).unwrap_or(u32::MAX),
        u32::try_from(y).unwrap_or(u32::MAX),
    )
}
