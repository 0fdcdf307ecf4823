//! Side-by-side timings behind `wgpu-sigmoid bench` and the criterion benches: the
//! sigmoid kernel against a copy-only kernel with the same bindings and dispatch (the
//! adapter's ceiling for an elementwise pass), `copy_buffer_to_buffer`, the end-to-end
//! calls, a host `memcpy` and the CPU reference, interleaved in one run so that machine
//! noise hits all of them alike.

use std::time::{Duration, Instant};

use serde::Serialize;

use wgpu_sigmoid::half::{bf16, f16};
use wgpu_sigmoid::{Element, Error, GpuTensor, Sigmoid};

use crate::copy::CopyKernel;

/// One thing the benchmark times. The variants' comments are `bench --help`'s text for
/// `--rows`, so they are plain words, without rustdoc links or code spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
pub enum Measurement {
    /// The sigmoid kernel on device-resident buffers.
    SigmoidKernel,
    /// y = x with the sigmoid kernel's bindings, workgroup size and dispatch.
    CopyKernel,
    /// copy_buffer_to_buffer of the same bytes.
    CopyBuffer,
    /// Sigmoid::forward: host slice in, new Vec out.
    Forward,
    /// Sigmoid::forward_into: host slice in, caller's slice out.
    ForwardInto,
    /// Sigmoid::forward_into_async, driven by pollster: the async path's cost.
    ForwardIntoAsync,
    /// Host memcpy of the same bytes (copy_from_slice).
    HostMemcpy,
    /// The CPU reference (wgpu_sigmoid::cpu::sigmoid) on one thread.
    CpuReference,
    /// The f16 kernel on device-resident buffers.
    KernelF16,
    /// The bf16 kernel on device-resident buffers.
    KernelBf16,
    /// Sigmoid::forward_into on f16.
    ForwardIntoF16,
    /// Sigmoid::forward_into on bf16.
    ForwardIntoBf16,
}

impl Measurement {
    /// Every measurement, in the order the table lists them.
    pub const ALL: [Measurement; 12] = [
        Measurement::SigmoidKernel,
        Measurement::CopyKernel,
        Measurement::CopyBuffer,
        Measurement::Forward,
        Measurement::ForwardInto,
        Measurement::ForwardIntoAsync,
        Measurement::HostMemcpy,
        Measurement::CpuReference,
        Measurement::KernelF16,
        Measurement::KernelBf16,
        Measurement::ForwardIntoF16,
        Measurement::ForwardIntoBf16,
    ];

    /// `selected` with the sigmoid kernel and the copy kernel added (every ratio of the
    /// table is taken against them), in the table's order, each once.
    #[must_use]
    pub fn with_references(selected: &[Measurement]) -> Vec<Measurement> {
        Measurement::ALL
            .into_iter()
            .filter(|m| {
                matches!(m, Measurement::SigmoidKernel | Measurement::CopyKernel)
                    || selected.contains(m)
            })
            .collect()
    }

    /// Bytes each element moves (read plus written).
    #[must_use]
    pub fn bytes_per_element(self) -> u64 {
        match self {
            Measurement::KernelF16
            | Measurement::KernelBf16
            | Measurement::ForwardIntoF16
            | Measurement::ForwardIntoBf16 => 4,
            _ => 8,
        }
    }

    /// The row's name in the table.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Measurement::SigmoidKernel => "sigmoid kernel",
            Measurement::CopyKernel => "copy-only kernel",
            Measurement::CopyBuffer => "copy_buffer_to_buffer",
            Measurement::Forward => "forward (end to end, new Vec)",
            Measurement::ForwardInto => "forward_into (end to end)",
            Measurement::ForwardIntoAsync => "forward_into_async (end to end)",
            Measurement::HostMemcpy => "host memcpy",
            Measurement::CpuReference => "CPU reference (1 thread)",
            Measurement::KernelF16 => "f16 kernel",
            Measurement::KernelBf16 => "bf16 kernel",
            Measurement::ForwardIntoF16 => "forward_into f16 (end to end)",
            Measurement::ForwardIntoBf16 => "forward_into bf16 (end to end)",
        }
    }
}

