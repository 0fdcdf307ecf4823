//! The command line at its edges: a closed pipe, the accuracy `verify` holds by
//! default, adapter choices that match nothing, and what `apply` refuses and reports.

use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Output, Stdio};

use wgpu_sigmoid::half::{bf16, f16};
use wgpu_sigmoid_cli::npy;

use super::cli::{assert_fails_with, numpy_header, run, stderr};
use super::common::gpu;

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wgpu-sigmoid"));
    command.args(args);
    command
}

/// Runs with stdout the write end of a pipe whose read end is already closed: every
/// write fails with EPIPE, as under `| head -1` once head has exited.
fn run_into_closed_pipe(args: &[&str]) -> Output {
    let mut fds = [0; 2];
    // SAFETY: `fds` is a valid array of two ints for pipe(2) to fill.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors were just created by pipe(2) and are owned here alone.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    command(args)
        .stdout(Stdio::from(write))
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    let Some(_) = gpu() else { return };
    for args in [&["info"][..], &["verify", "--stride", "65537", "-q"][..]] {
        let result = run_into_closed_pipe(args);
        let err = stderr(&result);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_ne!(result.status.code(), Some(101), "{args:?}: {err}");
        assert!(
            result.status.success(),
            "{args:?}: {:?} {err}",
            result.status
        );
        assert!(!err.contains("error:"), "{args:?}: {err}");
    }
}

#[test]
fn verify_holds_the_promised_one_ulp_by_default() {
    let Some(_) = gpu() else { return };
    let result = run(&["verify", "--stride", "65537", "-q"]);
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(result.status.success(), "{stdout}");
    assert!(stdout.contains("contract (≤ 1 ULP"), "{stdout}");
}

#[test]
fn adapter_choices_that_match_nothing_name_the_value_and_what_exists() {
    let Some(sigmoid) = gpu() else { return };
    let bogus = command(&["info"])
        .env("WGPU_BACKEND", "bogus")
        .output()
        .unwrap();
    assert_fails_with(&bogus, "`bogus`");
    let power = command(&["verify", "--stride", "65537"])
        .env("WGPU_POWER_PREF", "bogus")
        .output()
        .unwrap();
    assert_fails_with(&power, "`bogus` in WGPU_POWER_PREF");
    let name = command(&["--adapter", "no-such-adapter", "info"])
        .env_remove("WGPU_ADAPTER_NAME")
        .output()
        .unwrap();
    assert_fails_with(&name, "no-such-adapter");
    assert_fails_with(&name, &sigmoid.config().adapter.name);
    let name_env = command(&["verify", "--stride", "65537"])
        .env("WGPU_ADAPTER_NAME", "no-such-adapter")
        .output()
        .unwrap();
    assert_fails_with(&name_env, "adapters found:");
    if !cfg!(windows) {
        for dx12 in [
            command(&["--backend", "dx12", "info"]).output().unwrap(),
            command(&["info"])
                .env("WGPU_BACKEND", "dx12")
                .output()
                .unwrap(),
        ] {
            assert_fails_with(&dx12, "dx12");
            assert!(!stderr(&dx12).contains("Mesa"), "{}", stderr(&dx12));
        }
    }
    // `--adapter` filters `info`.
    let backend = format!("{:?}", sigmoid.config().adapter.backend);
    let filtered = command(&["--adapter", &sigmoid.config().adapter.name, "info"])
        .env_remove("WGPU_BACKEND")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&filtered.stdout);
    assert!(filtered.status.success(), "{}", stderr(&filtered));
    let listed: Vec<&str> = stdout.lines().filter(|l| !l.starts_with(' ')).collect();
    assert!(!listed.is_empty());
    assert!(
        listed
            .iter()
            .all(|l| l.contains(&sigmoid.config().adapter.name)),
        "{stdout}"
    );
    let _ = backend;
}

fn write(path: &std::path::Path, header: Vec<u8>, body: &[u8]) {
    let mut bytes = header;
    bytes.extend_from_slice(body);
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn apply_keeps_fortran_order_and_shape() {
    let Some(sigmoid) = gpu() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("f.npy"), dir.path().join("out.npy"));
    let x: Vec<f32> = (0..6).map(|i| i as f32 - 2.5).collect();
    write(
        &input,
        numpy_header("<f4", true, "(2, 3)"),
        bytemuck::cast_slice(&x),
    );
    let result = run(&[
        "apply",
        "-q",
        input.to_str().unwrap(),
        output.to_str().unwrap(),
    ]);
    assert!(result.status.success(), "{}", stderr(&result));
    let mut file = std::fs::File::open(&output).unwrap();
    let header = npy::read_header(&mut file).unwrap();
    assert!(header.fortran_order);
    assert_eq!(header.shape, [2, 3]);
    let array = npy::read(&mut std::fs::File::open(&output).unwrap()).unwrap();
    assert_eq!(
        array.data,
        sigmoid.forward(&x).unwrap(),
        "elementwise, same order"
    );
}

