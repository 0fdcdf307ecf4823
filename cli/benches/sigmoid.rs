//! Criterion benchmarks: the kernel alone (and the copy-only kernel beside it) and the
//! end-to-end calls, at 1 Ki, 1 Mi, 16 Mi and 64 Mi elements.
//!
//! `cargo bench` runs them on the default adapter (`WGPU_BACKEND`, `WGPU_ADAPTER_NAME`
//! choose another). Kernel times come from GPU timestamp queries where the adapter has
//! them, else from submit + wait. For one table with every measurement side by side,
//! use `wgpu-sigmoid bench` instead.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use wgpu_sigmoid::Sigmoid;
use wgpu_sigmoid_cli::bench::{Harness, Measurement};

const SIZES: [(u64, &str); 4] = [
    (1 << 10, "1Ki"),
    (1 << 20, "1Mi"),
    (16 << 20, "16Mi"),
    (64 << 20, "64Mi"),
];

fn group(c: &mut Criterion, sigmoid: &Sigmoid, name: &str, measurements: &[Measurement]) {
    let mut group = c.benchmark_group(name);
    for (elements, label) in SIZES {
        let mut harness = Harness::new(sigmoid, elements, measurements).expect("benchmark buffers");
        group.throughput(Throughput::Elements(elements));
        if elements >= 16 << 20 {
            // Software adapters take a second per run at this size.
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(10));
        }
        for &measurement in measurements {
            group.bench_function(BenchmarkId::new(measurement.name(), label), |b| {
                b.iter_custom(|iterations| {
                    (0..iterations)
                        .map(|_| harness.time(measurement).expect("benchmark run").0)
                        .sum()
                });
            });
        }
    }
    group.finish();
}

fn benches(c: &mut Criterion) {
    let sigmoid = Sigmoid::new().expect("a GPU adapter (or Mesa's lavapipe)");
    eprintln!(
        "adapter: {} ({:?}); transfer path: {}",
        sigmoid.config().adapter.name,
        sigmoid.config().adapter.backend,
        sigmoid.config().transfer
    );
    group(
        c,
        &sigmoid,
        "kernel",
        &[Measurement::SigmoidKernel, Measurement::CopyKernel],
    );
    group(
        c,
        &sigmoid,
        "end_to_end",
        &[Measurement::Forward, Measurement::ForwardInto],
    );
}

criterion_group!(sigmoid_benches, benches);
criterion_main!(sigmoid_benches);
