//! What `apply` does to its output beyond the data: an interrupted run removes its
//! temporary file, a FIFO or a device is written into and never replaced, modes follow
//! the umask or the file being replaced, and a closed stdout is an error. Every wait
//! here has a deadline, so that a regression fails in seconds instead of hanging.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::cli::leftovers;
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
