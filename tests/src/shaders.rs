//! Every shader parses and validates with naga (no GPU needed): the files that stand
//! alone by themselves, the others as the host composes them (concatenation).

use std::path::Path;

use wgpu_sigmoid::{DispatchShape, SIGMOID_WGSL, wgsl};

/// Every shader the workspace compiles, by name, as its host composes it: the two
/// library files that stand alone, the library's kernels (`SIGMOID_WGSL`) and
/// the tool's copy kernel (`wgsl::DISPATCH` followed by `cli/shaders/copy.wgsl`).
pub(crate) fn composed() -> Vec<(&'static str, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copy = std::fs::read_to_string(root.join("cli/shaders/copy.wgsl")).unwrap();
    vec![
        ("sigmoid_functions", wgsl::FUNCTIONS.to_string()),
        ("dispatch", wgsl::DISPATCH.to_string()),
        ("sigmoid", SIGMOID_WGSL.to_string()),
        ("copy", format!("{}\n{copy}", wgsl::DISPATCH)),
    ]
}

#[test]
fn every_shader_is_valid_wgsl_alone_or_as_composed() {
    for (name, source) in composed() {
        let module = naga::front::wgsl::parse_str(&source)
            .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(&source)));
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::empty(),
        )
        .validate(&module)
        .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(&source)));
    }
    // Every shader file is one of them: the two that stand alone, the two that follow.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<String> = ["shaders", "cli/shaders"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root.join(dir)).unwrap())
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".wgsl"))
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "copy.wgsl",
            "dispatch.wgsl",
            "sigmoid_functions.wgsl",
            "sigmoid_kernels.wgsl"
        ]
    );
}

#[test]
fn the_hosts_dispatch_shape_is_the_shaders_workgroup_size() {
    // The shader has no default shape: the workgroup size of every main pass is what the
    // host's pipeline constants say, the number its grid arithmetic uses too.
    for shape in [
        DispatchShape::default(),
        DispatchShape::preferred(&wgpu::AdapterInfo::new(
            wgpu::DeviceType::Cpu,
            wgpu::Backend::Vulkan,
        )),
    ] {
        let (module, _) = processed(SIGMOID_WGSL, &host_constants(shape, &[]));
        let mut mains = 0;
        for entry_point in &module.entry_points {
            let expected = if entry_point.name.contains("main") {
                mains += 1;
                [shape.workgroup_size, 1, 1]
            } else {
                [1, 1, 1]
            };
            assert_eq!(entry_point.workgroup_size, expected, "{}", entry_point.name);
        }
        assert_eq!(mains, 6);
    }
}

/// The pipeline constants the host sets: the dispatch shape, and `extra`.
pub(crate) fn host_constants(
    shape: DispatchShape,
    extra: &[(&str, f64)],
) -> naga::back::PipelineConstants {
    shape
        .constants()
        .iter()
        .chain(extra)
        .map(|&(name, value)| (name.to_string(), value))
        .collect()
}

/// `source` parsed, validated, and with the pipeline-overridable constants it declares
/// set from `constants` (the defaults for the rest), as a pipeline compiles it.
pub(crate) fn processed(
    source: &str,
    constants: &naga::back::PipelineConstants,
) -> (naga::Module, naga::valid::ModuleInfo) {
    let module = naga::front::wgsl::parse_str(source).unwrap();
    let info = naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::empty(),
    )
    .validate(&module)
    .unwrap();
    let declared: naga::back::PipelineConstants = constants
        .iter()
        .filter(|(name, _)| {
            module
                .overrides
                .iter()
                .any(|(_, o)| o.name.as_deref() == Some(name.as_str()))
        })
        .map(|(name, value)| (name.clone(), *value))
        .collect();
    let (module, info) =
        naga::back::pipeline_constants::process_overrides(&module, &info, None, &declared).unwrap();
    (module.into_owned(), info.into_owned())
}
