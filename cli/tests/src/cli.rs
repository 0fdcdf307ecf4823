//! The `wgpu-sigmoid` binary: `apply` round trips and bad files, `verify`, `info`.

use std::path::Path;
use std::process::{Command, Output};

use wgpu_sigmoid_cli::npy;

use super::common::{assert_matches_reference, gpu, test_data};

pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wgpu-sigmoid"))
        .args(args)
        .output()
        .unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The one line starting `error:` that a failed command prints (other lines on stderr
/// come from drivers, not from us).
pub fn error_line(output: &Output) -> String {
    let lines: Vec<String> = stderr(output)
        .lines()
        .filter(|l| l.starts_with("error: "))
        .map(String::from)
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "expected one error line, got:\n{}",
        stderr(output)
    );
    lines[0].clone()
}

/// Asserts that the command failed with one `error:` line containing `message`.
pub fn assert_fails_with(output: &Output, message: &str) {
    assert!(!output.status.success(), "succeeded: {}", stderr(output));
    let line = error_line(output);
    assert!(line.contains(message), "expected `{message}` in: {line}");
}

/// Files in `dir` other than `keep`: a failed `apply` must leave none behind.
pub fn leftovers(dir: &Path, keep: &[&str]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !keep.contains(&name.as_str()))
        .collect()
}

/// A `.npy` header as NumPy itself writes it (format 1.0, padded to 64 bytes).
pub fn numpy_header(descr: &str, fortran: bool, shape: &str) -> Vec<u8> {
    numpy_header_dict(&format!(
        "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape}, }}",
        if fortran { "True" } else { "False" }
    ))
}

/// A format 1.0 `.npy` header around the dict literal `dict`, padded as NumPy pads.
pub fn numpy_header_dict(dict: &str) -> Vec<u8> {
    let total = (10 + dict.len() + 1).div_ceil(64) * 64;
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&((total - 10) as u16).to_le_bytes());
    bytes.extend_from_slice(dict.as_bytes());
    bytes.resize(total - 1, b' ');
    bytes.push(b'\n');
    bytes
}

/// Writes a C-order `.npy` with dtype `descr` and `shape` (a Python tuple) whose data
/// are `body` to `path`, and returns its bytes.
pub fn write_npy(path: &Path, descr: &str, shape: &str, body: &[u8]) -> Vec<u8> {
    let mut file = numpy_header(descr, false, shape);
    file.extend_from_slice(body);
    std::fs::write(path, &file).unwrap();
    file
}

/// [`write_npy`] for float32 `data`.
pub fn write_f32_npy(path: &Path, shape: &str, data: &[f32]) -> Vec<u8> {
    write_npy(path, "<f4", shape, &f32_bytes(data))
}

pub fn f32_bytes(data: &[f32]) -> Vec<u8> {
    data.iter().flat_map(|x| x.to_le_bytes()).collect()
}

