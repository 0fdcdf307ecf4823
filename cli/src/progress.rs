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
        "{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} {rate} ETA {eta}"
    };
    let style = ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                // A closed terminal loses only the bar.
                let _ = w.write_str(&rate(state.per_sec()));
            },
        )
        .progress_chars("=> ");
    ProgressBar::with_draw_target(Some(total), target).with_style(style)
}

/// A rate rounded for a person: `1.6M/s` rather than indicatif's `1,645,091.5504/s`.
fn rate(per_second: f64) -> String {
    match per_second {
        r if r >= 1e9 => format!("{:.1}G/s", r / 1e9),
        r if r >= 1e6 => format!("{:.1}M/s", r / 1e6),
        r if r >= 1e3 => format!("{:.1}k/s", r / 1e3),
        r if r >= 10.0 => format!("{r:.0}/s"),
        r => format!("{r:.2}/s"),
    }
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

#[cfg(test)]
mod tests {
    use super::rate;

    #[test]
    fn rates_are_rounded_with_a_unit() {
        assert_eq!(rate(1_645_091.550_4), "1.6M/s");
        assert_eq!(rate(2.5e9), "2.5G/s");
        assert_eq!(rate(12_345.0), "12.3k/s");
        assert_eq!(rate(42.4), "42/s");
        assert_eq!(rate(0.125), "0.12/s");
    }
}
