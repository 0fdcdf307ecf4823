//! `wgpu-sigmoid`: apply, verify and benchmark the GPU sigmoid from the command line.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod apply;
mod destination;
mod interrupt;
mod progress;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use wgpu_sigmoid::{Options, Sigmoid, SigmoidBuilder, TransferPath, adapter};
use wgpu_sigmoid_cli::{bench, npy, verify};

/// Sigmoid on any GPU wgpu reaches, faithfully rounded.
#[derive(Parser, Debug)]
#[command(name = "wgpu-sigmoid", version, about)]
struct Cli {
    /// Backends to use, comma-separated (vulkan, gl, metal, dx12); `auto` tries all.
    /// Default: `WGPU_BACKEND`, else all.
    #[arg(long, global = true, value_name = "BACKENDS", value_parser = backends_flag)]
    backend: Option<wgpu::Backends>,
    /// Use the first adapter whose name contains NAME (case-insensitive).
    /// Default: `WGPU_ADAPTER_NAME`.
    #[arg(long, global = true, value_name = "NAME")]
    adapter: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Apply sigmoid to a little-endian float32, float16 or bfloat16 .npy file (any
    /// shape, C or Fortran order), streamed in bounded memory.
    Apply {
        /// Input .npy file, or `-` for stdin.
        input: PathBuf,
        /// Output .npy file (same shape, order and dtype), written to a temporary file
        /// and renamed into place; or `-` for stdout (not a terminal).
        output: PathBuf,
        /// No progress bar and no summary line.
        #[arg(long, short)]
        quiet: bool,
        /// Elements per block (and per GPU piece); memory use scales with it.
        #[arg(long, default_value_t = Options::default().max_chunk_elements,
              value_parser = at_least_one::<u64>)]
        chunk_elements: u64,
        /// The input is bfloat16 bits stored as uint16 ('<u2', e.g. `x.view(np.uint16)`;
        /// numpy has no bfloat16 dtype); the output is written the same way.
        #[arg(long)]
        bf16: bool,
    },
    /// List the adapters (those `--backend`/`--adapter` select) with their backend,
    /// type, driver and the limits that matter.
    Info,
    /// Compare GPU results with the correctly rounded reference over f32 bit patterns.
    Verify {
        /// Check every N-th bit pattern (1 = all 2^32).
        #[arg(long, default_value_t = 1, value_parser = at_least_one::<u32>)]
        stride: u32,
        /// Largest error in ULP that the contract allows (the crate promises 1).
        #[arg(long, default_value_t = 1)]
        max_ulp: u32,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Time, side by side in one run: the kernel, a copy-only kernel (the adapter's
    /// ceiling), copy_buffer_to_buffer, forward and forward_into end to end, host memcpy
    /// and the CPU reference.
    Bench(BenchArgs),
}

/// `wgpu-sigmoid bench`'s flags.
#[derive(clap::Args, Debug)]
struct BenchArgs {
    /// Elements per run.
    #[arg(long, default_value_t = 64 << 20,
          value_parser = at_least_one::<u64>)]
    elements: u64,
    /// Runs of each measurement; medians are reported.
    #[arg(long, default_value_t = 15,
          value_parser = at_least_one::<u64>)]
    iterations: u64,
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
    #[arg(long, default_value_t = Options::default().pieces_in_flight as u64,
          value_parser = at_least_one::<u64>)]
    pieces_in_flight: u64,
    /// Elements per piece of forward/forward_into.
    #[arg(long, default_value_t = Options::default().max_chunk_elements,
          value_parser = at_least_one::<u64>)]
    chunk_elements: u64,
    /// Invocations per workgroup of the kernels and the copy kernel (default: the
    /// adapter's preferred shape's; clamped to the device).
    #[arg(long, value_parser = at_least_one::<u32>)]
    workgroup_size: Option<u32>,
    /// vec4s per invocation of the f32 kernel and the copy kernel, 1 to the shader's
    /// MAX_VEC4_PER_INVOCATION (default: the adapter's preferred shape's).
    #[arg(long, value_parser = clap::value_parser!(u32)
        .range(1..=i64::from(wgpu_sigmoid::MAX_VEC4_PER_INVOCATION)))]
    vec4_per_invocation: Option<u32>,
    /// Time only these rows (comma-separated), besides the sigmoid kernel and the
    /// copy-only kernel that every ratio needs. Default: every row.
    #[arg(long, value_enum, value_delimiter = ',')]
    rows: Vec<bench::Measurement>,
}

