//! Every shader in `shaders/` parses and validates with naga (no GPU needed).

use std::path::Path;

fn validate(path: &Path) -> naga::valid::ModuleInfo {
    let source = std::fs::read_to_string(path).unwrap();
    let module = naga::front::wgsl::parse_str(&source)
        .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.emit_to_string(&source)));
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::empty(),
    )
    .validate(&module)
    .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.emit_to_string(&source)))
}

/// The shader folders of the workspace: the library's kernels and the tool's copy kernel.
fn shader_dirs() -> [std::path::PathBuf; 2] {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    [root.join("shaders"), root.join("cli/shaders")]
}

#[test]
fn every_shader_is_valid_wgsl() {
    let mut count = 0;
    for dir in shader_dirs() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "wgsl") {
                validate(&path);
                count += 1;
            }
        }
    }
    assert!(count >= 2, "expected the sigmoid and copy shaders");
}

#[test]
fn the_embedded_source_is_the_shader_file_and_its_workgroup_size_the_hosts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    assert_eq!(
        std::fs::read_to_string(dir.join("sigmoid.wgsl")).unwrap(),
        wgpu_sigmoid::kernel::SIGMOID_WGSL
    );
    // Entry points and bindings are read from the shader by the host (naga reflection,
    // tested in the library's unit tests and by every GPU test); the workgroup size of
    // the main passes is the one number the host's grid arithmetic shares with it.
    // The overrides at their defaults, as a pipeline built without constants sees them.
    let (module, _) = processed(
        wgpu_sigmoid::kernel::SIGMOID_WGSL,
        &naga::back::PipelineConstants::default(),
    );
    assert_eq!(
        wgpu_sigmoid::DispatchShape::default().workgroup_size,
        wgpu_sigmoid::kernel::WORKGROUP_SIZE
    );
    for entry_point in module
        .entry_points
        .iter()
        .filter(|e| e.name.contains("main"))
    {
        assert_eq!(
            entry_point.workgroup_size,
            [wgpu_sigmoid::kernel::WORKGROUP_SIZE, 1, 1],
            "{}",
            entry_point.name
        );
    }
}

/// `source` parsed, validated, and with its pipeline-overridable constants set from
/// `constants` (the defaults for the rest), as a pipeline compiles it.
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
    let (module, info) =
        naga::back::pipeline_constants::process_overrides(&module, &info, None, constants).unwrap();
    (module.into_owned(), info.into_owned())
}
