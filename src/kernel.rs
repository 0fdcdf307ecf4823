//! The compiled compute kernels and how a dispatch is laid out.
//!
//! Pipelines are built in one loop over a table of (operation, storage) with the full
//! names of their entry points (`TABLE`); each takes the bind-group layout wgpu derives
//! from the shader (`layout: None`), and the binding number of each role (input, `dy`,
//! output, the params uniform) is read from the shader itself by naga reflection when the
//! crate is built (build.rs), from the variables an entry point uses, named in `ROLES`.
//! Binding numbers are written once, in the shader.

use std::collections::HashMap;
use std::num::NonZeroU64;

use wgpu::util::DeviceExt;

use crate::Error;

/// WGSL source of the kernels: [`wgsl::FUNCTIONS`](crate::wgsl::FUNCTIONS),
/// [`wgsl::DISPATCH`](crate::wgsl::DISPATCH) and the kernels
/// (`shaders/sigmoid_kernels.wgsl`), concatenated in that order (by build.rs, which
/// reflects this very text).
pub const SIGMOID_WGSL: &str = include_str!(concat!(env!("OUT_DIR"), "/sigmoid.wgsl"));
/// The default invocations per workgroup (the shader's `WORKGROUP_SIZE` has no default:
/// the host always sets it).
pub const WORKGROUP_SIZE: u32 = 256;
/// Elements of one `vec4<f32>`, the unit of the `f32` main pass.
pub(crate) const ELEMENTS_PER_VEC4: u32 = 4;
/// Most `vec4`s one invocation of the `f32` main pass takes: the shader's
/// `MAX_VEC4_PER_INVOCATION`, read from it when the crate is built.
pub const MAX_VEC4_PER_INVOCATION: u32 =
    crate::wgsl::u32_constant(crate::wgsl::DISPATCH, "MAX_VEC4_PER_INVOCATION");

/// How the main passes are dispatched: the shader's pipeline-overridable
/// `WORKGROUP_SIZE` (every main pass) and `VEC4_PER_INVOCATION` (the `f32` forward
/// pass, which loads all its `vec4`s before computing any). Results are the same bits
/// at every shape; only speed differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DispatchShape {
    /// Invocations per workgroup (clamped to the device's limits).
    pub workgroup_size: u32,
    /// `vec4`s per invocation of the `f32` forward pass, 1 to
    /// [`MAX_VEC4_PER_INVOCATION`].
    pub vec4_per_invocation: u32,
}

impl Default for DispatchShape {
    fn default() -> DispatchShape {
        DispatchShape {
            workgroup_size: WORKGROUP_SIZE,
            vec4_per_invocation: 1,
        }
    }
}

impl DispatchShape {
    /// `workgroup_size` invocations per workgroup, each on `vec4_per_invocation`
    /// `vec4`s; brought within the device's limits where it is built
    /// ([`DispatchShape::clamped`]).
    #[must_use]
    pub const fn new(workgroup_size: u32, vec4_per_invocation: u32) -> DispatchShape {
        DispatchShape {
            workgroup_size,
            vec4_per_invocation,
        }
    }

    /// The shape for an adapter, from measurements (BENCHMARKS.md, "Issue #19", 64 Mi
    /// elements): on CPU adapters 2 `vec4`s per invocation in workgroups of 1024 under
    /// Vulkan (lavapipe: kernel 65 ms against 79 ms at 1 `vec4`, 87 ms at 4; 59.6–60.9
    /// ms against 61.7–61.9 ms in workgroups of 256, three rounds) and 4 in workgroups
    /// of 256 under GL (llvmpipe: 63 ms against 84 ms at 1, 68 ms at 2; larger
    /// workgroups within noise) and in the browser (SwiftShader, Chromium's CPU
    /// adapter, 16 Mi elements: about 385 ms against 700 ms at 1 and 440 ms at 2;
    /// BENCHMARKS.md, "Browser"); elsewhere the default, one `vec4` in workgroups of
    /// 256, until a GPU measures otherwise. Clamped to the device where it is built.
    #[must_use]
    pub fn preferred(info: &wgpu::AdapterInfo) -> DispatchShape {
        match (info.device_type, info.backend) {
            (wgpu::DeviceType::Cpu, wgpu::Backend::Vulkan) => DispatchShape {
                workgroup_size: 1024,
                vec4_per_invocation: 2,
            },
            (wgpu::DeviceType::Cpu, wgpu::Backend::Gl | wgpu::Backend::BrowserWebGpu) => {
                DispatchShape {
                    workgroup_size: WORKGROUP_SIZE,
                    vec4_per_invocation: 4,
                }
            }
            _ => DispatchShape::default(),
        }
    }

