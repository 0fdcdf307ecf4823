//! Measurement harness behind BENCHMARKS.md, "Where the kernel's time goes on
//! lavapipe": times variants of the shipped sigmoid kernel against the copy-only kernel,
//! interleaved in one run, and checks each variant's accuracy.
//!
//! Each variant is the shipped shader (`SIGMOID_WGSL`) with a few lines replaced: either cut short
//! (it returns an intermediate value, to price a prefix of the algorithm), or with one
//! piece removed or rewritten; a few start from the shader with a scalar copy of the
//! algorithm derived from its own text (`per_component`). Every variant is made from
//! the shipped shader's text: there is no hand copy of `sigmoid_vec4f` here (the earlier
//! kernel's row, a hand copy, was dropped; its figures stay in BENCHMARKS.md). The replacements are made on the text here,
//! for this experiment only; a pattern that no longer occurs in the shader panics, so
//! the harness cannot silently measure the wrong thing after the shader changes.
//!
//! Every kernel, the copy included, runs at one dispatch shape: the library's
//! `DispatchShape::preferred` for the adapter, or `WORKGROUP_SIZE` and
//! `VEC4_PER_INVOCATION` from the environment (an `EXTRA` file that declares neither
//! override runs at its own).
//!
//! Timing is GPU timestamps written in the encoder around the pass where the adapter
//! can (`TIMESTAMP_QUERY_INSIDE_ENCODERS`, as in `wgpu-sigmoid bench`; else the host
//! clock around submit + wait) of one dispatch over `N` elements
//! (default 8 Mi, within one binding on every adapter; a larger `N` is capped at the
//! device's binding limit), the median of `ITERATIONS`
//! (default 41) rounds in which every kernel runs once, in turn. The inputs are `N`
//! values spread evenly over all 2³² bit patterns, or with `INPUTS=bench` the data of
//! `wgpu-sigmoid bench` (-100 to 100 in steps of 0.05): the kernel's speed on a CPU
//! adapter depends on the data where subnormals meet float arithmetic. Accuracy is
//! checked on the same inputs. `ONLY=text` runs just the variants whose names contain
//! `text` (`ONLY='a|b'`: `a` or `b`). `EXTRA=a.wgsl,b.wgsl` adds whole shader files
//! (entry point `sigmoid_main`, the same bindings) as more rows, to try a rewrite
//! without editing this file.
//!
//! ```text
//! WGPU_BACKEND=vulkan cargo run --release --example kernel_ablation
//! ```
use std::time::Instant;
use wgpu_sigmoid::SIGMOID_WGSL;
use wgpu_sigmoid::cpu;
use wgpu_sigmoid_cli::bench::Timestamps;
use wgpu_sigmoid_cli::copy::copy_wgsl;

/// A variant: its name and the (pattern, replacement) edits that make it.
type Variant = (&'static str, &'static [(&'static str, &'static str)]);

const NO_EDIT: &[(&str, &str)] = &[];

