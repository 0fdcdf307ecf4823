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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pass {
    /// `y = sigmoid(x)` on `f32`.
    Sigmoid,
    /// `y = x` on `f32`, the same memory traffic with no arithmetic.
    Copy,
    /// `y = sigmoid(x)` on packed `f16`.
    SigmoidF16,
    /// `y = sigmoid(x)` on packed `bf16`.
    SigmoidBf16,
    /// `dx = dy · y · (1 − y)` on `f32`.
    Backward,
    /// The gradient on packed `f16`.
    BackwardF16,
    /// The gradient on packed `bf16`.
    BackwardBf16,
}

impl Pass {
    /// Bytes per element.
    #[must_use]
    pub fn element_bytes(self) -> u64 {
        if self.is_half() { 2 } else { 4 }
    }

    /// Whether the pass works on 16-bit elements, packed two per word.
    fn is_half(self) -> bool {
        matches!(
            self,
            Pass::SigmoidF16 | Pass::SigmoidBf16 | Pass::BackwardF16 | Pass::BackwardBf16
        )
    }
}

/// One entry point's pipeline and the bind-group layout it takes.
#[derive(Debug)]
struct Stage {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

/// The stages of one pass: `vec4` main pass and scalar tail, out of place and (for
/// sigmoid) in place.
#[derive(Debug)]
struct PassStages {
    main: Stage,
    tail: Stage,
    in_place: Option<(Stage, Stage)>,
}

/// Pipelines and their bind-group layouts, built once per device.
#[derive(Debug)]
pub(crate) struct Kernels {
    sigmoid: PassStages,
    copy: PassStages,
    sigmoid_f16: PassStages,
    sigmoid_bf16: PassStages,
    backward: PassStages,
    backward_f16: PassStages,
    backward_bf16: PassStages,
    /// The shaders' `Params` uniform; its only field is the zero behind `opaque()`.
    params: wgpu::Buffer,
    /// The device's `min_storage_buffer_offset_alignment`, bytes.
    offset_alignment: u64,
}

/// The bind groups of one pass over one range: `main` for the whole `vec4`s (if any),
/// `tail` for the last `len % 4` elements (if any).
#[derive(Clone, Debug)]
pub(crate) struct Bindings {
    main: Option<wgpu::BindGroup>,
    tail: Option<wgpu::BindGroup>,
    in_place: bool,
    /// Invocations of the main pass (one per 16 bytes).
    main_invocations: u64,
    /// Width of the tail dispatch (the 16-bit tail passes its element count this way).
    tail_width: u32,
}

/// Binding numbers of the shaders (see `shaders/sigmoid.wgsl`).
const INPUT_VEC4: u32 = 0;
const OUTPUT_VEC4: u32 = 1;
const INPUT_SCALAR: u32 = 2;
const OUTPUT_SCALAR: u32 = 3;
const PARAMS: u32 = 4;
const INPUT_PACKED: u32 = 5;
const OUTPUT_PACKED: u32 = 6;
const INPUT_WORDS: u32 = 7;
const OUTPUT_WORDS: u32 = 8;
const GRAD_VEC4: u32 = 9;
const GRAD_SCALAR: u32 = 10;
const GRAD_PACKED: u32 = 11;
const GRAD_WORDS: u32 = 12;

impl Bindings {
    /// Bind groups held (0 to 2).
    pub(crate) fn count(&self) -> u64 {
        u64::from(self.main.is_some()) + u64::from(self.tail.is_some())
    }
}

impl Kernels {
    pub(crate) fn new(device: &wgpu::Device) -> Kernels {
        let params = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("wgpu-sigmoid.params"),
            contents: bytemuck::cast_slice(&[0u32; 4]),
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let sigmoid = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("wgpu-sigmoid.sigmoid"),
            source: wgpu::ShaderSource::Wgsl(SIGMOID_WGSL.into()),
        });
        let copy = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("wgpu-sigmoid.copy"),
            source: wgpu::ShaderSource::Wgsl(COPY_WGSL.into()),
        });
        Kernels {
            sigmoid: PassStages {
                main: stage(device, &sigmoid, "sigmoid_main", &[INPUT_VEC4, OUTPUT_VEC4]),
                tail: stage(
                    device,
                    &sigmoid,
                    "sigmoid_tail",
                    &[INPUT_SCALAR, OUTPUT_SCALAR],
                ),
                in_place: Some((
                    stage(device, &sigmoid, "sigmoid_main_in_place", &[OUTPUT_VEC4]),
                    stage(device, &sigmoid, "sigmoid_tail_in_place", &[OUTPUT_SCALAR]),
                )),
            },
            copy: PassStages {
                main: stage(device, &copy, "copy_main", &[INPUT_VEC4, OUTPUT_VEC4]),
                tail: stage(device, &copy, "copy_tail", &[INPUT_SCALAR, OUTPUT_SCALAR]),
                in_place: None,
            },
            sigmoid_f16: PassStages {
                main: stage(
                    device,
                    &sigmoid,
                    "sigmoid_f16_main",
                    &[INPUT_PACKED, OUTPUT_PACKED],
                ),
                tail: stage(
                    device,
                    &sigmoid,
                    "sigmoid_f16_tail",
                    &[INPUT_WORDS, OUTPUT_WORDS],
                ),
                in_place: Some((
                    stage(
                        device,
                        &sigmoid,
                        "sigmoid_f16_main_in_place",
                        &[OUTPUT_PACKED],
                    ),
                    stage(
                        device,
                        &sigmoid,
                        "sigmoid_f16_tail_in_place",
                        &[OUTPUT_WORDS],
                    ),
                )),
            },
            sigmoid_bf16: PassStages {
                main: stage(
                    device,
                    &sigmoid,
                    "sigmoid_bf16_main",
                    &[INPUT_PACKED, OUTPUT_PACKED],
                ),
                tail: stage(
                    device,
                    &sigmoid,
                    "sigmoid_bf16_tail",
                    &[INPUT_WORDS, OUTPUT_WORDS],
                ),
                in_place: Some((
                    stage(
                        device,
                        &sigmoid,
                        "sigmoid_bf16_main_in_place",
                        &[OUTPUT_PACKED],
                    ),
                    stage(
                        device,
                        &sigmoid,
                        "sigmoid_bf16_tail_in_place",
                        &[OUTPUT_WORDS],
                    ),
                )),
            },
            backward: PassStages {
                main: stage(
                    device,
                    &sigmoid,
                    "backward_main",
                    &[INPUT_VEC4, GRAD_VEC4, OUTPUT_VEC4],
                ),
                tail: stage(
                    device,
                    &sigmoid,
                    "backward_tail",
                    &[INPUT_SCALAR, GRAD_SCALAR, OUTPUT_SCALAR],
                ),
                in_place: None,
            },
            backward_f16: PassStages {
                main: stage(
                    device,
                    &sigmoid,
                    "backward_f16_main",
                    &[INPUT_PACKED, GRAD_PACKED, OUTPUT_PACKED],
                ),
                tail: stage(
                    device,
                    &sigmoid,
                    "backward_f16_tail",
                    &[INPUT_WORDS, GRAD_WORDS, OUTPUT_WORDS],
                ),
                in_place: None,
            },
            backward_bf16: PassStages {
                main: stage(
                    device,
                    &sigmoid,
                    "backward_bf16_main",
                    &[INPUT_PACKED, GRAD_PACKED, OUTPUT_PACKED],
                ),
                tail: stage(
                    device,
                    &sigmoid,
                    "backward_bf16_tail",
                    &[INPUT_WORDS, GRAD_WORDS, OUTPUT_WORDS],
                ),
                in_place: None,
            },
            params,
            offset_alignment: u64::from(device.limits().min_storage_buffer_offset_alignment)
                .max(16),
        }
    }

    /// Bind groups for `pass` over `len` elements: `inputs` are (buffer, byte offset)
    /// of the input (and, for the gradient, of `dy` after `y`), `output` of the output.
    /// The same buffer at the same offset for input and output means in place. Offsets
    /// must meet the device's storage offset alignment and the ranges must lie inside
    /// the buffers; no padding beyond `len` elements is needed.
    pub(crate) fn bindings(
        &self,
        device: &wgpu::Device,
        pass: Pass,
        inputs: &[(&wgpu::Buffer, u64)],
        (output, output_offset): (&wgpu::Buffer, u64),
        len: u64,
    ) -> Bindings {
        let stages = self.stages(pass);
        let in_place = stages.in_place.is_some()
            && inputs
                .first()
                .is_some_and(|&(buffer, offset)| buffer == output && offset == output_offset);
        // Elements per 16-byte main-pass invocation, bytes of the range, and the binding
        // numbers: (main, tail) for the input, dy and the output.
        let (per_invocation, range_bytes, input_bindings, grad_bindings, output_bindings) =
            if pass.is_half() {
                (
                    8,
                    len.div_ceil(2) * 4,
                    (INPUT_PACKED, INPUT_WORDS),
                    (GRAD_PACKED, GRAD_WORDS),
                    (OUTPUT_PACKED, OUTPUT_WORDS),
                )
            } else {
                (
                    4,
                    len * 4,
                    (INPUT_VEC4, INPUT_SCALAR),
                    (GRAD_VEC4, GRAD_SCALAR),
                    (OUTPUT_VEC4, OUTPUT_SCALAR),
                )
            };
        let main_invocations = len / per_invocation;
        let whole = main_invocations * 16;
        let tail_len = len % per_invocation;
        let tail_bytes = range_bytes - whole;
        // The tail binding must start at an aligned offset: it starts at the last
        // aligned offset before the tail and ends with the range. The tail shaders handle
        // the last elements of their binding, which are the range's tail, because the
        // alignment is a multiple of 16 bytes (whole groups; WebGPU requires at least 32).
        let tail_offset = |base: u64| {
            let tail = base + whole;
            tail - (tail - base) % self.offset_alignment
        };
        let tail_size = |base: u64| base + range_bytes - tail_offset(base);
        // (binding numbers (main, tail), buffer, offset) of everything bound.
        let mut bound: Vec<((u32, u32), &wgpu::Buffer, u64)> = Vec::with_capacity(3);
        if !in_place {
            for (&(buffer, offset), numbers) in inputs.iter().zip([input_bindings, grad_bindings]) {
                bound.push((numbers, buffer, offset));
            }
        }
        bound.push((output_bindings, output, output_offset));
        let (main_stage, tail_stage) = match (&stages.in_place, in_place) {
            (Some((main, tail)), true) => (main, tail),
            _ => (&stages.main, &stages.tail),
        };
        let main = (whole > 0).then(|| {
            let entries: Vec<_> = bound
                .iter()
                .map(|&((main, _), buffer, offset)| (main, buffer, offset, whole))
                .collect();
            self.group(device, main_stage, &entries)
        });
        let tail = (tail_bytes > 0).then(|| {
            let entries: Vec<_> = bound
                .iter()
                .map(|&((_, tail), buffer, offset)| {
                    (tail, buffer, tail_offset(offset), tail_size(offset))
                })
                .collect();
            self.group(device, tail_stage, &entries)
        });
        Bindings {
            main,
            tail,
            in_place,
            main_invocations,
            tail_width: if pass.is_half() {
                u32::try_from(tail_len).unwrap_or(1)
            } else {
                1
            },
        }
    }

    /// A bind group of `stage` binding (binding, buffer, offset, size) entries and the
    /// `Params` uniform.
    fn group(
        &self,
        device: &wgpu::Device,
        stage: &Stage,
        entries: &[(u32, &wgpu::Buffer, u64, u64)],
    ) -> wgpu::BindGroup {
        let mut bound: Vec<wgpu::BindGroupEntry<'_>> = entries
            .iter()
            .map(|&(binding, buffer, offset, size)| wgpu::BindGroupEntry {
                binding,
                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer,
                    offset,
                    size: NonZeroU64::new(size),
                }),
            })
            .collect();
        bound.push(wgpu::BindGroupEntry {
            binding: PARAMS,
            resource: self.params.as_entire_binding(),
        });
        device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("wgpu-sigmoid.bind_group"),
            layout: &stage.layout,
            entries: &bound,
        })
    }

    /// The device's `min_storage_buffer_offset_alignment` (at least 16), bytes: where
    /// bindings may start.
    pub(crate) fn offset_alignment(&self) -> u64 {
        self.offset_alignment
    }

    fn stages(&self, pass: Pass) -> &PassStages {
        match pass {
            Pass::Sigmoid => &self.sigmoid,
            Pass::Copy => &self.copy,
            Pass::SigmoidF16 => &self.sigmoid_f16,
            Pass::SigmoidBf16 => &self.sigmoid_bf16,
            Pass::Backward => &self.backward,
            Pass::BackwardF16 => &self.backward_f16,
            Pass::BackwardBf16 => &self.backward_bf16,
        }
    }

    /// Records one compute pass over the range `bindings` bind.
    pub(crate) fn record(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        pass: Pass,
        bindings: &Bindings,
        max_workgroups_per_dimension: u32,
    ) {
        let mut compute = begin_pass(encoder, None);
        self.dispatch(&mut compute, pass, bindings, max_workgroups_per_dimension);
    }

    /// Records the dispatches of `pass` over the range `bindings` bind into an open
    /// compute pass: the main pass over whole 16-byte groups, then the tail if any.
    pub(crate) fn dispatch(
        &self,
        compute: &mut wgpu::ComputePass<'_>,
        pass: Pass,
        bindings: &Bindings,
        max_workgroups_per_dimension: u32,
    ) {
        let stages = self.stages(pass);
        let (main, tail) = match (&stages.in_place, bindings.in_place) {
            (Some((main, tail)), true) => (main, tail),
            _ => (&stages.main, &stages.tail),
        };
        if let Some(group) = &bindings.main {
            let (x, y) =
                grid_for_invocations(bindings.main_invocations, max_workgroups_per_dimension);
            compute.set_pipeline(&main.pipeline);
            compute.set_bind_group(0, group, &[]);
            compute.dispatch_workgroups(x, y, 1);
        }
        if let Some(group) = &bindings.tail {
            compute.set_pipeline(&tail.pipeline);
            compute.set_bind_group(0, group, &[]);
            compute.dispatch_workgroups(bindings.tail_width, 1, 1);
        }
    }
}