    /// This shape within the device's limits: a workgroup size from 1 to the largest
    /// the device runs, 1 to [`MAX_VEC4_PER_INVOCATION`] `vec4`s per invocation.
    #[must_use]
    pub fn clamped(self, limits: &wgpu::Limits) -> DispatchShape {
        let largest = limits
            .max_compute_invocations_per_workgroup
            .min(limits.max_compute_workgroup_size_x)
            .max(1);
        DispatchShape {
            workgroup_size: self.workgroup_size.clamp(1, largest),
            vec4_per_invocation: self.vec4_per_invocation.clamp(1, MAX_VEC4_PER_INVOCATION),
        }
    }

    /// The pipeline constants that set this shape.
    #[must_use]
    pub fn constants(self) -> [(&'static str, f64); 2] {
        [
            ("WORKGROUP_SIZE", f64::from(self.workgroup_size)),
            ("VEC4_PER_INVOCATION", f64::from(self.vec4_per_invocation)),
        ]
    }
}

/// The operations the kernels perform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Op {
    /// `y = sigmoid(x)`.
    Forward,
    /// `dx = dy · y · (1 − y)`.
    Backward,
}

/// How elements are stored: `f32` as `vec4<f32>`, 16-bit floats packed two per word.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// IEEE binary32.
    F32,
    /// IEEE binary16.
    F16,
    /// bfloat16.
    Bf16,
}

impl Format {
    /// Bytes per element.
    #[must_use]
    pub fn element_bytes(self) -> u64 {
        match self {
            Format::F32 => 4,
            Format::F16 | Format::Bf16 => 2,
        }
    }

    fn is_half(self) -> bool {
        self != Format::F32
    }
}

/// What a binding of an entry point is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Role {
    Input,
    Grad,
    Output,
    Params,
}

/// The role of each resource variable of the shader, by its name: the input (`y` for
/// the gradient), `dy`, the output, and the uniform behind `opaque()`. Binding numbers
/// are the shader's, read by reflection.
const ROLES: [(&str, Role); 13] = [
    ("input_vec4", Role::Input),
    ("input_scalar", Role::Input),
    ("input_packed", Role::Input),
    ("input_words", Role::Input),
    ("grad_vec4", Role::Grad),
    ("grad_scalar", Role::Grad),
    ("grad_packed", Role::Grad),
    ("grad_words", Role::Grad),
    ("output_vec4", Role::Output),
    ("output_scalar", Role::Output),
    ("output_packed", Role::Output),
    ("output_words", Role::Output),
    ("params", Role::Params),
];

impl Role {
    fn of(name: &str) -> Option<Role> {
        ROLES
            .iter()
            .find(|(variable, _)| *variable == name)
            .map(|&(_, role)| role)
    }
}

/// The entry points of one (operation, storage): the main pass over whole 16-byte
/// groups and the tail, out of place and, where the operation has them, in place.
struct EntryPoints {
    main: &'static str,
    tail: &'static str,
    in_place: Option<(&'static str, &'static str)>,
}

/// Every operation on each storage (`f32` as `vec4`s, or 16-bit floats packed two per
/// word, one set for both 16-bit formats), by the names of its entry points. The
/// gradient writes a tensor of its own: no in-place entry points.
const TABLE: [(Op, Storage, EntryPoints); 4] = [
    (
        Op::Forward,
        Storage::Vec4,
        EntryPoints {
            main: "sigmoid_main",
            tail: "sigmoid_tail",
            in_place: Some(("sigmoid_main_in_place", "sigmoid_tail_in_place")),
        },
    ),
    (
        Op::Forward,
        Storage::Packed,
        EntryPoints {
            main: "sigmoid_halves_main",
            tail: "sigmoid_halves_tail",
            in_place: Some((
                "sigmoid_halves_main_in_place",
                "sigmoid_halves_tail_in_place",
            )),
        },
    ),
    (
        Op::Backward,
        Storage::Vec4,
        EntryPoints {
            main: "backward_main",
            tail: "backward_tail",
            in_place: None,
        },
    ),
    (
        Op::Backward,
        Storage::Packed,
        EntryPoints {
            main: "backward_halves_main",
            tail: "backward_halves_tail",
            in_place: None,
        },
    ),
];

