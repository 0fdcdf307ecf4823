//! Side-by-side timings behind `wgpu-sigmoid bench`: the sigmoid kernel against a
//! copy-only kernel with the same bindings and dispatch (the adapter's ceiling for an
//! elementwise pass), and end-to-end calls, interleaved in one run so that machine
//! noise hits all of them alike.

use std::time::{Duration, Instant};

use crate::kernel::Pass;
use crate::{Error, Sigmoid, buffers};

/// Median of each measurement, in the order they were taken.
#[derive(Clone, Debug, PartialEq)]
pub struct Timings {
    /// Elements per run.
    pub elements: u64,
    /// Runs of each measurement.
    pub iterations: usize,
    /// (name, median) for each measurement.
    pub medians: Vec<(&'static str, Duration)>,
}

impl Timings {
    /// The median of the named measurement.
    #[must_use]
    pub fn median(&self, name: &str) -> Option<Duration> {
        self.medians
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, d)| *d)
    }
}

impl std::fmt::Display for Timings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let copy = self.median(COPY_KERNEL);
        writeln!(
            f,
            "| measurement ({} elements, median of {}) | time | Melem/s | GB/s (read+write) | speed vs copy kernel |",
            self.elements, self.iterations
        )?;
        writeln!(f, "|---|---:|---:|---:|---:|")?;
        for (name, median) in &self.medians {
            let seconds = median.as_secs_f64();
            let rate = self.elements as f64 / seconds;
            let ratio = copy.map_or(f64::NAN, |c| c.as_secs_f64() / seconds);
            writeln!(
                f,
                "| {name} | {:.3} ms | {:.0} | {:.2} | {ratio:.3}× |",
                seconds * 1e3,
                rate / 1e6,
                rate * 8.0 / 1e9,
            )?;
        }
        Ok(())
    }
}

/// Name of the sigmoid kernel measurement.
pub const SIGMOID_KERNEL: &str = "sigmoid kernel (submit + wait)";
/// Name of the copy-only kernel measurement.
pub const COPY_KERNEL: &str = "copy-only kernel (submit + wait)";
/// Name of the end-to-end measurement.
pub const FORWARD_INTO: &str = "forward_into (upload + kernel + readback)";
/// Name of the CPU reference measurement.
pub const CPU_REFERENCE: &str = "CPU reference (1 thread, f64)";

/// Times the sigmoid kernel, the copy-only kernel, `forward_into` and the CPU
/// reference on `elements` elements, `iterations` times each, interleaved.
pub fn run(sigmoid: &Sigmoid, elements: u64, iterations: usize) -> Result<Timings, Error> {
    let device = sigmoid.device();
    let host: Vec<f32> = (0..elements)
        .map(|i| (i % 4001) as f32 * 0.05 - 100.0)
        .collect();
    let mut out = vec![0.0f32; host.len()];

    let padded_bytes = elements.div_ceil(4).max(1) * 16;
    let buffer = |label, usage| {
        device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: padded_bytes,
            usage,
            mapped_at_creation: false,
        })
    };
    let input = buffer(
        "wgpu-sigmoid.bench.input",
        wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
    );
    let output = buffer("wgpu-sigmoid.bench.output", wgpu::BufferUsages::STORAGE);
    sigmoid
        .queue()
        .write_buffer(&input, 0, bytemuck::cast_slice(&host));

    let time_pass = |pass: Pass| -> Result<Duration, Error> {
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("wgpu-sigmoid.bench"),
        });
        sigmoid.record_chunked(&mut encoder, pass, &input, &output, elements);
        let start = Instant::now();
        let submission = sigmoid.queue().submit([encoder.finish()]);
        buffers::wait(device, submission, Duration::from_secs(600))?;
        Ok(start.elapsed())
    };
    let mut samples: [Vec<Duration>; 4] = Default::default();
    // One untimed round first: pipeline warm-up and first-touch page faults.
    time_pass(Pass::Sigmoid)?;
    time_pass(Pass::Copy)?;
    sigmoid.forward_into(&host, &mut out)?;
    for _ in 0..iterations.max(1) {
        samples[0].push(time_pass(Pass::Sigmoid)?);
        samples[1].push(time_pass(Pass::Copy)?);
        let start = Instant::now();
        sigmoid.forward_into(&host, &mut out)?;
        samples[2].push(start.elapsed());
        let start = Instant::now();
        for (y, &x) in out.iter_mut().zip(&host) {
            *y = crate::cpu::sigmoid(x);
        }
        samples[3].push(start.elapsed());
    }
    let names = [SIGMOID_KERNEL, COPY_KERNEL, FORWARD_INTO, CPU_REFERENCE];
    Ok(Timings {
        elements,
        iterations: iterations.max(1),
        medians: names
            .into_iter()
            .zip(samples)
            .map(|(name, s)| (name, median(s)))
            .collect(),
    })
}

/// Median of the samples (the lower middle one for an even count).
#[must_use]
pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples
        .get(samples.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or_default()
}
