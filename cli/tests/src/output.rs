//! What `apply` does to its output beyond the data: an interrupted run removes its
//! temporary file, a FIFO or a device is written into and never replaced, modes follow
//! the umask or the file being replaced, and a closed stdout is an error. Every wait
//! here has a deadline, so that a regression fails in seconds instead of hanging.

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::cli::{leftovers, stderr, write_f32_npy};
use super::common::gpu;

const DEADLINE: Duration = Duration::from_secs(60);

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wgpu-sigmoid"))
}

/// Polls `done` every 10 ms until it returns `Some`, failing the test at the deadline.
fn wait_for<T>(what: &str, mut done: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = done() {
            return value;
        }
        assert!(started.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits for `child` to exit, killing it and failing the test at the deadline.
fn wait_exit(child: &mut Child, what: &str) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("{what}: still running after {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A C-order float32 `.npy` of `elements` zeros, written sparsely (no data blocks on
/// disk), large enough that `apply` is still running when a signal arrives.
fn large_npy(path: &Path, elements: u64) {
    let header = super::cli::numpy_header("<f4", false, &format!("({elements},)"));
    std::fs::write(path, &header).unwrap();
    let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    file.set_len(header.len() as u64 + 4 * elements).unwrap();
}

fn hidden_temporaries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".wgpu-sigmoid-")
        })
        .collect()
}

#[test]
fn an_interrupted_apply_removes_its_temporary_file_and_exits_with_the_signal() {
    let Some(_) = gpu() else { return };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.npy");
    large_npy(&input, 96 << 20);
    let output = dir.path().join("out.npy");
    let previous = b"an earlier result, to be left as it is".to_vec();
    for (signal, status) in [
        (libc::SIGINT, 130),
        (libc::SIGTERM, 143),
        (libc::SIGHUP, 129),
    ] {
        std::fs::write(&output, &previous).unwrap();
        let mut command = binary();
        command
            .args(["apply", "-q"])
            .arg(&input)
            .arg(&output)
            .stderr(Stdio::piped());
        // SAFETY: between fork and exec only signal(2), which is async-signal-safe, runs;
        // it gives the child the default dispositions a terminal's program has (a test
        // runner started in the background may have inherited SIGINT ignored).
        unsafe {
            command.pre_exec(|| {
                for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
                    libc::signal(signal, libc::SIG_DFL);
                }
                Ok(())
            });
        }
        let mut child = command.spawn().unwrap();
        let temporary = wait_for("the temporary output", || {
            hidden_temporaries(dir.path()).into_iter().next()
        });
        // SAFETY: kill(2) on our own child's pid, which has not been reaped yet.
        assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
        let exit = wait_exit(&mut child, "apply after a signal");
        assert_eq!(
            exit.code(),
            Some(status),
            "signal {signal}: {exit:?}, stderr: {}",
            std::io::read_to_string(child.stderr.take().unwrap()).unwrap()
        );
        assert!(!temporary.exists(), "signal {signal}: {temporary:?} left");
        assert_eq!(
            leftovers(dir.path(), &["big.npy", "out.npy"]),
            Vec::<String>::new()
        );
        assert_eq!(std::fs::read(&output).unwrap(), previous, "output touched");
    }
}

#[test]
fn an_ignored_hangup_stays_ignored_as_under_nohup() {
    let Some(_) = gpu() else { return };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.npy");
    large_npy(&input, 16 << 20);
    let output = dir.path().join("out.npy");
    let mut command = binary();
    command.args(["apply", "-q"]).arg(&input).arg(&output);
    // SAFETY: only signal(2), async-signal-safe, runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGHUP, libc::SIG_IGN);
            Ok(())
        });
    }
    let mut child = command.spawn().unwrap();
    wait_for("the temporary output", || {
        hidden_temporaries(dir.path()).into_iter().next()
    });
    // SAFETY: kill(2) on our own child's pid, which has not been reaped yet.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGHUP) }, 0);
    let exit = wait_exit(&mut child, "apply under nohup");
    assert!(exit.success(), "{exit:?}");
    assert!(output.metadata().unwrap().len() > 64 << 20);
}

/// Runs `apply IN OUT` under `umask`, bounded by the deadline.
fn apply_with_umask(input: &Path, output: &Path, umask: libc::mode_t) -> std::process::Output {
    let mut command = binary();
    command
        .args(["apply", "-q"])
        .arg(input)
        .arg(output)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: only umask(2), async-signal-safe, runs between fork and exec.
    unsafe {
        command.pre_exec(move || {
            libc::umask(umask);
            Ok(())
        });
    }
    let mut child = command.spawn().unwrap();
    wait_exit(&mut child, "apply");
    child.wait_with_output().unwrap()
}

fn mode(path: &Path) -> u32 {
    path.metadata().unwrap().permissions().mode() & 0o7777
}

/// A small input and the bytes `apply` writes for it to a regular file.
fn small_input(dir: &Path) -> (PathBuf, Vec<u8>) {
    let input = dir.join("in.npy");
    write_f32_npy(&input, "(3, 5)", &[-20.0, -1.0, 0.0, 1.0, 20.0].repeat(3));
    let reference = dir.join("reference.npy");
    let result = apply_with_umask(&input, &reference, 0o022);
    assert!(result.status.success(), "{}", stderr(&result));
    let bytes = std::fs::read(&reference).unwrap();
    std::fs::remove_file(&reference).unwrap();
    (input, bytes)
}