#[test]
fn apply_round_trips_a_3d_array() {
    let Some(_) = gpu() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.npy"), dir.path().join("out.npy"));
    let data = test_data(2 * 3 * 5, 7);
    let file = write_f32_npy(&input, "(2, 3, 5)", &data);

    let result = run(&["apply", input.to_str().unwrap(), output.to_str().unwrap()]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert_eq!(std::fs::read(&input).unwrap(), file, "input modified");
    let array = npy::read(&mut std::fs::File::open(&output).unwrap()).unwrap();
    assert_eq!(array.shape, vec![2, 3, 5]);
    assert_matches_reference(&data, &array.data);
    assert_eq!(
        leftovers(dir.path(), &["in.npy", "out.npy"]),
        Vec::<String>::new()
    );

    // Applying again to the output replaces it atomically (same shape, new values).
    let again = run(&["apply", output.to_str().unwrap(), input.to_str().unwrap()]);
    assert!(again.status.success(), "{}", stderr(&again));
    let twice = npy::read(&mut std::fs::File::open(&input).unwrap()).unwrap();
    assert_matches_reference(&array.data, &twice.data);
}

#[test]
fn apply_handles_scalars_and_empty_arrays() {
    let Some(_) = gpu() else { return };
    let dir = tempfile::tempdir().unwrap();
    for (name, shape, dims, data) in [
        ("scalar", "()", vec![], vec![-1.0f32]),
        ("empty", "(0, 4)", vec![0u64, 4], vec![]),
    ] {
        let input = dir.path().join(format!("{name}.npy"));
        let output = dir.path().join(format!("{name}.out.npy"));
        write_f32_npy(&input, shape, &data);
        let result = run(&["apply", input.to_str().unwrap(), output.to_str().unwrap()]);
        assert!(result.status.success(), "{name}: {}", stderr(&result));
        let array = npy::read(&mut std::fs::File::open(&output).unwrap()).unwrap();
        assert_eq!(array.shape, dims, "{name}");
        assert_matches_reference(&data, &array.data);
    }
}

#[test]
fn apply_rejects_bad_files_without_leaving_output() {
    let dir = tempfile::tempdir().unwrap();
    let good_body = f32_bytes(&[1.0, 2.0, 3.0, 4.0]);
    let with_body = |header: Vec<u8>, body: &[u8]| [header, body.to_vec()].concat();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "not_npy",
            b"hello, this is text\n".to_vec(),
            "not a .npy file",
        ),
        ("empty_file", vec![], "empty input"),
        (
            "float64",
            with_body(numpy_header("<f8", false, "(4,)"), &[0; 32]),
            "unsupported dtype '<f8'",
        ),
        (
            "big_endian",
            with_body(numpy_header(">f4", false, "(4,)"), &good_body),
            "unsupported dtype '>f4'",
        ),
        (
            "int32",
            with_body(numpy_header("<i4", false, "(4,)"), &good_body),
            "unsupported dtype '<i4'",
        ),
        (
            "truncated_data",
            with_body(numpy_header("<f4", false, "(4,)"), &good_body[..13]),
            "truncated",
        ),
        (
            "truncated_header",
            numpy_header("<f4", false, "(4,)")[..30].to_vec(),
            "header",
        ),
        (
            "lying_shape",
            with_body(
                numpy_header("<f4", false, "(1099511627776, 1024)"),
                &good_body,
            ),
            "truncated",
        ),
        (
            "impossible_shape",
            with_body(
                numpy_header("<f4", false, "(1099511627776, 1099511627776)"),
                &good_body,
            ),
            "element count overflows",
        ),
    ];
    for (name, bytes, message) in cases {
        let input = dir.path().join(format!("{name}.npy"));
        std::fs::write(&input, &bytes).unwrap();
        let output = dir.path().join("out.npy");
        let result = run(&["apply", input.to_str().unwrap(), output.to_str().unwrap()]);
        assert!(!result.status.success(), "{name}: succeeded");
        let line = error_line(&result);
        assert!(line.contains(message), "{name}: {line}");
        assert!(!output.exists(), "{name}: left an output file");
        assert_eq!(
            std::fs::read(&input).unwrap(),
            bytes,
            "{name}: input modified"
        );
    }
    let names: Vec<String> = leftovers(dir.path(), &[]);
    assert!(
        names
            .iter()
            .all(|n| n.ends_with(".npy") && !n.starts_with(".wgpu-sigmoid")),
        "{names:?}"
    );

    let missing = run(&[
        "apply",
        "/nonexistent/in.npy",
        dir.path().join("o.npy").to_str().unwrap(),
    ]);
    assert_fails_with(&missing, "/nonexistent/in.npy");
}

#[test]
fn apply_refuses_to_overwrite_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("same.npy");
    let file = write_f32_npy(&input, "(2,)", &[1.0, 2.0]);
    let result = run(&["apply", input.to_str().unwrap(), input.to_str().unwrap()]);
    assert_fails_with(&result, "same file");
    assert_eq!(std::fs::read(&input).unwrap(), file);
}

#[test]
fn verify_reports_the_contract() {
    let Some(_) = gpu() else { return };
    let result = run(&["verify", "--stride", "65537"]);
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(result.status.success(), "{stdout}\n{}", stderr(&result));
    assert!(stdout.contains("| all finite |"), "{stdout}");
    assert!(stdout.contains("MET"), "{stdout}");
    assert!(stdout.contains("NaN inputs"), "{stdout}");
}

#[test]
fn info_lists_adapters() {
    let Some(_) = gpu() else { return };
    let result = run(&["info"]);
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(result.status.success());
    assert!(
        stdout.contains("max_storage_buffer_binding_size"),
        "{stdout}"
    );
}

#[test]
fn bench_times_the_rows_asked_for() {
    let Some(_) = gpu() else { return };
    let args = [
        "bench",
        "-q",
        "--json",
        "--elements",
        "4099",
        "--iterations",
        "1",
    ];
    let result = run(&[&args[..], &["--rows", "forward-into,host-memcpy"]].concat());
    assert!(result.status.success(), "{}", stderr(&result));
    let report: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    let rows: Vec<&str> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["measurement"].as_str().unwrap())
        .collect();
    assert_eq!(
        rows,
        ["SigmoidKernel", "CopyKernel", "ForwardInto", "HostMemcpy"]
    );
}

#[test]
fn bad_arguments_are_rejected() {
    assert!(!run(&["bench", "--rows", "nonsense"]).status.success());
    assert!(!run(&["verify", "--stride", "0"]).status.success());
    assert!(!run(&["--backend", "nonsense", "info"]).status.success());
    assert!(!run(&["apply", "only-one.npy"]).status.success());
}