const VARIANTS: &[Variant] = &[
    ("shipped kernel", NO_EDIT),
    // Prefixes: the kernel cut short after each stage.
    (
        "prefix: range reduction (returns r)",
        &[(
            "    let r = fma(-k, vec4<f32>(SIGMOID_LN2_LO), r_hi);\n",
            "    let r = fma(-k, vec4<f32>(SIGMOID_LN2_LO), r_hi);\n    return r;\n",
        )],
    ),
    (
        "prefix: + polynomial (returns u)",
        &[(
            "    let u = 1.0 + sigmoid_opaque(fma(r * r, p, r), zero);\n",
            "    let u = 1.0 + sigmoid_opaque(fma(r * r, p, r), zero);\n    return u;\n",
        )],
    ),
    (
        "prefix: + scaling by 2^k (returns e)",
        &[(
            "    let d = 1.0 + e;\n",
            "    return e;\n    let d = 1.0 + e;\n",
        )],
    ),
    (
        "prefix: + quotient estimate (returns q0)",
        &[(
            "    let remainder = ",
            "    return q0;\n    let remainder = ",
        )],
    ),
    (
        "prefix: + corrected quotient (returns q)",
        &[(
            "    let result = select(sigmoid_scale_by_pow2",
            "    return q;\n    let result = select(sigmoid_scale_by_pow2",
        )],
    ),
    // One piece removed or rewritten.
    (
        "without subnormal scaling",
        &[(
            "select(sigmoid_scale_by_pow2(q, pow2_k, k_int), q, positive)",
            "select(q * pow2_k, q, positive)",
        )],
    ),
    // Subnormal results left to the hardware: q * 2^(k+64) is exact, and the multiply by
    // 2^-64 rounds once into the subnormal range. Right only where subnormals are not
    // flushed (CPU adapters), and there every such product takes a microcode assist.
    (
        "subnormal results from the hardware (q * 2^(k+64) * 2^-64)",
        &[(
            "select(sigmoid_scale_by_pow2(q, pow2_k, k_int), q, positive)",
            "select(q * bitcast<vec4<f32>>(vec4<u32>(k_int + vec4<i32>(191)) << vec4<u32>(23u)) * 5.421010862427522e-20, q, positive)",
        )],
    ),
    (
        "without NaN select",
        &[(
            "    return select(result, bitcast<vec4<f32>>(bits | vec4<u32>(SIGMOID_QUIET_NAN_BIT)), is_nan);",
            "    return result;",
        )],
    ),
    (
        "without sigmoid_opaque() (compiler may fold the exact sums)",
        &[
            (
                "    return bitcast<vec4<f32>>(bitcast<vec4<u32>>(v) ^ vec4<u32>(zero));",
                "    return bitcast<vec4<f32>>(bitcast<vec4<u32>>(v) ^ vec4<u32>(zero * 0u));",
            ),
            ("zero != 0u);", "false);"),
        ],
    ),
    // The shipped kernel hides n - q0 with a select; the kernel before hid it with the
    // XOR of the other sigmoid_opaque() calls, which LLVM scheduled far worse on lavapipe.
    (
        "n - q0 hidden by the XOR like the others (the previous kernel's form)",
        &[("sigmoid_opaque_select(n - q0, zero)", "sigmoid_opaque(n - q0, zero)")],
    ),
    (
        "without the sigmoid_opaque() on exp's sum (1 + r + r^2 P(r))",
        &[(
            "    let u = 1.0 + sigmoid_opaque(fma(r * r, p, r), zero);",
            "    let u = 1.0 + fma(r * r, p, r);",
        )],
    ),
    (
        "without the quotient's correction step",
        &[("let q = q0 + remainder / d;", "let q = n / d;")],
    ),
    (
        "one reciprocal instead of two divisions",
        &[
            (
                "let q0 = sigmoid_opaque(n / d, zero);",
                "let inv = 1.0 / d;\n    let q0 = sigmoid_opaque(n * inv, zero);",
            ),
            (
                "let q = q0 + remainder / d;",
                "let q = q0 + remainder * inv;",
            ),
        ],
    ),
    (
        "Estrin instead of Horner polynomial",
        &[(
            "    var p = fma(vec4<f32>(SIGMOID_P0), r, vec4<f32>(SIGMOID_P1));
    p = fma(p, r, vec4<f32>(SIGMOID_P2));
    p = fma(p, r, vec4<f32>(SIGMOID_P3));
    p = fma(p, r, vec4<f32>(SIGMOID_P4));",
            "    let p = fma(fma(vec4<f32>(SIGMOID_P0), r, vec4<f32>(SIGMOID_P1)), r * r, fma(vec4<f32>(SIGMOID_P2), r, vec4<f32>(SIGMOID_P3))) * r + vec4<f32>(SIGMOID_P4);",
        )],
    ),
    // Five rewrites that each save an operation or shorten the dependency chain, together:
    // k and 2^k from a magic-number add (no rounding instruction, and k as an integer
    // from the same bits), 1 + e as one fma of the polynomial's sum (u need not be rounded
    // first), one reciprocal that serves the estimate and the correction (an fma instead
    // of a division and an add), the sign from a signed compare, and no cap on the
    // subnormal scale (lanes it would overflow are the normal ones, selected away).
    (
        "leaner arithmetic: five savings together",
        &[
            (
                "    let k = round(a * SIGMOID_LOG2_E);\n",
                "    let k_biased = sigmoid_opaque(fma(a, vec4<f32>(SIGMOID_LOG2_E), vec4<f32>(SIGMOID_TWO_POW_23_TIMES_1_5)), zero);\n    let k = k_biased - SIGMOID_TWO_POW_23_TIMES_1_5;\n",
            ),
            (
                "    let k_int = bitcast<vec4<i32>>(k + SIGMOID_TWO_POW_23_TIMES_1_5) - vec4<i32>(SIGMOID_TWO_POW_23_TIMES_1_5_BITS);\n",
                "    let k_int = bitcast<vec4<i32>>(k_biased) - vec4<i32>(SIGMOID_TWO_POW_23_TIMES_1_5_BITS);\n",
            ),
            (
                "    let u = 1.0 + sigmoid_opaque(fma(r * r, p, r), zero);\n",
                "    let s = sigmoid_opaque(fma(r * r, p, r), zero);\n    let u = 1.0 + s;\n",
            ),
            (
                "    let d = 1.0 + e;\n",
                "    let d = fma(s, pow2_k, 1.0 + pow2_k);\n",
            ),
            (
                "let q0 = sigmoid_opaque(n / d, zero);",
                "let inv = 1.0 / d;\n    let q0 = sigmoid_opaque(n * inv, zero);",
            ),
            (
                "let q = q0 + remainder / d;",
                "let q = fma(remainder, inv, q0);",
            ),
            (
                "let positive = (bits >> vec4<u32>(31u)) == vec4<u32>(0u);",
                "let positive = bitcast<vec4<i32>>(bits) >= vec4<i32>(0);",
            ),
            (
                "min(k + vec4<i32>(276), vec4<i32>(150))",
                "(k + vec4<i32>(276))",
            ),
        ],
    ),
    // The shipped kernel reads k as an integer from bits; this row is WGSL's conversion.
    (
        "k_int by WGSL's conversion vec4<i32>(k) (saturating)",
        &[(
            "    let k_int = bitcast<vec4<i32>>(k + SIGMOID_TWO_POW_23_TIMES_1_5) - vec4<i32>(SIGMOID_TWO_POW_23_TIMES_1_5_BITS);\n",
            "    let k_int = vec4<i32>(k);\n",
        )],
    ),
    // The copy half of "scalar loads, each before its component's arithmetic" (in
    // PER_COMPONENT_VARIANTS): each component of the vec4 loaded on its own.
    (
        "prefix: the copy with scalar loads per component",
        &[
            (
                "x[k] = input_vec4[index];",
                "let base = index * 4u;
            x[k] = vec4<f32>(input_scalar[base], input_scalar[base + 1u], input_scalar[base + 2u], input_scalar[base + 3u]);",
            ),
            (
                "output_vec4[index] = sigmoid_vec4f(x[k], zero);",
                "output_vec4[index] = x[k];",
            ),
        ],
    ),
    (
        "the kernel twice (sigmoid of 4 sigmoid(x) - 2)",
        &[(
            "output_vec4[index] = sigmoid_vec4f(x[k], zero);",
            "output_vec4[index] = sigmoid_vec4f(sigmoid_vec4f(x[k], zero) * 4.0 - 2.0, zero);",
        )],
    ),
    (
        "without the clamp of abs(x) to 2^-25 (subnormal intermediates)",
        &[(
            "clamp(magnitude_bits, vec4<u32>(SIGMOID_TINY_BITS), vec4<u32>(SIGMOID_CLAMP_BITS))",
            "min(magnitude_bits, vec4<u32>(SIGMOID_CLAMP_BITS))",
        )],
    ),
    (
        // Issue #19: skip `sigmoid_scale_by_pow2` unless a lane's result is subnormal (same
        // bits). Measured slower on lavapipe and llvmpipe (BENCHMARKS.md "Issue #19");
        // kept here to be priced on a GPU, where divergence is per warp.
        "subnormal result only when a lane needs one (branch)",
        &[(
            "    let result = select(sigmoid_scale_by_pow2(q, pow2_k, k_int), q, positive);\n",
            "    var scaled = q * pow2_k;\n    if any((scaled < vec4<f32>(SIGMOID_MIN_NORMAL)) & !positive) {\n        scaled = sigmoid_scale_by_pow2(q, pow2_k, k_int);\n    }\n    let result = select(scaled, q, positive);\n",
        )],
    ),
    (
        "naive 1 / (1 + exp(-x)) with the builtin exp",
        &[(
            "fn sigmoid_vec4f(x: vec4<f32>, zero: u32) -> vec4<f32> {\n",
            "fn sigmoid_vec4f(x: vec4<f32>, zero: u32) -> vec4<f32> {\n    return 1.0 / (1.0 + exp(-x));\n",
        )],
    ),
];

