//! Progress on stderr: a bar when stderr is a terminal, nothing otherwise or with
//! `--quiet`; and the process's peak memory for the summary lines.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar of `total` units (`bytes` picks byte formatting), drawn on stderr
/// only when it is a terminal and `quiet` is off.
pub fn bar(total: u64, bytes: bool, quiet: bool) -> ProgressBar {
    let target = if quiet || !std::io::stderr().is_terminal() {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    };
    let template = if bytes {
        "{elapsed_precise} [{wide_bar}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}"
    } else {
        "{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} {per_sec} ETA {eta}"
    };
    let style = ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    ProgressBar::with_draw_target(Some(total), target).with_style(style)
}

/// The process's peak resident memory in bytes (`VmHWM`), where the OS reports it.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// `; peak RSS N MiB` where known, else nothing.
pub fn peak_rss_note() -> String {
    peak_rss_bytes().map_or_else(String::new, |b| {
        format!("; peak RSS {} MiB", b.div_ceil(1 << 20))
    })
}