/// How a format's elements are stored in the shader's bindings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Storage {
    /// `vec4<f32>`s.
    Vec4,
    /// 16-bit floats, two per `u32`; the `BF16` pipeline constant picks the format.
    Packed,
}

impl Format {
    fn storage(self) -> Storage {
        if self.is_half() {
            Storage::Packed
        } else {
            Storage::Vec4
        }
    }
}

/// One entry point's pipeline, its layout, and the binding number of each role it uses.
#[derive(Debug)]
struct Stage {
    pipeline: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
    bindings: Vec<(Role, u32)>,
}

/// The stages of one (operation, format): `vec4` main pass and tail, out of place and
/// (for sigmoid) in place.
#[derive(Debug)]
struct Kernel {
    main: Stage,
    tail: Stage,
    in_place: Option<(Stage, Stage)>,
}

/// Pipelines and their bind-group layouts, built once per device.
#[derive(Debug)]
pub(crate) struct Kernels {
    kernels: HashMap<(Op, Format), Kernel>,
    /// The shape the pipelines were built for.
    shape: DispatchShape,
    /// The shader's `Params` uniform; its only field is the zero behind `opaque()`.
    params: wgpu::Buffer,
    /// The device's `min_storage_buffer_offset_alignment`, bytes.
    offset_alignment: u64,
}

const FORMATS: [Format; 3] = [Format::F32, Format::F16, Format::Bf16];

/// How a range of elements splits between the main pass (whole 16-byte groups: four
/// `f32`s or eight 16-bit floats per invocation) and the tail.
struct Split {
    main_invocations: u64,
    /// Bytes of the whole groups.
    whole: u64,
    /// Elements after them.
    tail_len: u64,
    /// Bytes of the range (16-bit ranges rounded up to whole words).
    range_bytes: u64,
}

impl Split {
    fn new(format: Format, len: u64) -> Split {
        let (per_invocation, range_bytes) = if format.is_half() {
            (8, len.div_ceil(2) * 4)
        } else {
            (4, len * 4)
        };
        let main_invocations = len / per_invocation;
        Split {
            main_invocations,
            whole: main_invocations * 16,
            tail_len: len % per_invocation,
            range_bytes,
        }
    }

    fn tail_bytes(&self) -> u64 {
        self.range_bytes - self.whole
    }

    /// (offset, size) of the tail binding of the range that starts at `base`. A binding
    /// must start at an aligned offset: it starts at the last aligned offset before the
    /// tail and ends with the range. The tail shaders handle the last elements of their
    /// binding, which are the range's tail, because the alignment is a multiple of 16
    /// bytes (whole groups; WebGPU requires at least 32).
    fn tail_binding(&self, base: u64, alignment: u64) -> (u64, u64) {
        let tail = base + self.whole;
        let offset = tail - (tail - base) % alignment;
        (offset, base + self.range_bytes - offset)
    }
}

/// The bind groups of one pass over one range, with their pipelines: the main pass
/// over whole 16-byte groups (if any) and the tail (if any).
#[derive(Clone, Debug)]
pub(crate) struct Bindings {
    /// Pipeline, bind group, invocations and workgroup size.
    main: Option<(wgpu::ComputePipeline, wgpu::BindGroup, u64, u32)>,
    /// Pipeline, bind group and dispatch width (the 16-bit tail's element count).
    tail: Option<(wgpu::ComputePipeline, wgpu::BindGroup, u32)>,
}

impl Bindings {
    /// Bind groups held (0 to 2).
    pub(crate) fn count(&self) -> u64 {
        u64::from(self.main.is_some()) + u64::from(self.tail.is_some())
    }