/// Variants whose edits apply to `per_component()` instead of the shader.
const PER_COMPONENT_VARIANTS: &[Variant] = &[
    // Each component's input made to depend (through `opaque_zero`) on the previous
    // component's result: the four dependency chains run one after another instead of
    // side by side, which prices the chain's latency.
    (
        "components one after another (each waits for the previous result)",
        &[(
            "output_vec4[index] = sigmoid_vec4f(x[k], zero);",
            "output_vec4[index] = sigmoid_components_in_sequence(x[k], zero);",
        )],
    ),
    // Each component through a scalar copy of the algorithm, in sequence (register
    // pressure: the vec4 code keeps four of every intermediate live).
    (
        "one component at a time",
        &[(
            "output_vec4[index] = sigmoid_vec4f(x[k], zero);",
            "output_vec4[index] = sigmoid_components(x[k], zero);",
        )],
    ),
    // The JIT code loads a vec4 as four per-lane loops; this variant loads each
    // component on its own, so that its arithmetic could overlap the next load (the
    // copy with the same loads is in VARIANTS).
    (
        "scalar loads, each before its component's arithmetic",
        &[
            ("x[k] = input_vec4[index];", "x[k] = vec4<f32>(0.0);"),
            (
                "output_vec4[index] = sigmoid_vec4f(x[k], zero);",
                "let base = index * 4u;
            let y0 = sigmoid1(input_scalar[base], zero);
            let y1 = sigmoid1(input_scalar[base + 1u], zero);
            let y2 = sigmoid1(input_scalar[base + 2u], zero);
            let y3 = sigmoid1(input_scalar[base + 3u], zero);
            output_vec4[index] = vec4<f32>(y0, y1, y2, y3);",
            ),
        ],
    ),
];