/// How a measurement was timed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Timing {
    /// GPU timestamp queries around the work: no submission or wake-up overhead.
    GpuTimestamps,
    /// Host clock from submit to the end of the wait.
    SubmitWait,
    /// Host clock around a host call.
    HostClock,
}

impl std::fmt::Display for Timing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Timing::GpuTimestamps => "GPU timestamps",
            Timing::SubmitWait => "submit + wait",
            Timing::HostClock => "host clock",
        })
    }
}

/// Device buffers, host data and timestamp queries for timing each [`Measurement`]
/// on `elements` elements.
#[derive(Debug)]
pub struct Harness<'s> {
    sigmoid: &'s Sigmoid,
    elements: u64,
    host: Vec<f32>,
    out: Vec<f32>,
    host_f16: Vec<f16>,
    out_f16: Vec<f16>,
    host_bf16: Vec<bf16>,
    out_bf16: Vec<bf16>,
    input: wgpu::Buffer,
    output: wgpu::Buffer,
    copy: CopyKernel,
    timestamps: Option<Timestamps>,
}

impl<'s> Harness<'s> {
    /// Allocates and fills the buffers, and runs each of `measurements` once untimed
    /// (pipeline warm-up, first-touch page faults, growing the transfer slots).
    pub fn new(
        sigmoid: &'s Sigmoid,
        elements: u64,
        measurements: &[Measurement],
    ) -> Result<Harness<'s>, Error> {
        let device = sigmoid.device();
        let host: Vec<f32> = (0..elements)
            .map(|i| (i % 4001) as f32 * 0.05 - 100.0)
            .collect();
        let padded_bytes = elements.div_ceil(4).max(1) * 16;
        let buffer = |label, usage| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: padded_bytes,
                usage,
                mapped_at_creation: false,
            })
        };
        use wgpu::BufferUsages as U;
        let input = buffer(
            "wgpu-sigmoid.bench.input",
            U::STORAGE | U::COPY_DST | U::COPY_SRC,
        );
        let output = buffer(
            "wgpu-sigmoid.bench.output",
            U::STORAGE | U::COPY_DST | U::COPY_SRC,
        );
        sigmoid
            .queue()
            .write_buffer(&input, 0, bytemuck::cast_slice(&host));
        let host_f16: Vec<f16> = host.iter().map(|&x| f16::from_f32(x)).collect();
        let host_bf16: Vec<bf16> = host.iter().map(|&x| bf16::from_f32(x)).collect();
        let mut harness = Harness {
            out: vec![0.0; host.len()],
            out_f16: vec![f16::ZERO; host.len()],
            out_bf16: vec![bf16::ZERO; host.len()],
            copy: CopyKernel::new(sigmoid),
            host_f16,
            host_bf16,
            host,
            elements,
            input,
            output,
            timestamps: Timestamps::new(device),
            sigmoid,
        };
        for &measurement in measurements {
            harness.time(measurement)?;
        }
        Ok(harness)
    }

    /// Times one run of `measurement`.
    pub fn time(&mut self, measurement: Measurement) -> Result<(Duration, Timing), Error> {
        let host_clock = |f: &mut dyn FnMut() -> Result<(), Error>| {
            let start = Instant::now();
            f()?;
            Ok((start.elapsed(), Timing::HostClock))
        };
        match measurement {
            Measurement::SigmoidKernel => self.time_kernel::<f32>(),
            Measurement::CopyKernel => self.time_gpu(|encoder| {
                self.copy.record(
                    self.sigmoid,
                    encoder,
                    (&self.input, &self.output),
                    self.elements,
                );
                Ok(())
            }),
            Measurement::KernelF16 => self.time_kernel::<f16>(),
            Measurement::KernelBf16 => self.time_kernel::<bf16>(),
            Measurement::ForwardIntoF16 => {
                host_clock(&mut || self.sigmoid.forward_into(&self.host_f16, &mut self.out_f16))
            }
            Measurement::ForwardIntoBf16 => host_clock(&mut || {
                self.sigmoid
                    .forward_into(&self.host_bf16, &mut self.out_bf16)
            }),
            Measurement::CopyBuffer => self.time_copy_buffer(),
            Measurement::Forward => host_clock(&mut || {
                std::hint::black_box(self.sigmoid.forward(&self.host)?);
                Ok(())
            }),
            Measurement::ForwardInto => {
                host_clock(&mut || self.sigmoid.forward_into(&self.host, &mut self.out))
            }
            Measurement::ForwardIntoAsync => host_clock(&mut || {
                pollster::block_on(self.sigmoid.forward_into_async(&self.host, &mut self.out))
            }),
            Measurement::HostMemcpy => host_clock(&mut || {
                self.out.copy_from_slice(std::hint::black_box(&self.host));
                Ok(())
            }),
            Measurement::CpuReference => host_clock(&mut || {
                for (y, &x) in self.out.iter_mut().zip(&self.host) {
                    *y = wgpu_sigmoid::cpu::sigmoid(std::hint::black_box(x));
                }
                Ok(())
            }),
        }
    }

    /// The sigmoid kernel on `T`, over the benchmark's device buffers (viewed as `T`).
    fn time_kernel<T: Element>(&self) -> Result<(Duration, Timing), Error> {
        let input = GpuTensor::<T>::view(self.sigmoid, &self.input, 0, self.elements)?;
        let output = GpuTensor::<T>::view(self.sigmoid, &self.output, 0, self.elements)?;
        self.time_gpu(|encoder| {
            self.sigmoid
                .recorder()
                .encode_forward(encoder, &input, &output)
        })
    }

    fn time_copy_buffer(&self) -> Result<(Duration, Timing), Error> {
        self.time_gpu(|encoder| {
            encoder.copy_buffer_to_buffer(&self.input, 0, &self.output, 0, self.elements * 4);
            Ok(())
        })
    }

    /// Records with `record` between two timestamps (where the device can write them
    /// inside encoders), submits and waits; the time is the timestamps' difference, or
    /// else the host's submit-to-done time.
    fn time_gpu(
        &self,
        record: impl FnOnce(&mut wgpu::CommandEncoder) -> Result<(), Error>,
    ) -> Result<(Duration, Timing), Error> {
        let device = self.sigmoid.device();
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("wgpu-sigmoid.bench"),
        });
        let timestamps = self.timestamps.as_ref();
        if let Some(t) = timestamps {
            t.start(&mut encoder);
        }
        record(&mut encoder)?;
        if let Some(t) = timestamps {
            t.end(&mut encoder);
        }
        let start = Instant::now();
        let submission = self.sigmoid.queue().submit([encoder.finish()]);
        wgpu_sigmoid::test_support::wait(self.sigmoid, submission)?;
        let host = start.elapsed();
        match timestamps {
            Some(t) => Ok((t.read(self.sigmoid)?, Timing::GpuTimestamps)),
            None => Ok((host, Timing::SubmitWait)),
        }
    }
}

