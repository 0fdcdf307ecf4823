//! The README's prose names API items that its doctests do not compile: each
//! `` `Type::name` `` of this crate's types must name something the crate has.

use std::path::Path;

/// The crate's public types and modules whose items the README names.
const CRATE_PATHS: &[&str] = &[
    "wgpu_sigmoid",
    "Sigmoid",
    "SigmoidBuilder",
    "Options",
    "GpuTensor",
    "Error",
    "MapError",
    "DeviceLost",
    "DispatchShape",
    "TransferPath",
    "Element",
    "Recorder",
    "Recording",
    "wgsl",
    "cpu",
    "adapter",
];

/// The crate's source, every file under `src/`.
fn crate_source() -> String {
    fn read(dir: &Path, out: &mut String) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                read(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut source = String::new();
    read(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut source,
    );
    source
}

/// `` `A::b` ``, `` `A::b()` ``, `` `A::b(x, y)` `` or `` `A::b::<T>` `` in `text`, for a
/// crate path `A`: (the whole code span, the name `b`).
fn crate_names(text: &str) -> Vec<(String, String)> {
    let mut names = Vec::new();
    for span in text.split('`').skip(1).step_by(2) {
        let Some((path, rest)) = span.split_once("::") else {
            continue;
        };
        if !CRATE_PATHS.contains(&path) {
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            names.push((span.to_string(), name));
        }
    }
    names
}

/// Whether `source` defines `name`: a function, a field, a variant, a type or a constant.
fn defines(source: &str, name: &str) -> bool {
    source.lines().any(|line| {
        let line = line.trim_start();
        let after = |prefix: &str| {
            line.strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix(name))
                .is_some_and(|rest| {
                    !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                })
        };
        [
            "pub fn ",
            "pub async fn ",
            "pub ",
            "pub struct ",
            "pub enum ",
            "pub const ",
            "pub mod ",
            "pub type ",
            "pub trait ",
            "",
        ]
        .iter()
        .any(|prefix| after(prefix) && (!prefix.is_empty() || is_variant(line, name)))
    })
}

/// A line that declares the enum variant `name` (`Name,`, `Name(…)`, `Name {`).
fn is_variant(line: &str, name: &str) -> bool {
    line.strip_prefix(name)
        .is_some_and(|rest| rest.starts_with([',', '(', ' ']) || rest.is_empty())
        && name.starts_with(|c: char| c.is_ascii_uppercase())
}

#[test]
fn every_api_name_in_the_readme_exists() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let source = crate_source();
    let names = crate_names(&readme);
    assert!(names.len() >= 20, "too few names found: {names:?}");
    let missing: Vec<&String> = names
        .iter()
        .filter(|(_, name)| !defines(&source, name))
        .map(|(span, _)| span)
        .collect();
    assert!(
        missing.is_empty(),
        "the README names what the crate lacks: {missing:?}"
    );
}

#[test]
fn the_name_check_finds_a_name_the_crate_lacks() {
    let source = crate_source();
    let names =
        crate_names("see `Sigmoid::transfer_path()` and `Options::transfer`, `Error::DeviceLost`");
    let verdicts: Vec<(&str, bool)> = names
        .iter()
        .map(|(_, name)| (name.as_str(), defines(&source, name)))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("transfer_path", false),
            ("transfer", true),
            ("DeviceLost", true)
        ]
    );
}