#[test]
fn a_device_is_written_into_not_replaced() {
    let Some(_) = gpu() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (input, _) = small_input(dir.path());
    let null = dir.path().join("mynull");
    let path = std::ffi::CString::new(null.to_str().unwrap()).unwrap();
    // SAFETY: `path` is a valid C string; mknod(2) creates a node in our own temporary
    // directory (never the real /dev/null), the same character device, 1:3.
    let made = unsafe { libc::mknod(path.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) };
    if made != 0 {
        // Only root may make device nodes; CI runs as root.
        // SAFETY: geteuid(2) has no preconditions.
        assert_ne!(unsafe { libc::geteuid() }, 0, "mknod failed as root");
        eprintln!("not root: no device node to test with");
        return;
    }
    let before = mode(&null);
    let result = apply_with_umask(&input, &null, 0o022);
    assert!(result.status.success(), "{}", stderr(&result));
    let metadata = std::fs::symlink_metadata(&null).unwrap();
    assert!(
        metadata.file_type().is_char_device(),
        "replaced: {metadata:?}"
    );
    assert_eq!(mode(&null), before);
    assert_eq!(
        leftovers(dir.path(), &["in.npy", "mynull"]),
        Vec::<String>::new()
    );
}

#[test]
fn a_fifo_with_a_reader_gets_the_whole_npy() {
    let Some(_) = gpu() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (input, expected) = small_input(dir.path());
    let fifo = dir.path().join("fifo");
    let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: `path` is a valid C string naming a new entry in our temporary directory.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
    // Opening a FIFO blocks until the other end opens: the reader is a thread, waited
    // for with a deadline.
    let (sender, received) = mpsc::channel();
    let reader_path = fifo.clone();
    std::thread::spawn(move || {
        let bytes = std::fs::read(&reader_path);
        let _ = sender.send(bytes);
    });
    let result = apply_with_umask(&input, &fifo, 0o022);
    assert!(result.status.success(), "{}", stderr(&result));
    let bytes = received
        .recv_timeout(DEADLINE)
        .expect("the FIFO's reader hung")
        .unwrap();
    assert_eq!(bytes, expected);
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert_eq!(
        leftovers(dir.path(), &["in.npy", "fifo"]),
        Vec::<String>::new()
    );
}

#[test]
fn a_new_output_follows_the_umask_and_a_replaced_one_keeps_its_mode() {
    let Some(_) = gpu() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (input, expected) = small_input(dir.path());
    for (umask, new_mode) in [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)] {
        let output = dir.path().join(format!("new-{umask:o}.npy"));
        let result = apply_with_umask(&input, &output, umask);
        assert!(result.status.success(), "{}", stderr(&result));
        assert_eq!(mode(&output), new_mode, "umask {umask:o}");
        assert_eq!(std::fs::read(&output).unwrap(), expected);
    }
    for kept in [0o644, 0o640, 0o604, 0o600] {
        let output = dir.path().join("existing.npy");
        std::fs::write(&output, b"old").unwrap();
        std::fs::set_permissions(&output, std::fs::Permissions::from_mode(kept)).unwrap();
        let result = apply_with_umask(&input, &output, 0o077);
        assert!(result.status.success(), "{}", stderr(&result));
        assert_eq!(mode(&output), kept, "replaced file's mode {kept:o}");
        assert_eq!(std::fs::read(&output).unwrap(), expected);
    }
    // A link to a file stays a link; the file it points to gets the result.
    let target = dir.path().join("target.npy");
    std::fs::write(&target, b"old").unwrap();
    let link = dir.path().join("link.npy");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let result = apply_with_umask(&input, &link, 0o022);
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(std::fs::read(&target).unwrap(), expected);
}

/// Runs `args` with descriptor 1 closed, as the shell's `>&-` leaves it.
fn run_with_stdout_closed(args: &[&str]) -> std::process::Output {
    let mut command = binary();
    command.args(args).stderr(Stdio::piped());
    // SAFETY: only close(2), async-signal-safe, runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            libc::close(1);
            Ok(())
        });
    }
    let mut child = command.spawn().unwrap();
    wait_exit(&mut child, "a command with stdout closed");
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_stdout_is_an_error_not_a_silent_loss() {
    let Some(_) = gpu() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (input, expected) = small_input(dir.path());
    let input = input.to_str().unwrap();
    for args in [&["apply", "-q", input, "-"][..], &["info"][..]] {
        let result = run_with_stdout_closed(args);
        assert_eq!(
            result.status.code(),
            Some(1),
            "{args:?}: {}",
            stderr(&result)
        );
        super::cli::assert_fails_with(&result, "stdout is closed");
    }
    // Writing to a file needs no stdout.
    let output = dir.path().join("out.npy");
    let result = run_with_stdout_closed(&["apply", "-q", input, output.to_str().unwrap()]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert_eq!(std::fs::read(&output).unwrap(), expected);
    // Discarding the output on purpose is no error.
    let discarded = binary()
        .args(["apply", "-q", input, "-"])
        .stdout(std::fs::File::create("/dev/null").unwrap())
        .output()
        .unwrap();
    assert!(discarded.status.success(), "{}", stderr(&discarded));
}

#[test]
fn a_reader_that_stops_early_leaves_an_incomplete_npy_and_an_error() {
    let Some(_) = gpu() else { return };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.npy");
    large_npy(&input, 4 << 20);
    let mut child = binary()
        .args(["apply", "-q", input.to_str().unwrap(), "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read the header's first bytes, then go away, as `| head -c 100` does.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0; 100];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    wait_exit(&mut child, "apply into a closed pipe");
    let result = child.wait_with_output().unwrap();
    assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
    super::cli::assert_fails_with(&result, "the reader closed the pipe");
}
