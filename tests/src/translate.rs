//! Every shader translates, with naga's own writers (the version wgpu uses), to the
//! language of every backend: SPIR-V (Vulkan), MSL (Metal), HLSL (DX12) and GLSL ES 3.10
//! compute (GL). Where the external validators `spirv-val` and `glslangValidator` are
//! installed, the SPIR-V and GLSL are also checked by them; in CI they must be.

use std::path::Path;
use std::process::Command;

use naga::back::{glsl, hlsl, msl, spv};

use super::shaders::{composed, host_constants, processed};
use naga::valid::ModuleInfo;

/// Every shader with entry points as the host composes it (the library's kernels and the
/// tool's copy kernel; the files of functions alone have nothing to translate), parsed,
/// validated, and with its pipeline
/// constants set as the host sets them: the default dispatch shape, and for the 16-bit
/// kernels' `BF16` also `true` (as `NAME-bf16`).
fn shaders() -> Vec<(String, naga::Module, ModuleInfo)> {
    let mut shaders = Vec::new();
    for (name, source) in composed() {
        let module = naga::front::wgsl::parse_str(&source).unwrap();
        if module.entry_points.is_empty() {
            continue;
        }
        let has_bf16 = module
            .overrides
            .iter()
            .any(|(_, o)| o.name.as_deref() == Some("BF16"));
        let shape = wgpu_sigmoid::DispatchShape::default();
        let mut variants = vec![(name.to_string(), host_constants(shape, &[]))];
        if has_bf16 {
            variants.push((
                format!("{name}-bf16"),
                host_constants(shape, &[("BF16", 1.0)]),
            ));
        }
        for (variant, constants) in variants {
            let (module, info) = processed(&source, &constants);
            shaders.push((variant, module, info));
        }
    }
    shaders.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(shaders.len() >= 3);
    shaders
}

/// Whether a missing validator is a failure: in CI and under `scripts/test.sh`.
fn validators_required() -> bool {
    std::env::var_os("CI").is_some()
        || std::env::var_os("WGPU_SIGMOID_REQUIRE_VALIDATORS").is_some()
}

/// Runs an external validator if it is installed. Returns whether it ran; panics on a
/// validation failure, and when it is missing in CI.
fn run_validator(program: &str, args: &[&str], file: &Path) -> bool {
    match Command::new(program).args(args).arg(file).output() {
        Ok(out) => {
            assert!(
                out.status.success(),
                "{program} rejected {}:\n{}{}",
                file.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            true
        }
        Err(e) if validators_required() => panic!("{program} is required here: {e}"),
        Err(_) => {
            eprintln!(
                "!!! {program} not installed: {} translated but not externally validated",
                file.display()
            );
            false
        }
    }
}

#[test]
fn spirv_for_vulkan() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    for (name, module, info) in shaders() {
        let words = spv::write_vec(&module, &info, &spv::Options::default(), None)
            .unwrap_or_else(|e| panic!("{name}: SPIR-V: {e}"));
        assert_eq!(words[0], 0x0723_0203, "{name}: SPIR-V magic number");
        let file = dir.join(format!("{name}.spv"));
        std::fs::write(
            &file,
            words
                .iter()
                .flat_map(|w| w.to_le_bytes())
                .collect::<Vec<u8>>(),
        )
        .unwrap();
        run_validator("spirv-val", &["--target-env", "vulkan1.0"], &file);
    }
}

#[test]
fn glsl_es_310_compute_for_gl() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    for (name, module, info) in shaders() {
        for entry_point in &module.entry_points {
            let mut source = String::new();
            let options = glsl::Options {
                version: glsl::Version::new_gles(310),
                ..glsl::Options::default()
            };
            let pipeline = glsl::PipelineOptions {
                shader_stage: naga::ShaderStage::Compute,
                entry_point: entry_point.name.clone(),
                multiview: None,
            };
            glsl::Writer::new(
                &mut source,
                &module,
                &info,
                &options,
                &pipeline,
                naga::proc::BoundsCheckPolicies::default(),
            )
            .and_then(|mut writer| writer.write())
            .unwrap_or_else(|e| panic!("{name}/{}: GLSL: {e}", entry_point.name));
            assert!(source.starts_with("#version 310 es"), "{source}");
            let file = dir.join(format!("{name}.{}.comp", entry_point.name));
            std::fs::write(&file, &source).unwrap();
            run_validator("glslangValidator", &[], &file);
        }
    }
}

#[test]
fn msl_for_metal() {
    for (name, module, info) in shaders() {
        let options = msl::Options {
            lang_version: (2, 0),
            ..msl::Options::default()
        };
        let (source, translation) =
            msl::write_string(&module, &info, &options, &msl::PipelineOptions::default())
                .unwrap_or_else(|e| panic!("{name}: MSL: {e}"));
        for entry_point in &translation.entry_point_names {
            let entry_point = entry_point
                .as_ref()
                .unwrap_or_else(|e| panic!("{name}: MSL entry point: {e}"));
            assert!(source.contains(entry_point.as_str()));
        }
        assert!(
            source.contains("kernel void"),
            "{name}: no compute kernel in MSL"
        );
    }
}

#[test]
fn hlsl_for_dx12() {
    for (name, module, info) in shaders() {
        let mut source = String::new();
        let options = hlsl::Options {
            shader_model: hlsl::ShaderModel::V5_1,
            ..hlsl::Options::default()
        };
        let pipeline = hlsl::PipelineOptions::default();
        let reflection = hlsl::Writer::new(&mut source, &options, &pipeline)
            .write(&module, &info, None)
            .unwrap_or_else(|e| panic!("{name}: HLSL: {e}"));
        assert_eq!(
            reflection.entry_point_names.len(),
            module.entry_points.len()
        );
        assert!(
            source.contains("[numthreads(256, 1, 1)]"),
            "{name}: no 256-wide compute entry point"
        );
    }
}