#[test]
fn apply_refuses_a_zero_chunk_empty_stdin_and_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("x.npy");
    write(
        &input,
        numpy_header("<f4", false, "(1,)"),
        &0f32.to_le_bytes(),
    );
    let out = dir.path().join("o.npy");
    let zero = run(&[
        "apply",
        "--chunk-elements",
        "0",
        input.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    assert!(!zero.status.success());
    assert!(
        stderr(&zero).contains("chunk-elements"),
        "{}",
        stderr(&zero)
    );
    assert!(!out.exists());

    let empty = command(&["apply", "-", out.to_str().unwrap()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_fails_with(&empty, "empty input");
    assert!(!out.exists());

    // stdout a terminal: a pseudo-terminal's slave side.
    let (mut controller, mut terminal) = (0, 0);
    // SAFETY: openpty(3) fills the two descriptors; the other arguments may be null.
    let opened = unsafe {
        libc::openpty(
            &mut controller,
            &mut terminal,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(opened, 0, "openpty failed");
    // SAFETY: both descriptors were just opened by openpty and are owned here alone.
    let (_controller, terminal) = unsafe {
        (
            OwnedFd::from_raw_fd(controller),
            OwnedFd::from_raw_fd(terminal),
        )
    };
    let to_terminal = command(&["apply", input.to_str().unwrap(), "-"])
        .stdout(Stdio::from(terminal))
        .output()
        .unwrap();
    assert_fails_with(&to_terminal, "terminal");
}

#[test]
fn apply_summary_uses_the_progress_bars_units_and_the_files_own_bound() {
    let Some(_) = gpu() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("x.npy"), dir.path().join("o.npy"));
    let x = vec![0.5f32; 60];
    write(
        &input,
        numpy_header("<f4", false, "(60,)"),
        bytemuck::cast_slice(&x),
    );
    let result = run(&["apply", input.to_str().unwrap(), output.to_str().unwrap()]);
    assert!(result.status.success(), "{}", stderr(&result));
    let summary = stderr(&result);
    let line = summary
        .lines()
        .find(|l| l.starts_with("wgpu-sigmoid apply:"))
        .unwrap_or_else(|| panic!("{summary}"));
    assert!(line.contains("MiB/s") && !line.contains("GB/s"), "{line}");
    // 60 elements need kilobytes of blocks, not the default 4 Mi-element blocks.
    // (4 + 1 blocks of 60 four-byte elements: 1.2 KiB.)
    assert!(line.contains("stream buffers ≤ 1.2 KiB"), "{line}");
}

#[test]
fn apply_runs_16_bit_files_through_the_16_bit_kernels() {
    let Some(sigmoid) = gpu() else { return };
    let dir = tempfile::tempdir().unwrap();
    let bits: Vec<u16> = (0..=u16::MAX).step_by(7).collect();
    for (descr, extra) in [("<f2", None), ("<u2", Some("--bf16"))] {
        let (input, output) = (dir.path().join("h.npy"), dir.path().join("o.npy"));
        let shape = format!("({},)", bits.len());
        write(
            &input,
            numpy_header(descr, false, &shape),
            bytemuck::cast_slice(&bits),
        );
        let mut args = vec!["apply", "-q", "--chunk-elements", "1000"];
        args.extend(extra);
        args.extend([input.to_str().unwrap(), output.to_str().unwrap()]);
        let result = run(&args);
        assert!(result.status.success(), "{descr}: {}", stderr(&result));
        let bytes = std::fs::read(&output).unwrap();
        let mut reader = bytes.as_slice();
        npy::read_header(&mut reader).unwrap();
        let got: Vec<u16> = reader
            .chunks_exact(2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .collect();
        // The library's own 16-bit kernel on the same bits (both types are plain bits
        // of a u16, so the result's bits compare directly).
        let expected: Vec<u16> = if extra.is_none() {
            let x: &[f16] = bytemuck::cast_slice(&bits);
            bytemuck::cast_slice(&sigmoid.forward(x).unwrap()).to_vec()
        } else {
            let x: &[bf16] = bytemuck::cast_slice(&bits);
            bytemuck::cast_slice(&sigmoid.forward(x).unwrap()).to_vec()
        };
        assert_eq!(
            got, expected,
            "{descr}: the library's 16-bit kernel, bit for bit"
        );
    }
}
