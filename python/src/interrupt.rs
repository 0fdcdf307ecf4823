//! Long calls that Ctrl-C can interrupt. The GPU work runs with the GIL released; every
//! [`CHECK_EVERY`] the GIL is taken back briefly so that Python runs its signal
//! handlers (`Python::check_signals`): a `KeyboardInterrupt` then ends the call within
//! about one piece's time, and the instance stays usable.

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use wgpu_sigmoid::Error;

/// How often a long call lets Python handle signals.
const CHECK_EVERY: Duration = Duration::from_millis(50);

/// Wakes the thread that polls the call, which sleeps in `park_timeout` meanwhile.
struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Drives `call`, one of the crate's async calls, to its end on this thread with the
/// GIL released, checking for signals every [`CHECK_EVERY`]. A signal handler's
/// exception (`KeyboardInterrupt`) is returned as `Err` at once: the call's future is
/// dropped, which the crate allows at any point (its in-flight pieces finish in the
/// background, and the next call uses fresh buffers).
pub(crate) fn run<F>(py: Python<'_>, call: F) -> PyResult<Result<(), Error>>
where
    F: Future<Output = Result<(), Error>> + Send,
{
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut call = std::pin::pin!(call);
    loop {
        let polled = py.detach(|| {
            let mut context = Context::from_waker(&waker);
            let deadline = Instant::now() + CHECK_EVERY;
            loop {
                if let Poll::Ready(result) = call.as_mut().poll(&mut context) {
                    return Some(result);
                }
                let now = Instant::now();
                if now >= deadline {
                    return None;
                }
                // A wake before the park makes it return at once: no wake is lost.
                std::thread::park_timeout(deadline - now);
            }
        });
        match polled {
            Some(result) => return Ok(result),
            None => py.check_signals()?,
        }
    }
}
