//! `wgpu-sigmoid`: apply, verify and benchmark the GPU sigmoid from the command line.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod apply;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};
use wgpu_sigmoid::{AdapterOptions, Options, Sigmoid, TransferPath, adapter, bench, npy, verify};

/// Sigmoid on any GPU wgpu reaches, faithfully rounded.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    /// Backend to use; `auto` tries all. Default: `WGPU_BACKEND`, else all.
    #[arg(long, global = true, value_enum)]
    backend: Option<Backend>,
    /// Use the first adapter whose name contains NAME (case-insensitive).
    /// Default: `WGPU_ADAPTER_NAME`.
    #[arg(long, global = true, value_name = "NAME")]
    adapter: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Apply sigmoid to a little-endian float32 or float16 .npy file (any shape, C
    /// order), streamed in bounded memory.
    Apply {
        /// Input .npy file, or `-` for stdin.
        input: PathBuf,
        /// Output .npy file (same shape and dtype), written to a temporary file and
        /// renamed into place; or `-` for stdout.
        output: PathBuf,
        /// No progress bar and no summary line.
        #[arg(long, short)]
        quiet: bool,
        /// Elements per block (and per GPU piece); memory use scales with it.
        #[arg(long, default_value_t = Options::default().max_chunk_elements)]
        chunk_elements: u64,
        /// The input is bfloat16 bits stored as uint16 ('<u2', e.g. `x.view(np.uint16)`;
        /// numpy has no bfloat16 dtype); the output is written the same way.
        #[arg(long)]
        bf16: bool,
    },
    /// List every adapter with its backend, type, driver and the limits that matter.
    Info,
    /// Compare GPU results with the correctly rounded reference over f32 bit patterns.
    Verify {
        /// Check every N-th bit pattern (1 = all 2^32).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        stride: u32,
        /// Largest error in ULP that the contract allows.
        #[arg(long, default_value_t = 2)]
        max_ulp: u32,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Time, side by side in one run: the kernel, a copy-only kernel (the adapter's
    /// ceiling), copy_buffer_to_buffer, forward and forward_into end to end, host memcpy
    /// and the CPU reference.
    Bench {
        /// Elements per run.
        #[arg(long, default_value_t = 64 << 20)]
        elements: u64,
        /// Runs of each measurement; medians are reported.
        #[arg(long, default_value_t = 15)]
        iterations: usize,
        /// Print the report as JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
        /// Transfer path of forward/forward_into (default: the adapter's preferred one).
        #[arg(long, value_enum)]
        transfer: Option<Transfer>,
        /// Pieces in flight in forward/forward_into.
        #[arg(long, default_value_t = Options::default().pieces_in_flight)]
        pieces_in_flight: usize,
        /// Elements per piece of forward/forward_into.
        #[arg(long, default_value_t = Options::default().max_chunk_elements)]
        chunk_elements: u64,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Transfer {
    Mapped,
    Staged,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Backend {
    Vulkan,
    Gl,
    Metal,
    Dx12,
    Auto,
}

impl Backend {
    fn backends(self) -> wgpu::Backends {
        match self {
            Backend::Vulkan => wgpu::Backends::VULKAN,
            Backend::Gl => wgpu::Backends::GL,
            Backend::Metal => wgpu::Backends::METAL,
            Backend::Dx12 => wgpu::Backends::DX12,
            Backend::Auto => wgpu::Backends::all(),
        }
    }
}

/// Why the command failed; printed as one line.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error("{0}")]
    Gpu(#[from] wgpu_sigmoid::Error),
    #[error("{path}: {source}")]
    Npy {
        path: PathBuf,
        source: npy::NpyError,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("input and output are the same file ({0}); write to another path")]
    SamePath(PathBuf),
    #[error("cannot create the output in directory {path}: {source}")]
    OutputDirectory {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Internal(String),
    #[error(
        "accuracy contract broken: max error {max_ulp} ULP (allowed {allowed}), or NaN/special-value failures (see the table)"
    )]
    ContractBroken { max_ulp: u32, allowed: u32 },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    let mut adapter_options = AdapterOptions::from_env();
    if let Some(backend) = cli.backend {
        adapter_options.backends = Some(backend.backends());
    }
    if let Some(name) = cli.adapter {
        adapter_options.adapter_name = Some(name);
    }
    let open_with = |options: Options| -> Result<Sigmoid, CliError> {
        Ok(pollster::block_on(Sigmoid::with_adapter(
            &adapter_options,
            options,
        ))?)
    };
    let open = || open_with(Options::default());
    match cli.command {
        Command::Apply {
            input,
            output,
            quiet,
            chunk_elements,
            bf16,
        } => apply::apply(
            || {
                open_with(Options {
                    max_chunk_elements: chunk_elements,
                    ..Options::default()
                })
            },
            &input,
            &output,
            quiet,
            bf16,
        ),
        Command::Info => {
            info(adapter_options.backends.unwrap_or(wgpu::Backends::all()));
            Ok(())
        }
        Command::Verify {
            stride,
            max_ulp,
            quiet,
        } => run_verify(&open()?, stride, max_ulp, quiet),
        Command::Bench {
            elements,
            iterations,
            json,
            quiet,
            transfer,
            pieces_in_flight,
            chunk_elements,
        } => {
            let options = Options {
                transfer: transfer.map(|t| match t {
                    Transfer::Mapped => TransferPath::Mapped,
                    Transfer::Staged => TransferPath::Staged,
                }),
                pieces_in_flight,
                max_chunk_elements: chunk_elements,
                ..Options::default()
            };
            let sigmoid = open_with(options)?;
            let bar = progress::bar(iterations.max(1) as u64, false, quiet);
            let report = bench::run_with_progress(&sigmoid, elements, iterations, &mut || {
                bar.inc(1);
            })?;
            bar.finish_and_clear();
            if json {
                println!("{}", report.to_json());
            } else {
                print!("{report}");
            }
            Ok(())
        }
    }
}

fn info(backends: wgpu::Backends) {
    let adapters = pollster::block_on(adapter::enumerate(backends));
    if adapters.is_empty() {
        println!("no adapters found for {backends:?}");
    }
    for adapter in adapters {
        let info = adapter.get_info();
        let limits = adapter.limits();
        let features = adapter.features();
        println!("{}", describe(&info));
        println!(
            "  driver:                              {} {}",
            info.driver, info.driver_info
        );
        println!(
            "  max_storage_buffer_binding_size:     {}",
            limits.max_storage_buffer_binding_size
        );
        println!(
            "  max_buffer_size:                     {}",
            limits.max_buffer_size
        );
        println!(
            "  max_compute_workgroups_per_dimension: {}",
            limits.max_compute_workgroups_per_dimension
        );
        println!(
            "  max_compute_invocations_per_workgroup: {}",
            limits.max_compute_invocations_per_workgroup
        );
        println!(
            "  min_storage_buffer_offset_alignment: {}",
            limits.min_storage_buffer_offset_alignment
        );
        println!(
            "  features: SHADER_F16={} TIMESTAMP_QUERY={} MAPPABLE_PRIMARY_BUFFERS={}",
            features.contains(wgpu::Features::SHADER_F16),
            features.contains(wgpu::Features::TIMESTAMP_QUERY),
            features.contains(wgpu::Features::MAPPABLE_PRIMARY_BUFFERS),
        );
    }
}

fn describe(info: &wgpu::AdapterInfo) -> String {
    format!("{} ({:?}, {:?})", info.name, info.backend, info.device_type)
}

fn run_verify(sigmoid: &Sigmoid, stride: u32, max_ulp: u32, quiet: bool) -> Result<(), CliError> {
    let sweep = verify::Sweep::new(stride);
    let total = sweep.len();
    let started = Instant::now();
    let patterns = if stride == 1 {
        "all 2^32 f32 bit patterns".to_string()
    } else {
        format!("every {stride}-th f32 bit pattern")
    };
    println!(
        "adapter: {}\ninputs: {total} ({patterns}, plus ±0, ±inf, NaNs, ±min subnormal)",
        describe(sigmoid.adapter_info())
    );
    let bar = progress::bar(total, false, quiet);
    // Several pieces per call, so that transfers overlap the kernel.
    let report = sweep.run(
        16 << 20,
        |inputs, outputs| sigmoid.forward_into(inputs, outputs),
        |done| bar.set_position(done),
    )?;
    bar.finish_and_clear();
    println!("{report}");
    let worst = report.total().max_ulp;
    let met = report.meets(max_ulp);
    println!(
        "contract (≤ {max_ulp} ULP, NaN/±inf/±0 exact): {} in {:.1} s{}",
        if met { "MET" } else { "BROKEN" },
        started.elapsed().as_secs_f64(),
        progress::peak_rss_note()
    );
    if met {
        Ok(())
    } else {
        Err(CliError::ContractBroken {
            max_ulp: worst,
            allowed: max_ulp,
        })
    }
}