/// The pipeline of `entry_point` with a bind-group layout of exactly the storage
/// `bindings` it uses, plus the `Params` uniform.
fn stage(
    device: &wgpu::Device,
    module: &wgpu::ShaderModule,
    entry_point: &str,
    bindings: &[u32],
) -> Stage {
    let storage = |binding: u32| wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage {
                read_only: !matches!(
                    binding,
                    OUTPUT_VEC4 | OUTPUT_SCALAR | OUTPUT_PACKED | OUTPUT_WORDS
                ),
            },
            has_dynamic_offset: false,
            min_binding_size: NonZeroU64::new(match binding {
                INPUT_VEC4 | OUTPUT_VEC4 | INPUT_PACKED | OUTPUT_PACKED | GRAD_VEC4
                | GRAD_PACKED => 16,
                _ => 4,
            }),
        },
        count: None,
    };
    let mut entries: Vec<wgpu::BindGroupLayoutEntry> =
        bindings.iter().map(|&b| storage(b)).collect();
    entries.push(wgpu::BindGroupLayoutEntry {
        binding: PARAMS,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: false,
            min_binding_size: NonZeroU64::new(16),
        },
        count: None,
    });
    let label = format!("wgpu-sigmoid.{entry_point}");
    let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some(&label),
        entries: &entries,
    });
    let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(&label),
        bind_group_layouts: &[Some(&layout)],
        immediate_size: 0,
    });
    let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(&label),
        layout: Some(&pipeline_layout),
        module,
        entry_point: Some(entry_point),
        compilation_options: wgpu::PipelineCompilationOptions::default(),
        cache: None,
    });
    Stage { layout, pipeline }
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
    grid_for_invocations(len / u64::from(ELEMENTS_PER_INVOCATION), max_per_dimension)
}

/// The workgroup grid for `invocations` main-pass invocations (see [`grid`]).
fn grid_for_invocations(invocations: u64, max_per_dimension: u32) -> (u32, u32) {
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
