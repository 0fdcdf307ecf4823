//! A blocking call beside a pending async call of the same instance: it never waits
//! for a future that only its own thread could poll. Each case runs on a thread of its
//! own and is waited for with a deadline, so that a regression fails in seconds.

use std::time::Duration;

use wgpu_sigmoid::Sigmoid;

use super::common::{bits, bounded, gpu, test_data};

/// An instance of its own on the shared device, so that a hang holds nothing others use.
fn own_instance() -> Option<Sigmoid> {
    let shared = gpu()?;
    Some(
        Sigmoid::builder()
            .build_with_device(shared.device().clone(), shared.queue().clone())
            .unwrap(),
    )
}

fn runtimes() -> Vec<(&'static str, tokio::runtime::Runtime)> {
    vec![
        (
            "current-thread runtime",
            tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap(),
        ),
        (
            "multi-thread runtime",
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(4)
                .enable_time()
                .build()
                .unwrap(),
        ),
    ]
}

#[test]
fn a_blocking_call_beside_a_pending_async_call_completes() {
    let Some(sigmoid) = own_instance() else {
        return;
    };
    let big = test_data(16 << 20, 1);
    let small = test_data(4099, 2);
    let expected_big = sigmoid.forward(&big).unwrap();
    let expected_small = sigmoid.forward(&small).unwrap();
    let sigmoid = std::sync::Arc::new(sigmoid);
    for (name, runtime) in runtimes() {
        let (s, big, small) = (sigmoid.clone(), big.clone(), small.clone());
        let (expected_big, expected_small) = (expected_big.clone(), expected_small.clone());
        bounded(name, move || {
            runtime.block_on(async {
                // In one task: the blocking call runs while the async one is pending.
                let (pending, blocking) = tokio::join!(s.forward_async(&big), async {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    s.forward(&small)
                });
                assert_eq!(bits(&pending.unwrap()), bits(&expected_big));
                assert_eq!(bits(&blocking.unwrap()), bits(&expected_small));
            });
        });
    }
}

#[test]
fn release_buffers_beside_a_pending_async_call_returns_and_the_call_completes() {
    let Some(sigmoid) = own_instance() else {
        return;
    };
    let big = test_data(16 << 20, 3);
    let expected = sigmoid.forward(&big).unwrap();
    let sigmoid = std::sync::Arc::new(sigmoid);
    for (name, runtime) in runtimes() {
        let (s, big, expected) = (sigmoid.clone(), big.clone(), expected.clone());
        bounded(name, move || {
            runtime.block_on(async {
                let (pending, ()) = tokio::join!(s.forward_async(&big), async {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    s.release_buffers();
                });
                assert_eq!(bits(&pending.unwrap()), bits(&expected));
            });
            // The released buffers are made again by the next call.
            assert_eq!(bits(&s.forward(&big).unwrap()), bits(&expected));
        });
    }
}
