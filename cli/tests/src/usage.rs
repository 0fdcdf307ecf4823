//! One rule for every command: a flag's bad value is a usage error (exit 2, clap's
//! message and the usage line); a run-time failure is exit 1 with one line. And the
//! flags mean what their help says.

use std::process::Output;

use super::cli::{assert_fails_with, run, stderr, write_f32_npy};
use super::common::gpu;

/// Asserts a usage error: exit 2 and one `error:` line containing `message`.
fn assert_usage_error(output: &Output, message: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
    assert_fails_with(output, message);
}

/// The dispatch shape a `bench` run reports, from its JSON.
fn bench_shape(extra: &[&str]) -> (u64, u64) {
    let mut args = vec![
        "bench",
        "--elements",
        "4099",
        "--iterations",
        "1",
        "--json",
        "-q",
        "--rows",
        "forward-into",
    ];
    args.extend_from_slice(extra);
    let result = run(&args);
    assert!(result.status.success(), "{args:?}: {}", stderr(&result));
    let json: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    (
        json["workgroup_size"].as_u64().unwrap(),
        json["vec4_per_invocation"].as_u64().unwrap(),
    )
}

#[test]
fn bench_takes_the_shape_flag_not_given_from_the_adapters_preferred_shape() {
    let Some(_) = gpu() else { return };
    let (workgroup_size, vec4_per_invocation) = bench_shape(&[]);
    let other_size = if workgroup_size == 64 { 128 } else { 64 };
    let other_vec4 = if vec4_per_invocation == 3 { 2 } else { 3 };
    assert_eq!(
        bench_shape(&["--workgroup-size", &other_size.to_string()]),
        (other_size, vec4_per_invocation)
    );
    assert_eq!(
        bench_shape(&["--vec4-per-invocation", &other_vec4.to_string()]),
        (workgroup_size, other_vec4)
    );
}

#[test]
fn bad_flag_values_are_usage_errors_with_exit_code_2() {
    for (args, message) in [
        (
            &["bench", "--elements", "0"][..],
            "'0' for '--elements <ELEMENTS>': at least 1 is needed",
        ),
        (&["bench", "--iterations", "0"][..], "--iterations"),
        (
            &["bench", "--vec4-per-invocation", "5"][..],
            "--vec4-per-invocation",
        ),
        (&["verify", "--stride", "0"][..], "--stride"),
        (
            &["apply", "--chunk-elements", "0", "a.npy", "b.npy"][..],
            "--chunk-elements",
        ),
        // The library's parser of WGPU_BACKEND reads the flag too: its error names the
        // word and what this build has.
        (
            &["--backend", "vulkan,bogus", "info"][..],
            "unknown backend `bogus` in --backend",
        ),
    ] {
        assert_usage_error(&run(args), message);
    }
}

#[test]
fn a_flag_that_does_not_fit_the_file_is_a_usage_error_and_a_bad_file_a_runtime_one() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.npy");
    write_f32_npy(&input, "(2,)", &[0.0, 1.0]);
    let output = dir.path().join("out.npy");
    let (input, output) = (input.to_str().unwrap(), output.to_str().unwrap());
    assert_usage_error(&run(&["apply", "--bf16", input, output]), "--bf16 expects");
    let missing = run(&["apply", "no-such-file.npy", output]);
    assert_eq!(missing.status.code(), Some(1), "{}", stderr(&missing));
    assert_fails_with(&missing, "no-such-file.npy");
    assert!(!stderr(&missing).contains("Usage:"), "{}", stderr(&missing));
}