/// Parses a count that must be at least 1 (clap's own range check would print the
/// type's maximum as the upper bound).
fn at_least_one<T: std::str::FromStr + From<u8> + PartialOrd>(text: &str) -> Result<T, String> {
    match text.parse::<T>() {
        Ok(value) if value >= T::from(1) => Ok(value),
        Ok(_) => Err("at least 1 is needed".into()),
        Err(_) => Err("expected a whole number".into()),
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Transfer {
    Mapped,
    Staged,
    QueueWrite,
}

/// `--backend`: `auto`, or the names the library parses for `WGPU_BACKEND`.
fn backends_flag(text: &str) -> Result<wgpu::Backends, wgpu_sigmoid::Error> {
    if text.eq_ignore_ascii_case("auto") {
        return Ok(wgpu::Backends::all());
    }
    adapter::parse_backends(text, "--backend")
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
    /// A flag or argument that cannot work: exits 2 with clap's usage message.
    #[error("{message}")]
    Usage {
        /// The subcommand whose usage to show.
        command: &'static str,
        message: String,
    },
    #[error("{0}")]
    Internal(String),
    #[error("writing to stdout: {0}")]
    Stdout(#[from] std::io::Error),
    #[error(
        "stdout is closed, so the output would be lost: redirect it to a file or a pipe \
         (or give an output path)"
    )]
    StdoutClosed,
    #[error(
        "{0}: the reader closed the pipe before the whole .npy was written; the output is incomplete"
    )]
    OutputPipeClosed(PathBuf),
    #[error(
        "accuracy contract broken: max error {max_ulp} ULP (allowed {allowed}), or NaN/special-value failures (see the table)"
    )]
    ContractBroken { max_ulp: u32, allowed: u32 },
}

impl CliError {
    /// Whether the error is only that the reader of our stdout went away (`| head`):
    /// then the command ends quietly, as a pipeline expects.
    fn is_broken_pipe(&self) -> bool {
        let io = match self {
            CliError::Stdout(e) | CliError::Io { source: e, .. } => e,
            CliError::Npy {
                source: npy::NpyError::Io(e),
                ..
            } => e,
            _ => return false,
        };
        io.kind() == std::io::ErrorKind::BrokenPipe
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Before any file is opened: one opened now would take the closed descriptor 1.
    let result = if cli.command.writes_stdout() && !stdout_is_open() {
        Err(CliError::StdoutClosed)
    } else {
        run(cli)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(CliError::Usage { command, message }) => usage_error(command, &message),
        Err(e) => {
            // Nothing more can be done if stderr is closed too.
            let _ = writeln!(std::io::stderr(), "error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Exits 2 with `message` and `command`'s usage, as clap does for a bad flag: one rule
/// for every usage error, whether clap or the command found it.
fn usage_error(command: &str, message: &str) -> ! {
    let mut cli = Cli::command();
    cli.build();
    let kind = clap::error::ErrorKind::ValueValidation;
    let error = match cli.find_subcommand_mut(command) {
        Some(subcommand) => subcommand.error(kind, message),
        None => Cli::command().error(kind, message),
    };
    error.exit()
}

impl Command {
    /// Whether the command's output goes to stdout.
    fn writes_stdout(&self) -> bool {
        match self {
            Command::Apply { output, .. } => output.as_os_str() == "-",
            Command::Info | Command::Verify { .. } | Command::Bench { .. } => true,
        }
    }
}

/// Whether stdout was open when the process started. Rust's runtime opens `/dev/null`
/// read-write on a descriptor 0-2 found closed (`>&-`), so that the output would vanish
/// without an error; a shell's `>/dev/null` opens it write-only, so the two differ.
#[cfg(unix)]
fn stdout_is_open() -> bool {
    use std::os::fd::{AsFd, AsRawFd};
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let fd = std::io::stdout().as_raw_fd();
    // SAFETY: fcntl(2) with F_GETFL only reads the flags of a descriptor number; an
    // invalid one gives -1.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags == -1 {
        return false;
    }
    if flags & libc::O_ACCMODE != libc::O_RDWR {
        return true;
    }
    // Read-write: was it Rust's /dev/null? (`1<>/dev/null` is taken for closed too.)
    let stdout = std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .and_then(|fd| std::fs::File::from(fd).metadata());
    match (stdout, std::fs::metadata("/dev/null")) {
        (Ok(stdout), Ok(null)) => {
            !(stdout.file_type().is_char_device() && stdout.rdev() == null.rdev())
        }
        _ => true,
    }
}

#[cfg(not(unix))]
fn stdout_is_open() -> bool {
    true
}

/// Writes a line to stdout, returning the error (a closed pipe, say) instead of
/// panicking as `println!` does.
macro_rules! out {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*)
    };
}

fn run(cli: Cli) -> Result<(), CliError> {
    // `bench` times passes with GPU timestamps where the adapter has them; `info` says
    // whether it does.
    let mut builder = Sigmoid::builder().features(wgpu_sigmoid::adapter::TIMER_FEATURES);
    if let Some(backend) = cli.backend {
        builder = builder.backends(backend);
    }
    if let Some(name) = cli.adapter {
        builder = builder.adapter_name(name);
    }
    let open_with = |options: Options| -> Result<Sigmoid, CliError> {
        Ok(builder.clone().options(options).build()?)
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
                let mut options = Options::default();
                options.max_chunk_elements = chunk_elements;
                open_with(options)
            },
            &input,
            &output,
            quiet,
            bf16,
        ),
        Command::Info => info(&builder),
        Command::Verify {
            stride,
            max_ulp,
            quiet,
        } => run_verify(&open()?, stride, max_ulp, quiet),
        Command::Bench(args) => run_bench(&open_with, args),
    }
}