/// `sigmoid_components` with each component's input tied to the previous component's
/// result by a dependency the compiler cannot remove (`opaque_zero` is 0 at run time).
const IN_SEQUENCE: &str = r"
fn after(x: f32, previous: f32) -> f32 {
    return bitcast<f32>(bitcast<u32>(x) ^ (bitcast<u32>(previous) & params.opaque_zero));
}

fn sigmoid_components_in_sequence(x: vec4<f32>, zero: u32) -> vec4<f32> {
    let y0 = sigmoid1(x.x, zero);
    let y1 = sigmoid1(after(x.y, y0), zero);
    let y2 = sigmoid1(after(x.z, y1), zero);
    let y3 = sigmoid1(after(x.w, y2), zero);
    return vec4<f32>(y0, y1, y2, y3);
}
";

/// The shader with `sigmoid_vec4f` evaluated one component at a time: the scalar functions
/// are the vec4 ones with every vec4 type made scalar.
fn per_component() -> String {
    let start = SIGMOID_WGSL
        .find("fn sigmoid_opaque(")
        .expect("sigmoid_opaque");
    let end = SIGMOID_WGSL
        .find("// Scalar form of `sigmoid_vec4f`")
        .expect("sigmoid_f32");
    let scalar = SIGMOID_WGSL[start..end]
        .replace("vec4<f32>", "f32")
        .replace("vec4<u32>", "u32")
        .replace("vec4<i32>", "i32")
        .replace("sigmoid_opaque(", "opaque1(")
        .replace("sigmoid_opaque_select(", "opaque_select1(")
        .replace("sigmoid_scale_by_pow2(", "scale_by_pow2_1(")
        .replace("sigmoid_vec4f(", "sigmoid1(");
    format!(
        "{SIGMOID_WGSL}\n{scalar}\nfn sigmoid_components(x: vec4<f32>, zero: u32) -> vec4<f32> {{\n    return vec4<f32>(sigmoid1(x.x, zero), sigmoid1(x.y, zero), sigmoid1(x.z, zero), sigmoid1(x.w, zero));\n}}\n{IN_SEQUENCE}"
    )
}

