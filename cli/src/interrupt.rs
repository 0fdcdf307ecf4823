//! What an interrupted `apply` leaves behind: nothing. SIGINT (Ctrl-C), SIGTERM and
//! SIGHUP remove the hidden temporary output that is being written, then end the
//! process with the conventional status, 128 + the signal's number (130, 143, 129).
//!
//! The signals are received on a thread of their own (`signal-hook`'s iterator), not in
//! a signal handler, so removing a file and exiting are ordinary code. A signal that
//! the process inherited as ignored stays ignored: `nohup` (SIGHUP) and a shell's
//! background job (SIGINT) rely on that.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The temporary file to remove on a signal, if one is being written.
static TEMPORARY: Mutex<Option<PathBuf>> = Mutex::new(None);

fn temporary() -> MutexGuard<'static, Option<PathBuf>> {
    // The data is a path: a thread that panicked holding the lock left it valid.
    TEMPORARY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts listening for the signals that end the process. Call once, before the
/// temporary file is created.
#[cfg(unix)]
pub fn listen() -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

    let wanted: Vec<i32> = [SIGINT, SIGTERM, SIGHUP]
        .into_iter()
        .filter(|&signal| !inherited_as_ignored(signal))
        .collect();
    let mut signals = signal_hook::iterator::Signals::new(wanted)?;
    std::thread::Builder::new()
        .name("wgpu-sigmoid signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // Held to the exit, so that the rename in `Registration::complete`
                // cannot run between the removal and the exit.
                let temporary = temporary();
                if let Some(path) = temporary.as_ref() {
                    // Already renamed into place or never created: nothing to remove.
                    let _ = std::fs::remove_file(path);
                }
                // `_exit`, not `exit`: `exit` runs the C++ static destructors of the
                // GPU driver's libraries (lavapipe's LLVM) while the main thread may be
                // inside them, which once aborted the process instead ("LLVM ERROR:
                // inconsistency in registered CommandLine options"). Nothing is left to
                // flush: stderr is unbuffered and apply's output is the removed file.
                // SAFETY: _exit(2) ends the process at once; it has no preconditions.
                unsafe { libc::_exit(128 + signal) }
            }
        })?;
    Ok(())
}

/// Without Unix signals, Ctrl-C ends the process as the platform does.
#[cfg(not(unix))]
pub fn listen() -> std::io::Result<()> {
    Ok(())
}

/// Whether `signal` was ignored when the process started (`nohup`, `&` in a script).
#[cfg(unix)]
fn inherited_as_ignored(signal: i32) -> bool {
    // SAFETY: an all-zero `sigaction` is a valid value of the C struct (no handler, an
    // empty mask); sigaction(2) with a null new action only reads the current one into
    // it and changes nothing.
    unsafe {
        let mut current: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, std::ptr::null(), &mut current) == 0
            && current.sa_sigaction == libc::SIG_IGN
    }
}

/// A temporary file that a signal removes until [`Registration::complete`] (or drop).
#[must_use = "the file is unregistered when this is dropped"]
pub struct Registration(());

impl Registration {
    /// Registers `path` for removal on a signal.
    pub fn new(path: &Path) -> Registration {
        *temporary() = Some(path.to_path_buf());
        Registration(())
    }

    /// Runs `finish` (the rename into place) with signals held off, then unregisters:
    /// a signal arriving meanwhile finds the file either still temporary (and removes
    /// it) or already the finished output (and leaves it).
    pub fn complete<T>(self, finish: impl FnOnce() -> T) -> T {
        let mut temporary = temporary();
        let result = finish();
        *temporary = None;
        result
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        *temporary() = None;
    }
}