/// Two timestamp queries written into an encoder around the work they time, and the
/// buffer they are resolved into, read back as a tensor by the library's own download
/// (also used by the `kernel_ablation` example).
#[derive(Debug)]
pub struct Timestamps {
    set: wgpu::QuerySet,
    resolved: wgpu::Buffer,
}

impl Timestamps {
    /// `None` where the device cannot write timestamps inside encoders.
    #[must_use]
    pub fn new(device: &wgpu::Device) -> Option<Timestamps> {
        if !device
            .features()
            .contains(wgpu_sigmoid::adapter::TIMER_FEATURES)
        {
            return None;
        }
        Some(Timestamps {
            set: device.create_query_set(&wgpu::QuerySetDescriptor {
                label: Some("wgpu-sigmoid.bench.timestamps"),
                ty: wgpu::QueryType::Timestamp,
                count: 2,
            }),
            // Viewed as a tensor of 4 `u32`s (hence STORAGE) to be downloaded.
            resolved: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("wgpu-sigmoid.bench.timestamps.resolved"),
                size: 16,
                usage: wgpu::BufferUsages::QUERY_RESOLVE
                    | wgpu::BufferUsages::COPY_SRC
                    | wgpu::BufferUsages::STORAGE,
                mapped_at_creation: false,
            }),
        })
    }

    /// Writes the first timestamp: the work recorded after it is timed.
    pub fn start(&self, encoder: &mut wgpu::CommandEncoder) {
        encoder.write_timestamp(&self.set, 0);
    }

    /// Writes the second timestamp and resolves both where [`Timestamps::read`] finds
    /// them.
    pub fn end(&self, encoder: &mut wgpu::CommandEncoder) {
        encoder.write_timestamp(&self.set, 1);
        encoder.resolve_query_set(&self.set, 0..2, &self.resolved, 0);
    }

    /// The time between the two timestamps of a submission of `sigmoid`'s queue
    /// (waited for by the download that reads them).
    pub fn read(&self, sigmoid: &Sigmoid) -> Result<Duration, Error> {
        // Four words read as f32s: a byte copy, so their bits are the counters' own.
        let words = sigmoid.download(&GpuTensor::<f32>::view(sigmoid, &self.resolved, 0, 4)?)?;
        let word = |i: usize| u64::from(words[i].to_bits());
        let stamp = |i: usize| word(2 * i) | word(2 * i + 1) << 32;
        let ticks = stamp(1).saturating_sub(stamp(0));
        let nanoseconds = ticks as f64 * f64::from(sigmoid.queue().get_timestamp_period());
        Ok(Duration::from_secs_f64(nanoseconds * 1e-9))
    }
}