/// `base` with `edits` made.
fn apply(base: &str, edits: &[(&str, &str)]) -> String {
    let mut source = base.to_string();
    for (pattern, replacement) in edits {
        assert!(
            source.contains(pattern),
            "pattern no longer in the shader (SIGMOID_WGSL): {pattern}"
        );
        source = source.replacen(pattern, replacement, 1);
    }
    source
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).map_or(default, |v| v.parse().expect("a number"))
}

struct Kernel {
    name: String,
    pipeline: wgpu::ComputePipeline,
    times_ms: Vec<f64>,
}

fn main() {
    let asked = env_or("N", 8 << 20);
    let iterations = usize::try_from(env_or("ITERATIONS", 41)).expect("fits");
    let instance =
        wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let adapter = pollster::block_on(instance.request_adapter(&Default::default())).unwrap();
    let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
        label: Some("kernel ablation"),
        required_features: adapter.features() & wgpu_sigmoid::adapter::TIMER_FEATURES,
        required_limits: adapter.limits(),
        ..Default::default()
    }))
    .unwrap();
    // One binding holds the whole input: N is capped at the device's binding limit
    // (lavapipe's 128 MiB holds 32 Mi elements), in whole vec4s.
    let binding_elements = device.limits().max_storage_buffer_binding_size / 16 * 4;
    let n = asked.min(binding_elements);
    if n < asked {
        println!("N = {asked} exceeds one binding of this device: {n} elements instead");
    }
    let preferred = wgpu_sigmoid::DispatchShape::preferred(&adapter.get_info());
    let shape = wgpu_sigmoid::DispatchShape::new(
        u32::try_from(env_or("WORKGROUP_SIZE", preferred.workgroup_size.into())).expect("fits"),
        u32::try_from(env_or(
            "VEC4_PER_INVOCATION",
            preferred.vec4_per_invocation.into(),
        ))
        .expect("fits"),
    )
    .clamped(&device.limits());
    println!(
        "{} ({:?}), {n} elements, median of {iterations} interleaved rounds, workgroups of {}, {} vec4 per invocation",
        adapter.get_info().name,
        adapter.get_info().backend,
        shape.workgroup_size,
        shape.vec4_per_invocation
    );
    let bench_inputs = std::env::var("INPUTS").is_ok_and(|v| v == "bench");
    println!(
        "{}",
        if bench_inputs {
            "inputs -100 to 100 in steps of 0.05"
        } else {
            "inputs spread over all bit patterns"
        }
    );

    let bytes = n * 4;
    let buffer = |label, usage| {
        device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes,
            usage,
            mapped_at_creation: false,
        })
    };
    use wgpu::BufferUsages as U;
    let input = buffer("input", U::STORAGE | U::COPY_DST);
    let output = buffer("output", U::STORAGE | U::COPY_SRC);
    let readback = buffer("readback", U::MAP_READ | U::COPY_DST);
    let xs: Vec<f32> = if bench_inputs {
        (0..n).map(|i| (i % 4001) as f32 * 0.05 - 100.0).collect()
    } else {
        let stride = (1u64 << 32) / n;
        (0..n)
            .map(|i| f32::from_bits((i * stride) as u32))
            .collect()
    };
    queue.write_buffer(&input, 0, bytemuck::cast_slice(&xs));
    // Params { opaque_zero: 0, .. }: a zeroed uniform.
    let params = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("params"),
        size: 16,
        usage: U::UNIFORM,
        mapped_at_creation: false,
    });

    let mut sources = vec![("copy-only kernel".to_string(), copy_wgsl(), "copy_main")];
    let only = std::env::var("ONLY").unwrap_or_default();
    let per_component = per_component();
    let shader = SIGMOID_WGSL.to_string();
    let bases = [
        (shader.as_str(), VARIANTS),
        (per_component.as_str(), PER_COMPONENT_VARIANTS),
    ];
    for (base, variants) in bases {
        for (name, edits) in variants
            .iter()
            .filter(|(name, _)| only.split('|').any(|text| name.contains(text)))
        {
            sources.push((name.to_string(), apply(base, edits), "sigmoid_main"));
        }
    }
    // EXTRA=file.wgsl: one more kernel, a whole shader file (entry point sigmoid_main).
    if let Ok(paths) = std::env::var("EXTRA") {
        for path in paths.split(',') {
            let source = std::fs::read_to_string(path).expect("EXTRA shader file");
            sources.push((format!("extra: {path}"), source, "sigmoid_main"));
        }
    }
    // One explicit layout for every kernel, so that a variant may read the input through
    // the scalar view (binding 2) or not, and the copy kernel need not read the uniform.
    let storage = |binding, read_only| wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    };
    let bind_group_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some("ablation bindings"),
        entries: &[
            storage(0, true),
            storage(1, false),
            storage(2, true),
            wgpu::BindGroupLayoutEntry {
                binding: 4,
                visibility: wgpu::ShaderStages::COMPUTE,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            },
        ],
    });
    let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some("ablation"),
        bind_group_layouts: &[Some(&bind_group_layout)],
        immediate_size: 0,
    });
    let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("ablation"),
        layout: &bind_group_layout,
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: input.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: output.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 2,
                resource: input.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 4,
                resource: params.as_entire_binding(),
            },
        ],
    });
    let constants = shape.constants();
    let mut kernels: Vec<Kernel> = sources
        .into_iter()
        .map(|(name, source, entry_point)| {
            let declares_shape = source.contains("override VEC4_PER_INVOCATION");
            let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(&name),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            });
            let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(&name),
                layout: Some(&layout),
                module: &module,
                entry_point: Some(entry_point),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants: if declares_shape { &constants } else { &[] },
                    ..Default::default()
                },
                cache: None,
            });
            Kernel {
                name,
                pipeline,
                times_ms: Vec::new(),
            }
        })
        .collect();

    let (x_groups, y_groups) = wgpu_sigmoid::test_support::grid(
        n,
        shape,
        device.limits().max_compute_workgroups_per_dimension,
    );
    // Two timestamps around the pass, as `wgpu-sigmoid bench` takes them, read back and
    // waited for by the library (an instance on this device).
    let sigmoid = wgpu_sigmoid::Sigmoid::builder()
        .build_with_device(device.clone(), queue.clone())
        .unwrap();
    let timestamps = Timestamps::new(&device);
    println!(
        "timing: {}",
        if timestamps.is_some() {
            "GPU timestamps written in the encoder around the pass"
        } else {
            "host clock around submit + wait"
        }
    );
    let run = |kernel: &Kernel| {
        let mut encoder = device.create_command_encoder(&Default::default());
        if let Some(t) = &timestamps {
            t.start(&mut encoder);
        }
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some(&kernel.name),
                timestamp_writes: None,
            });
            pass.set_pipeline(&kernel.pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            pass.dispatch_workgroups(x_groups, y_groups, 1);
        }
        if let Some(t) = &timestamps {
            t.end(&mut encoder);
        }
        let start = Instant::now();
        let submission = queue.submit([encoder.finish()]);
        wgpu_sigmoid::test_support::wait(&sigmoid, submission).unwrap();
        let host = start.elapsed();
        timestamps
            .as_ref()
            .map_or(host, |t| t.read(&sigmoid).unwrap())
            .as_secs_f64()
            * 1e3
    };
    // One warm-up round (first dispatches compile and fault in pages).
    for kernel in &kernels {
        run(kernel);
    }
    for _ in 0..iterations {
        for kernel in &mut kernels {
            let time = run(kernel);
            kernel.times_ms.push(time);
        }
    }

    let median = |times: &mut Vec<f64>| {
        times.sort_by(f64::total_cmp);
        times[times.len() / 2]
    };
    let copy_ms = median(&mut kernels[0].times_ms);
    println!("| kernel | median | vs copy | max ULP | exactly rounded |");
    println!("|---|---:|---:|---:|---:|");
    println!("| copy-only kernel | {copy_ms:.2} ms | 1.000× | | |");
    for kernel in kernels.iter_mut().skip(1) {
        let time = median(&mut kernel.times_ms);
        run(kernel);
        let mut encoder = device.create_command_encoder(&Default::default());
        encoder.copy_buffer_to_buffer(&output, 0, &readback, 0, bytes);
        queue.submit([encoder.finish()]);
        readback.map_async(wgpu::MapMode::Read, .., |_| {});
        device.poll(wgpu::PollType::wait_indefinitely()).unwrap();
        let checked = {
            let view = readback.get_mapped_range(..).unwrap();
            let ys: &[f32] = bytemuck::cast_slice(&view);
            accuracy(&xs, ys)
        };
        readback.unmap();
        let (max_ulp, exact) = if !computes_sigmoid(&kernel.name) {
            ("not a sigmoid".to_string(), "–".to_string())
        } else {
            checked.map_or(
                ("NaN in, number out".to_string(), "–".to_string()),
                |(max, exact)| {
                    let share = exact as f64 * 100.0 / n as f64;
                    (max.to_string(), format!("{share:.3} %"))
                },
            )
        };
        println!(
            "| {} | {time:.2} ms | {:.3}× | {max_ulp} | {exact} |",
            kernel.name,
            time / copy_ms
        );
    }
}

/// Whether a variant's output is meant to be sigmoid (the prefixes return intermediate
/// values, and the doubled kernel another function).
fn computes_sigmoid(name: &str) -> bool {
    !name.starts_with("prefix") && !name.starts_with("the kernel twice")
}

/// Maximum ULP distance to the correctly rounded reference and the count of exactly
/// rounded results; `None` if a NaN input did not give NaN or a number gave NaN (the
/// prefixes return intermediate values, not sigmoid).
fn accuracy(xs: &[f32], ys: &[f32]) -> Option<(u32, u64)> {
    let mut max = 0u32;
    let mut exact = 0u64;
    for (&x, &y) in xs.iter().zip(ys) {
        let distance = if x.is_nan() {
            y.is_nan().then_some(0)
        } else {
            cpu::ulp_distance(y, cpu::sigmoid(x))
        };
        let distance = distance?;
        exact += u64::from(distance == 0);
        max = max.max(distance);
    }
    Some((max, exact))
}
