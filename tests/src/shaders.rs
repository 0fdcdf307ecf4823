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

#[test]
fn every_shader_is_valid_wgsl() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "wgsl") {
            validate(&path);
            count += 1;
        }
    }
    assert!(
        count >= 2,
        "expected the sigmoid and copy shaders in {}",
        dir.display()
    );
}

#[test]
fn embedded_sources_are_the_shader_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    assert_eq!(
        std::fs::read_to_string(dir.join("sigmoid.wgsl")).unwrap(),
        wgpu_sigmoid::kernel::SIGMOID_WGSL
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("copy.wgsl")).unwrap(),
        wgpu_sigmoid::kernel::COPY_WGSL
    );
}

#[test]
fn shaders_have_the_entry_points_the_host_uses() {
    for (source, entry_points) in [
        (
            wgpu_sigmoid::kernel::SIGMOID_WGSL,
            &[
                "sigmoid_main",
                "sigmoid_main_in_place",
                "sigmoid_tail",
                "sigmoid_tail_in_place",
                "sigmoid_f16_main",
                "sigmoid_bf16_main",
                "sigmoid_f16_main_in_place",
                "sigmoid_bf16_main_in_place",
                "sigmoid_f16_tail",
                "sigmoid_bf16_tail",
                "sigmoid_f16_tail_in_place",
                "sigmoid_bf16_tail_in_place",
                "backward_main",
                "backward_tail",
                "backward_f16_main",
                "backward_bf16_main",
                "backward_f16_tail",
                "backward_bf16_tail",
            ][..],
        ),
        (
            wgpu_sigmoid::kernel::COPY_WGSL,
            &["copy_main", "copy_tail"][..],
        ),
    ] {
        let module = naga::front::wgsl::parse_str(source).unwrap();
        let names: Vec<&str> = module
            .entry_points
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(names, entry_points);
        let main = &module.entry_points[0];
        assert_eq!(
            main.workgroup_size,
            [wgpu_sigmoid::kernel::WORKGROUP_SIZE, 1, 1]
        );
    }
}