/// `wgpu-sigmoid bench`: opens an instance with the flags' options (twice where a
/// dispatch shape is half given: the other half is the adapter's preferred one) and
/// prints the report.
fn run_bench(
    open_with: &dyn Fn(Options) -> Result<Sigmoid, CliError>,
    args: BenchArgs,
) -> Result<(), CliError> {
    let mut options = Options::default();
    options.transfer = args.transfer.map(|t| match t {
        Transfer::Mapped => TransferPath::Mapped,
        Transfer::Staged => TransferPath::Staged,
        Transfer::QueueWrite => TransferPath::QueueWrite,
    });
    options.pieces_in_flight = usize::try_from(args.pieces_in_flight).unwrap_or(usize::MAX);
    options.max_chunk_elements = args.chunk_elements;
    let mut sigmoid = open_with(options.clone())?;
    if args.workgroup_size.is_some() || args.vec4_per_invocation.is_some() {
        let preferred = sigmoid.config().dispatch_shape;
        options.dispatch_shape = Some(wgpu_sigmoid::DispatchShape::new(
            args.workgroup_size.unwrap_or(preferred.workgroup_size),
            args.vec4_per_invocation
                .unwrap_or(preferred.vec4_per_invocation),
        ));
        drop(sigmoid);
        sigmoid = open_with(options)?;
    }
    let iterations = usize::try_from(args.iterations).unwrap_or(usize::MAX);
    let bar = progress::bar(iterations as u64, false, args.quiet);
    let rows = if args.rows.is_empty() {
        bench::Measurement::ALL.to_vec()
    } else {
        args.rows
    };
    let report = bench::run_with_progress(&sigmoid, args.elements, iterations, &rows, &mut || {
        bar.inc(1);
    })?;
    bar.finish_and_clear();
    if args.json {
        out!("{}", report.to_json())?;
    } else {
        write!(std::io::stdout().lock(), "{report}")?;
    }
    Ok(())
}

/// Prints the adapters the builder's choices select; an error names what exists when
/// none matches.
fn info(builder: &SigmoidBuilder) -> Result<(), CliError> {
    let adapters = pollster::block_on(adapter::matching(&builder.adapter_options()?))?;
    for adapter in adapters {
        let info = adapter.get_info();
        let limits = adapter.limits();
        let features = adapter.features();
        out!("{}", adapter::describe(&info))?;
        let driver = [info.driver.as_str(), info.driver_info.as_str()]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let flag = |feature| features.contains(feature);
        let fields = [
            ("driver", driver),
            (
                "max_storage_buffer_binding_size",
                limits.max_storage_buffer_binding_size.to_string(),
            ),
            ("max_buffer_size", limits.max_buffer_size.to_string()),
            (
                "max_compute_workgroups_per_dimension",
                limits.max_compute_workgroups_per_dimension.to_string(),
            ),
            (
                "max_compute_invocations_per_workgroup",
                limits.max_compute_invocations_per_workgroup.to_string(),
            ),
            (
                "min_storage_buffer_offset_alignment",
                limits.min_storage_buffer_offset_alignment.to_string(),
            ),
            (
                "features",
                format!(
                    "SHADER_F16={} TIMESTAMP_QUERY={} TIMESTAMP_QUERY_INSIDE_ENCODERS={} MAPPABLE_PRIMARY_BUFFERS={}",
                    flag(wgpu::Features::SHADER_F16),
                    flag(wgpu::Features::TIMESTAMP_QUERY),
                    flag(wgpu::Features::TIMESTAMP_QUERY_INSIDE_ENCODERS),
                    flag(wgpu::Features::MAPPABLE_PRIMARY_BUFFERS),
                ),
            ),
        ];
        // Every value starts in one column, one space after the longest label.
        let width = fields
            .iter()
            .map(|(label, _)| label.len() + 1)
            .max()
            .unwrap_or(0);
        for (label, value) in fields {
            out!("  {:width$} {value}", format!("{label}:"))?;
        }
    }
    Ok(())
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
    out!(
        "adapter: {}\ninputs: {total} ({patterns}, plus ±0, ±inf, NaNs, ±min subnormal)",
        adapter::describe(&sigmoid.config().adapter)
    )?;
    let bar = progress::bar(total, false, quiet);
    // Several pieces per call, so that transfers overlap the kernel.
    let report = sweep.run(
        16 << 20,
        |inputs, outputs| sigmoid.forward_into(inputs, outputs),
        |done| bar.set_position(done),
    )?;
    bar.finish_and_clear();
    out!("{report}")?;
    let worst = report.total().max_ulp;
    let met = report.meets(max_ulp);
    out!(
        "contract (≤ {max_ulp} ULP, NaN/±inf/±0 exact): {} in {:.1} s{}",
        if met { "MET" } else { "BROKEN" },
        started.elapsed().as_secs_f64(),
        progress::peak_rss_note()
    )?;
    if met {
        Ok(())
    } else {
        Err(CliError::ContractBroken {
            max_ulp: worst,
            allowed: max_ulp,
        })
    }
}