/// One row of the table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// What was timed.
    pub measurement: Measurement,
    /// The row's name.
    pub name: &'static str,
    /// How it was timed.
    pub timing: Timing,
    /// Median time, milliseconds.
    pub median_ms: f64,
    /// Elements per second, millions.
    pub melem_per_s: f64,
    /// Bytes read plus bytes written per second, 10⁹.
    pub gb_per_s: f64,
    /// Copy-only kernel time / this time: 1 is the adapter's elementwise ceiling.
    pub speed_vs_copy_kernel: f64,
    /// Sigmoid kernel time / this time.
    pub speed_vs_sigmoid_kernel: f64,
}

/// The medians of one benchmark run on one adapter.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// Adapter name.
    pub adapter: String,
    /// Backend (Vulkan, Gl, …).
    pub backend: String,
    /// Device type (Cpu, DiscreteGpu, …).
    pub device_type: String,
    /// Driver name and version.
    pub driver: String,
    /// How `forward` and `forward_into` moved data.
    pub transfer_path: String,
    /// Elements per piece of `forward` and `forward_into`.
    pub chunk_elements: u64,
    /// Pieces in flight at once.
    pub pieces_in_flight: usize,
    /// Invocations per workgroup of the kernels.
    pub workgroup_size: u32,
    /// `vec4`s per invocation of the `f32` kernel and the copy kernel.
    pub vec4_per_invocation: u32,
    /// Elements per run.
    pub elements: u64,
    /// Runs of each measurement.
    pub iterations: usize,
    /// One row per measurement.
    pub rows: Vec<Row>,
}

impl Report {
    /// The row of `measurement`.
    #[must_use]
    pub fn row(&self, measurement: Measurement) -> Option<&Row> {
        self.rows.iter().find(|r| r.measurement == measurement)
    }