    /// Records the dispatches into an open compute pass: the main pass, then the tail.
    pub(crate) fn dispatch(&self, compute: &mut wgpu::ComputePass<'_>, max_per_dimension: u32) {
        if let Some((pipeline, group, invocations, workgroup_size)) = &self.main {
            let (x, y) = grid_for_invocations(*invocations, *workgroup_size, max_per_dimension);
            compute.set_pipeline(pipeline);
            compute.set_bind_group(0, group, &[]);
            compute.dispatch_workgroups(x, y, 1);
        }
        if let Some((pipeline, group, width)) = &self.tail {
            compute.set_pipeline(pipeline);
            compute.set_bind_group(0, group, &[]);
            compute.dispatch_workgroups(*width, 1, 1);
        }
    }
}

impl Kernels {
    /// Compiles every pipeline of the table on `device`. Call inside error scopes: a
    /// driver's failure to compile surfaces there.
    pub(crate) fn new(device: &wgpu::Device, shape: DispatchShape) -> Result<Kernels, Error> {
        let reflected = reflect()?;
        let params = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("wgpu-sigmoid.params"),
            contents: bytemuck::cast_slice(&[0u32; 4]),
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("wgpu-sigmoid.sigmoid"),
            source: wgpu::ShaderSource::Wgsl(SIGMOID_WGSL.into()),
        });
        let mut kernels = HashMap::new();
        for (op, storage, entry_points) in &TABLE {
            for format in FORMATS.into_iter().filter(|f| f.storage() == *storage) {
                let mut constants = shape.constants().to_vec();
                match format {
                    Format::F32 => {}
                    Format::F16 => constants.push(("BF16", 0.0)),
                    Format::Bf16 => constants.push(("BF16", 1.0)),
                }
                let stage = |entry_point: &str| {
                    let bindings = reflected.get(entry_point).cloned().ok_or_else(|| {
                        internal(format!("the shader has no entry point `{entry_point}`"))
                    })?;
                    Ok::<Stage, Error>(build_stage(
                        device,
                        &module,
                        entry_point,
                        &format!("{format:?}"),
                        &constants,
                        bindings,
                    ))
                };
                let in_place = match entry_points.in_place {
                    Some((main, tail)) => Some((stage(main)?, stage(tail)?)),
                    None => None,
                };
                let kernel = Kernel {
                    main: stage(entry_points.main)?,
                    tail: stage(entry_points.tail)?,
                    in_place,
                };
                kernels.insert((*op, format), kernel);
            }
        }
        Ok(Kernels {
            kernels,
            shape,
            params,
            offset_alignment: u64::from(device.limits().min_storage_buffer_offset_alignment)
                .max(16),
        })
    }

    /// Bind groups for `op` on `format` over `len` elements: `inputs` are (buffer, byte
    /// offset) of the input (and, for the gradient, of `dy` after `y`), `output` of the
    /// output. The same buffer at the same offset for input and output means in place.
    /// Offsets must meet the device's storage offset alignment and the ranges must lie
    /// inside the buffers; no padding beyond `len` elements is needed. Call inside error
    /// scopes: a buffer wgpu refuses (destroyed, of another device) surfaces there.
    pub(crate) fn bindings(
        &self,
        device: &wgpu::Device,
        (op, format): (Op, Format),
        inputs: &[(&wgpu::Buffer, u64)],
        output: (&wgpu::Buffer, u64),
        len: u64,
    ) -> Result<Bindings, Error> {
        let (main_stage, tail_stage, in_place) = self.stages((op, format), inputs, output)?;
        let split = Split::new(format, len);
        // (role, buffer, offset) of everything bound; in place binds the output only.
        let mut bound: Vec<(Role, &wgpu::Buffer, u64)> = Vec::with_capacity(3);
        if !in_place {
            for (&(buffer, offset), role) in inputs.iter().zip([Role::Input, Role::Grad]) {
                bound.push((role, buffer, offset));
            }
        }
        bound.push((Role::Output, output.0, output.1));
        let main = if split.whole > 0 {
            let entries: Vec<_> = bound
                .iter()
                .map(|&(role, buffer, offset)| (role, buffer, offset, split.whole))
                .collect();
            let group = self.group(device, main_stage, &entries)?;
            // Only the f32 forward pass takes several vec4s per invocation.
            let per_invocation = if (op, format) == (Op::Forward, Format::F32) {
                u64::from(self.shape.vec4_per_invocation)
            } else {
                1
            };
            Some((
                main_stage.pipeline.clone(),
                group,
                split.main_invocations.div_ceil(per_invocation),
                self.shape.workgroup_size,
            ))
        } else {
            None
        };
        let tail = if split.tail_bytes() > 0 {
            let entries: Vec<_> = bound
                .iter()
                .map(|&(role, buffer, offset)| {
                    let (tail_offset, size) = split.tail_binding(offset, self.offset_alignment);
                    (role, buffer, tail_offset, size)
                })
                .collect();
            let group = self.group(device, tail_stage, &entries)?;
            // The 16-bit tails read their element count from the dispatch width.
            let width = if format.is_half() {
                u32::try_from(split.tail_len).unwrap_or(1)
            } else {
                1
            };
            Some((tail_stage.pipeline.clone(), group, width))
        } else {
            None
        };
        Ok(Bindings { main, tail })
    }

    /// The main and tail stages for `kernel` on these ranges, and whether they are the
    /// in-place ones: only where the kernel has in-place entry points (the gradient's
    /// callers keep dx apart from y and dy) and the first input is the output's range.
    fn stages(
        &self,
        (op, format): (Op, Format),
        inputs: &[(&wgpu::Buffer, u64)],
        (output, output_offset): (&wgpu::Buffer, u64),
    ) -> Result<(&Stage, &Stage, bool), Error> {
        let kernel = self
            .kernels
            .get(&(op, format))
            .ok_or_else(|| internal(format!("no kernel for {op:?} on {format:?}")))?;
        let same_range = inputs
            .first()
            .is_some_and(|&(buffer, offset)| buffer == output && offset == output_offset);
        Ok(match (&kernel.in_place, same_range) {
            (Some((main, tail)), true) => (main, tail, true),
            _ => (&kernel.main, &kernel.tail, false),
        })
    }

    /// A bind group of `stage` binding (role, buffer, offset, size) entries and, where
    /// the stage reads it, the `Params` uniform, each at the binding number the shader
    /// gives its role.
    fn group(
        &self,
        device: &wgpu::Device,
        stage: &Stage,
        entries: &[(Role, &wgpu::Buffer, u64, u64)],
    ) -> Result<wgpu::BindGroup, Error> {
        let number = |role: Role| {
            stage
                .bindings
                .iter()
                .find(|(r, _)| *r == role)
                .map(|&(_, n)| n)
                .ok_or_else(|| internal(format!("an entry point binds no {role:?}")))
        };
        let mut bound = Vec::with_capacity(entries.len() + 1);
        for &(role, buffer, offset, size) in entries {
            bound.push(wgpu::BindGroupEntry {
                binding: number(role)?,
                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer,
                    offset,
                    size: NonZeroU64::new(size),
                }),
            });
        }
        // Only the kernels that hide values with `opaque()` read the params.
        if let Ok(binding) = number(Role::Params) {
            bound.push(wgpu::BindGroupEntry {
                binding,
                resource: self.params.as_entire_binding(),
            });
        }
        Ok(device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("wgpu-sigmoid.bind_group"),
            layout: &stage.layout,
            entries: &bound,
        }))
    }

    /// The device's `min_storage_buffer_offset_alignment` (at least 16), bytes: where
    /// bindings may start.
    pub(crate) fn offset_alignment(&self) -> u64 {
        self.offset_alignment
    }
}

