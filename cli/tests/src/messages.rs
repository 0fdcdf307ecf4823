//! Messages a person reads: what a `.npz`, a structured dtype or an impossible shape
//! is told, `bench --help`, and `info`'s columns.

use super::cli::{assert_fails_with, numpy_header, run, stderr};
use super::common::gpu;

/// `apply` on a file of `bytes`: fails with one line containing every `expected`.
fn assert_apply_refuses(bytes: &[u8], expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input");
    std::fs::write(&input, bytes).unwrap();
    let output = dir.path().join("out.npy");
    let result = run(&["apply", input.to_str().unwrap(), output.to_str().unwrap()]);
    assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
    for part in expected {
        assert_fails_with(&result, part);
    }
    assert!(!output.exists());
}

#[test]
fn a_npz_archive_is_named_and_how_to_extract_one_array_is_said() {
    // What `numpy.savez` writes starts with a zip local file header.
    let mut npz = b"PK\x03\x04\x14\x00\x00\x00\x00\x00".to_vec();
    npz.extend_from_slice(b"x.npy");
    npz.extend_from_slice(&numpy_header("<f4", false, "(1,)"));
    assert_apply_refuses(&npz, &[".npz archives are not supported", "numpy.load"]);
}

#[test]
fn a_structured_dtype_is_named() {
    // numpy writes a structured dtype's descr as a list of (name, type) pairs.
    let mut file = super::cli::numpy_header_dict(
        "{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,), }",
    );
    file.extend_from_slice(&[0; 16]);
    assert_apply_refuses(
        &file,
        &["unsupported structured dtype [('a', '<f4'), ('b', '<i4')]"],
    );
}

#[test]
fn a_shape_whose_element_count_overflows_says_so() {
    let file = numpy_header("<f4", false, "(4294967296, 4294967296, 16)");
    assert_apply_refuses(&file, &["element count overflows"]);
    let bytes = numpy_header("<f4", false, "(4294967296, 1073741824)");
    assert_apply_refuses(&bytes, &["byte count overflows"]);
}

#[test]
fn bench_help_is_plain_text() {
    let help = run(&["bench", "--help"]);
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(help.status.success(), "{}", stderr(&help));
    assert!(text.contains("forward-into:"), "{text}");
    assert!(!text.contains("[`"), "rustdoc link syntax in:\n{text}");
}

#[test]
fn info_aligns_every_value_in_one_column() {
    let Some(_) = gpu() else { return };
    let info = run(&["info"]);
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(info.status.success(), "{}", stderr(&info));
    let columns: Vec<usize> = text
        .lines()
        .filter(|line| line.starts_with("  "))
        .map(|line| {
            let label_end = line.find(':').unwrap() + 1;
            label_end + line[label_end..].len() - line[label_end..].trim_start().len()
        })
        .collect();
    assert!(columns.len() >= 7, "{text}");
    assert!(columns.windows(2).all(|w| w[0] == w[1]), "{text}");
}

#[test]
fn no_adapter_names_the_packages_of_the_backend_asked_for() {
    let Some(_) = gpu() else { return };
    // Each backend hidden from the loader in turn: Vulkan by an ICD list that names no
    // file, GL by an EGL vendor list that names no file.
    for (backend, hide, value, wanted, unwanted) in [
        (
            "vulkan",
            "VK_ICD_FILENAMES",
            "/nonexistent",
            "mesa-vulkan-drivers",
            "libegl1",
        ),
        (
            "gl",
            "__EGL_VENDOR_LIBRARY_FILENAMES",
            "/nonexistent",
            "libegl1",
            "vulkan",
        ),
    ] {
        let result = std::process::Command::new(env!("CARGO_BIN_EXE_wgpu-sigmoid"))
            .arg("info")
            .env("WGPU_BACKEND", backend)
            .env(hide, value)
            .env(
                "VK_DRIVER_FILES",
                if backend == "vulkan" { value } else { "" },
            )
            .output()
            .unwrap();
        assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
        assert_fails_with(&result, wanted);
        let message = stderr(&result);
        assert!(!message.contains(unwanted), "{backend}: {message}");
        assert!(
            message.contains("in the wgpu-sigmoid repository, scripts/setup.sh"),
            "{message}"
        );
    }
}
