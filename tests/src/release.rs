//! The artifacts a user installs (crates, CLI, Python wheel, npm package) carry one
//! version, the workspace's, and the changelog knows it.

use std::path::Path;

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn read(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The value of `"key": "value"` in a JSON text, at the top level of a flat file.
fn json_string(text: &str, key: &str) -> Option<String> {
    let after = text.split(&format!("\"{key}\":")).nth(1)?;
    Some(after.split('"').nth(1)?.to_string())
}

#[test]
fn every_artifact_carries_the_workspace_version() {
    // The npm package's version is its own file's; everything else inherits it.
    assert_eq!(
        json_string(&read("web/package.json"), "version").as_deref(),
        Some(VERSION),
        "web/package.json's version"
    );
    for manifest in ["cli/Cargo.toml", "python/Cargo.toml", "web/Cargo.toml"] {
        assert!(
            read(manifest).contains("\nversion.workspace = true\n"),
            "{manifest} takes its version from the workspace"
        );
    }
    // maturin gives the wheel the Python crate's version.
    assert!(read("python/pyproject.toml").contains("dynamic = [\"version\"]"));
    // The CLI names the library by version (to publish) as well as by path.
    let cli = read("cli/Cargo.toml");
    let dependency = cli
        .lines()
        .find(|line| line.starts_with("wgpu-sigmoid = "))
        .expect("the CLI depends on the library");
    assert!(
        dependency.contains(&format!("version = \"{VERSION}\"")),
        "{dependency}"
    );
}

#[test]
fn the_changelog_has_the_unreleased_work_and_no_later_version() {
    let changelog = read("CHANGELOG.md");
    assert!(changelog.contains("\n## [Unreleased]\n"));
    let parse = |v: &str| -> Vec<u64> { v.split('.').map(|p| p.parse().unwrap()).collect() };
    for heading in changelog.lines().filter_map(|l| l.strip_prefix("## [")) {
        let version = heading.split(']').next().unwrap();
        if version != "Unreleased" {
            assert!(
                parse(version) <= parse(VERSION),
                "CHANGELOG.md has {version}, after the workspace's {VERSION}"
            );
        }
    }
}