/// The kernel table and the shader disagree: a bug of this crate.
fn internal(message: String) -> Error {
    Error::Bug(format!("the kernel table: {message}"))
}

// `REFLECTED`: the resources of each entry point of `SIGMOID_WGSL`, reflected by naga
// when the crate is built (build.rs), so that naga is not part of the library at run time.
include!(concat!(env!("OUT_DIR"), "/reflected.rs"));

/// The role and binding number of each resource of each entry point, by its name.
type Reflected = HashMap<&'static str, Vec<(Role, u32)>>;

/// For every entry point of the kernels, the role and binding number of each resource
/// it uses (directly or through the functions it calls).
fn reflect() -> Result<Reflected, Error> {
    REFLECTED
        .iter()
        .map(|&(entry_point, resources)| {
            let bindings = resources
                .iter()
                .map(|&(name, binding)| {
                    Role::of(name)
                        .map(|role| (role, binding))
                        .ok_or_else(|| internal(format!("binding `{name}` has no known role")))
                })
                .collect::<Result<Vec<_>, Error>>()?;
            Ok((entry_point, bindings))
        })
        .collect()
}

/// The pipeline of `entry_point`, with the layout wgpu derives from the shader.
fn build_stage(
    device: &wgpu::Device,
    module: &wgpu::ShaderModule,
    entry_point: &str,
    format: &str,
    constants: &[(&str, f64)],
    bindings: Vec<(Role, u32)>,
) -> Stage {
    let label = format!("wgpu-sigmoid.{entry_point}.{format}");
    let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(&label),
        layout: None,
        module,
        entry_point: Some(entry_point),
        compilation_options: wgpu::PipelineCompilationOptions {
            constants,
            ..Default::default()
        },
        cache: None,
    });
    let layout = pipeline.get_bind_group_layout(0);
    Stage {
        pipeline,
        layout,
        bindings,
    }
}