    /// The report as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        // Every field is a plain number, string or enum: serialisation cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "adapter: {} ({}, {}), driver {}",
            self.adapter, self.backend, self.device_type, self.driver
        )?;
        writeln!(
            f,
            "transfer path: {}, pieces of {} elements, {} in flight; dispatch: workgroups of {}, {} vec4 per invocation (f32 kernel and copy kernel)",
            self.transfer_path,
            self.chunk_elements,
            self.pieces_in_flight,
            self.workgroup_size,
            self.vec4_per_invocation
        )?;
        writeln!(
            f,
            "| {} elements, median of {} | timing | time | Melem/s | GB/s | vs copy kernel | vs sigmoid kernel |",
            self.elements, self.iterations
        )?;
        writeln!(f, "|---|---|---:|---:|---:|---:|---:|")?;
        for row in &self.rows {
            writeln!(
                f,
                "| {} | {} | {:.3} ms | {:.0} | {:.2} | {:.3}× | {:.3}× |",
                row.name,
                row.timing,
                row.median_ms,
                row.melem_per_s,
                row.gb_per_s,
                row.speed_vs_copy_kernel,
                row.speed_vs_sigmoid_kernel,
            )?;
        }
        Ok(())
    }
}

/// Times every [`Measurement`] on `elements` elements, `iterations` times each,
/// interleaved (one of each, then again), and reports the medians.
pub fn run(sigmoid: &Sigmoid, elements: u64, iterations: usize) -> Result<Report, Error> {
    run_with_progress(sigmoid, elements, iterations, &Measurement::ALL, &mut || {})
}

/// [`run`] on `selected` and the two reference rows (the sigmoid kernel and the copy
/// kernel: see [`Measurement::with_references`]), calling `round_done` after each round.
pub fn run_with_progress(
    sigmoid: &Sigmoid,
    elements: u64,
    iterations: usize,
    selected: &[Measurement],
    round_done: &mut dyn FnMut(),
) -> Result<Report, Error> {
    let iterations = iterations.max(1);
    let measurements = Measurement::with_references(selected);
    let mut harness = Harness::new(sigmoid, elements, &measurements)?;
    let mut samples = vec![Vec::with_capacity(iterations); measurements.len()];
    let mut timings = vec![Timing::HostClock; measurements.len()];
    for _ in 0..iterations {
        for (i, &measurement) in measurements.iter().enumerate() {
            let (time, timing) = harness.time(measurement)?;
            samples[i].push(time);
            timings[i] = timing;
        }
        round_done();
    }
    let medians: Vec<f64> = samples
        .into_iter()
        .map(|s| median(s).as_secs_f64())
        .collect();
    // `with_references` puts the sigmoid kernel first and the copy kernel second.
    let kernel = medians[0];
    let copy = medians[1];
    let config = sigmoid.config();
    let info = &config.adapter;
    let shape = config.dispatch_shape;
    Ok(Report {
        adapter: info.name.clone(),
        backend: format!("{:?}", info.backend),
        device_type: format!("{:?}", info.device_type),
        driver: format!("{} {}", info.driver, info.driver_info),
        transfer_path: config.transfer.to_string(),
        chunk_elements: config.max_chunk_elements,
        pieces_in_flight: config.pieces_in_flight,
        workgroup_size: shape.workgroup_size,
        vec4_per_invocation: shape.vec4_per_invocation,
        elements,
        iterations,
        rows: measurements
            .into_iter()
            .zip(timings)
            .zip(medians)
            .map(|((measurement, timing), seconds)| Row {
                measurement,
                name: measurement.name(),
                timing,
                median_ms: seconds * 1e3,
                melem_per_s: elements as f64 / seconds / 1e6,
                gb_per_s: (elements * measurement.bytes_per_element()) as f64 / seconds / 1e9,
                speed_vs_copy_kernel: copy / seconds,
                speed_vs_sigmoid_kernel: kernel / seconds,
            })
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
