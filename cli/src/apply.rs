//! `wgpu-sigmoid apply IN OUT`: streams a `.npy` file through the GPU in bounded
//! memory, writing the output as [`Destination`] says.

use std::io::{BufReader, IsTerminal, Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use wgpu_sigmoid::Sigmoid;
use wgpu_sigmoid_cli::npy;
use wgpu_sigmoid_cli::stream::{self, StreamError, StreamOptions, Summary};

use crate::CliError;
use crate::destination::Destination;
use crate::progress;

/// `-` stands for stdin (input) or stdout (output).
fn is_std(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// `source` as an I/O error of `path`.
fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> CliError {
    let path = path.to_path_buf();
    move |source| CliError::Io { path, source }
}

/// `source` as a `.npy` error of `path`.
fn npy_error(path: &Path) -> impl FnOnce(npy::NpyError) -> CliError {
    let path = path.to_path_buf();
    move |source| CliError::Npy { path, source }
}

/// Reads and checks the input header before opening the GPU, so that a bad file
/// fails fast and no output is created for it.
pub fn apply(
    open: impl FnOnce() -> Result<Sigmoid, CliError>,
    input: &Path,
    output: &Path,
    quiet: bool,
    bf16: bool,
) -> Result<(), CliError> {
    if !is_std(input)
        && !is_std(output)
        && let (Ok(a), Ok(b)) = (input.canonicalize(), output.canonicalize())
        && a == b
    {
        return Err(CliError::SamePath(a));
    }
    let (reader, header) = open_input(input, bf16)?;
    if is_std(output) && std::io::stdout().is_terminal() {
        return Err(CliError::Usage {
            command: "apply",
            message: "output is `-` but stdout is a terminal: redirect it to a file or a pipe \
             (binary .npy data would garble the terminal)"
                .into(),
        });
    }
    let destination = Destination::open(output)?;
    let sigmoid = open()?;
    run(
        &sigmoid,
        (input, reader, &header),
        (output, destination),
        quiet,
    )
}

/// The input (a file, or stdin where it is not a terminal) and its header, checked:
/// the dtype against `--bf16`, a file's length against the header.
fn open_input(
    input: &Path,
    bf16: bool,
) -> Result<(BufReader<Box<dyn Read + Send>>, npy::Header), CliError> {
    let mut file_bytes = None;
    let mut reader: BufReader<Box<dyn Read + Send>> = BufReader::with_capacity(
        1 << 16,
        if is_std(input) {
            if std::io::stdin().is_terminal() {
                return Err(CliError::Usage {
                    command: "apply",
                    message: "input is `-` but stdin is a terminal: pipe a .npy file in".into(),
                });
            }
            Box::new(std::io::stdin())
        } else {
            let file = std::fs::File::open(input).map_err(io_error(input))?;
            let metadata = file.metadata().map_err(io_error(input))?;
            if metadata.is_file() {
                file_bytes = Some(metadata.len());
            }
            Box::new(file)
        },
    );
    let header = npy::read_header(&mut reader).map_err(npy_error(input))?;
    // numpy has no bfloat16: `<u2` carries its bits, and only with --bf16, so that
    // ordinary uint16 data is never taken for floats by accident.
    match (header.dtype(), bf16) {
        (Some(npy::Dtype::Bf16), false) => {
            return Err(CliError::Usage {
                command: "apply",
                message: format!(
                    "{}: uint16 data ('<u2'); if it holds bfloat16 bits, pass --bf16",
                    input.display()
                ),
            });
        }
        (Some(dtype), true) if dtype != npy::Dtype::Bf16 => {
            return Err(CliError::Usage {
                command: "apply",
                message: format!(
                    "{}: --bf16 expects bfloat16 bits as uint16 ('<u2'), found '{}'",
                    input.display(),
                    dtype.descr()
                ),
            });
        }
        _ => {}
    }
    if let Some(bytes) = file_bytes {
        header.check_file_length(bytes).map_err(npy_error(input))?;
    }
    Ok((reader, header))
}

/// Streams `reader`'s data (after `header`) through `sigmoid` into `destination`,
/// with a progress bar and, unless `quiet`, a summary line.
fn run(
    sigmoid: &Sigmoid,
    (input, reader, header): (&Path, BufReader<Box<dyn Read + Send>>, &npy::Header),
    (output, destination): (&Path, Destination),
    quiet: bool,
) -> Result<(), CliError> {
    let options = StreamOptions::for_sigmoid(sigmoid);
    let bar = progress::bar(header.data_bytes().unwrap_or(0), true, quiet);
    let element_bytes = header.dtype().map_or(4, npy::Dtype::size);
    let mut on_block = |elements: u64| bar.inc(elements * element_bytes);
    let stream_error = |error: StreamError| match error {
        StreamError::Input(source) => npy_error(input)(source),
        StreamError::Output(source) => npy_error(output)(source),
        StreamError::Gpu(error) => CliError::Gpu(error),
        other => CliError::Internal(other.to_string()),
    };
    // Timed to the end of the rename: the summary counts the flush to disk too.
    let started = Instant::now();
    let (destination, summary) =
        stream::sigmoid_npy(sigmoid, header, reader, destination, options, &mut on_block)
            .map_err(stream_error)
            .map_err(|error| closed_pipe_is_data_lost(error, output))?;
    // On an error above, a temporary file is dropped, which deletes it.
    destination
        .finish()
        .map_err(|error| closed_pipe_is_data_lost(error, output))?;
    let elapsed = started.elapsed();
    bar.finish_and_clear();
    if !quiet {
        // A closed stderr loses only the summary.
        let _ = writeln!(
            std::io::stderr(),
            "{}",
            summary_line(&summary, elapsed, sigmoid, &options)
        );
    }
    Ok(())
}

/// A reader that goes away (`| head -c 100`, a FIFO's reader exiting) leaves an
/// incomplete `.npy`: unlike the text of `info` or `verify`, lost data is an error.
fn closed_pipe_is_data_lost(error: CliError, output: &Path) -> CliError {
    if error.is_broken_pipe() {
        CliError::OutputPipeClosed(output.to_path_buf())
    } else {
        error
    }
}

/// Bytes per MiB, the unit of the progress bar's `binary_bytes_per_sec`.
const MIB: f64 = (1u64 << 20) as f64;

/// `bytes` in KiB below 1 MiB, else in MiB, as the progress bar writes sizes.
fn binary_size(bytes: u64) -> String {
    if (bytes as f64) < MIB {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", bytes as f64 / MIB)
    }
}

fn summary_line(
    summary: &Summary,
    elapsed: Duration,
    sigmoid: &Sigmoid,
    options: &StreamOptions,
) -> String {
    let bytes = summary.elements * summary.dtype.size();
    let seconds = elapsed.as_secs_f64().max(1e-9);
    let info = &sigmoid.config().adapter;
    format!(
        "wgpu-sigmoid apply: {} {} elements ({}) in {:.2} s ({:.0} Melem/s, {:.1} MiB/s read, as the progress bar counts), on {} ({:?}); stream buffers ≤ {}{}",
        summary.elements,
        summary.dtype,
        binary_size(bytes),
        seconds,
        summary.elements as f64 / seconds / 1e6,
        bytes as f64 / seconds / MIB,
        info.name,
        info.backend,
        binary_size(options.memory_bound(summary.dtype, summary.elements)),
        progress::peak_rss_note(),
    )
}