/// Begins a compute pass labelled as this crate's.
pub(crate) fn begin_pass(encoder: &mut wgpu::CommandEncoder) -> wgpu::ComputePass<'_> {
    encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
        label: Some("wgpu-sigmoid.pass"),
        timestamp_writes: None,
    })
}

/// Workgroup grid `(x, y)` of the `f32` forward main pass over `len` elements at
/// `shape`: `shape.vec4_per_invocation` whole `vec4`s per invocation (the tail has its
/// own dispatch), folded into two dimensions so
/// that neither exceeds `max_per_dimension`. The shader linearises it as
/// `y * grid_x + x`, and its bounds guard skips the overshoot of the last row.
///
/// The fold is balanced: `y = ⌈g / max⌉` rows of `x = ⌈g / y⌉` workgroups for `g`
/// workgroups, so at most `y − 1` of them are empty. (Full rows of `max` would launch
/// up to `max − 1` empty ones: 65 534 of 131 070 at 64 Mi elements.)
#[cfg(any(test, feature = "test-support"))]
#[must_use]
pub(crate) fn grid(len: u64, shape: DispatchShape, max_per_dimension: u32) -> (u32, u32) {
    let vec4s = len / u64::from(ELEMENTS_PER_VEC4);
    grid_for_invocations(
        vec4s.div_ceil(u64::from(shape.vec4_per_invocation.max(1))),
        shape.workgroup_size,
        max_per_dimension,
    )
}

/// The workgroup grid for `invocations` main-pass invocations (see [`grid`]).
fn grid_for_invocations(
    invocations: u64,
    workgroup_size: u32,
    max_per_dimension: u32,
) -> (u32, u32) {
    let workgroups = invocations
        .div_ceil(u64::from(workgroup_size.max(1)))
        .max(1);
    let max = u64::from(max_per_dimension.max(1));
    let y = workgroups.div_ceil(max);
    let x = workgroups.div_ceil(y);
    // Both fit: x ≤ max ≤ u32::MAX, and callers keep len within one storage binding
    // (< 2^32 bytes), so y ≤ workgroups < 2^32.
    (
        u32::try_from(x).unwrap_or(u32::MAX),
        u32::try_from(y).unwrap_or(u32::MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_fold_is_balanced() {
        let shape = DispatchShape::default();
        let per_workgroup = u64::from(WORKGROUP_SIZE * ELEMENTS_PER_VEC4);
        for max in [1u32, 2, 3, 7, 255, 65_535] {
            for workgroups in (1u64..2_000).chain([65_535, 65_536, 131_071, 327_680, 1 << 22]) {
                let (x, y) = grid(workgroups * per_workgroup, shape, max);
                let (x, y) = (u64::from(x), u64::from(y));
                assert!(
                    x <= u64::from(max) && x * y >= workgroups,
                    "{workgroups} {max}"
                );
                assert!(
                    x * y - workgroups < y,
                    "{workgroups} in {x} x {y} (max {max})"
                );
            }
        }
        // 64 Mi elements: 65 536 workgroups in 2 rows of 32 768, none empty (was
        // 65 535 x 2 with 65 534 empty); 256 Mi: 5 rows of 52 429 (was 65 535 x 5).
        assert_eq!(grid(64 << 20, shape, 65_535), (32_768, 2));
        assert_eq!(grid(256 << 20, shape, 65_535), (52_429, 5));
        // Other shapes cover at least every vec4, with the same balance.
        for (workgroup_size, vec4_per_invocation) in [(64, 1), (256, 2), (128, 4), (7, 3)] {
            let shape = DispatchShape {
                workgroup_size,
                vec4_per_invocation,
            };
            for len in [4u64, 1000, 1 << 20, 64 << 20] {
                let (x, y) = grid(len, shape, 65_535);
                let covered = u64::from(x)
                    * u64::from(y)
                    * u64::from(workgroup_size)
                    * u64::from(vec4_per_invocation)
                    * 4;
                assert!(covered >= len / 4 * 4, "{shape:?} {len}");
            }
        }
    }

    #[test]
    fn the_preferred_shape_follows_the_adapter_type_and_backend() {
        let info = wgpu::AdapterInfo::new;
        use wgpu::{Backend, DeviceType};
        let shape = |device_type, backend| {
            let shape = DispatchShape::preferred(&info(device_type, backend));
            (shape.workgroup_size, shape.vec4_per_invocation)
        };
        assert_eq!(shape(DeviceType::Cpu, Backend::Vulkan), (1024, 2));
        assert_eq!(shape(DeviceType::Cpu, Backend::Gl), (256, 4));
        for device_type in [
            DeviceType::DiscreteGpu,
            DeviceType::IntegratedGpu,
            DeviceType::VirtualGpu,
            DeviceType::Other,
        ] {
            for backend in [Backend::Vulkan, Backend::Gl, Backend::Metal, Backend::Dx12] {
                assert_eq!(shape(device_type, backend), (256, 1), "{device_type:?}");
            }
        }
        // A device that runs smaller workgroups gets the largest it runs.
        let small = wgpu::Limits {
            max_compute_invocations_per_workgroup: 256,
            ..wgpu::Limits::default()
        };
        let clamped =
            DispatchShape::preferred(&info(DeviceType::Cpu, Backend::Vulkan)).clamped(&small);
        assert_eq!(
            (clamped.workgroup_size, clamped.vec4_per_invocation),
            (256, 2)
        );
    }

    #[test]
    fn every_entry_point_of_the_table_is_reflected_with_its_roles() {
        let reflected = reflect().unwrap();
        // Every entry point of the table exists, and every one of the shader is in it.
        let mut named: Vec<&str> = TABLE
            .iter()
            .flat_map(|(_, _, e)| {
                let in_place = e.in_place.map(|(m, t)| [m, t]).into_iter().flatten();
                [e.main, e.tail].into_iter().chain(in_place)
            })
            .collect();
        let mut shader: Vec<&str> = reflected.keys().copied().collect();
        named.sort_unstable();
        shader.sort_unstable();
        assert_eq!(named, shader);
        let roles = |name: &str| -> Vec<Role> {
            let mut roles: Vec<Role> = reflected[name].iter().map(|&(r, _)| r).collect();
            roles.sort_by_key(|r| *r as u8);
            roles
        };
        use Role::*;
        assert_eq!(roles("sigmoid_main"), [Input, Output, Params]);
        assert_eq!(roles("sigmoid_halves_tail_in_place"), [Output, Params]);
        assert_eq!(roles("backward_halves_main"), [Input, Grad, Output]);
        // Each role of an entry point has one binding number.
        for (name, bindings) in &reflected {
            let mut seen: Vec<Role> = bindings.iter().map(|&(r, _)| r).collect();
            seen.sort_by_key(|r| *r as u8);
            seen.dedup();
            assert_eq!(seen.len(), bindings.len(), "{name}: {bindings:?}");
        }
    }
}
