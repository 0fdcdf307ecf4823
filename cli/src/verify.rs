//! The accuracy sweep behind `wgpu-sigmoid verify`: run `f32` bit patterns through an
//! implementation, compare each result with the correctly rounded reference, and
//! summarise the error per input range.

use std::fmt;

use wgpu_sigmoid::cpu;

/// Input ranges reported separately, as (label, lower bound inclusive). The bounds are
/// where the character of the result changes: below -103.98 it rounds to 0; down to
/// -87.34 it is subnormal; beyond ±16.6 one side saturates at 1 - 2⁻²⁴ … 1.
pub const RANGES: [(&str, f32); 8] = [
    ("x < -103.98 (rounds to 0)", f32::NEG_INFINITY),
    ("[-103.98, -87.34) subnormal", -103.98),
    ("[-87.34, -16)", -87.34),
    ("[-16, -1)", -16.0),
    ("[-1, 1)", -1.0),
    ("[1, 16)", 1.0),
    ("[16, 88)", 16.0),
    ("x ≥ 88", 88.0),
];

/// Error statistics of one input range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RangeStats {
    /// Finite inputs checked.
    pub count: u64,
    /// Results equal to the correctly rounded value.
    pub exact: u64,
    /// Results exactly 1, 2, and more than 2 ULP away.
    pub off_by: [u64; 3],
    /// Largest distance seen, in ULP.
    pub max_ulp: u32,
    /// Input bits at which `max_ulp` was first seen.
    pub worst_input: u32,
}

impl RangeStats {
    fn record(&mut self, input_bits: u32, ulp: u32) {
        self.count += 1;
        match ulp {
            0 => self.exact += 1,
            1 => self.off_by[0] += 1,
            2 => self.off_by[1] += 1,
            _ => self.off_by[2] += 1,
        }
        if ulp > self.max_ulp || self.count == 1 {
            self.max_ulp = self.max_ulp.max(ulp);
            self.worst_input = input_bits;
        }
    }

    fn merge(&mut self, other: &RangeStats) {
        if other.max_ulp > self.max_ulp || self.count == 0 {
            self.worst_input = other.worst_input;
        }
        self.max_ulp = self.max_ulp.max(other.max_ulp);
        self.count += other.count;
        self.exact += other.exact;
        for (a, b) in self.off_by.iter_mut().zip(other.off_by) {
            *a += b;
        }
    }

    /// Share of results that are correctly rounded, in percent.
    #[must_use]
    pub fn exact_percent(&self) -> f64 {
        if self.count == 0 {
            100.0
        } else {
            100.0 * self.exact as f64 / self.count as f64
        }
    }
}

/// The outcome of a sweep.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// One entry per [`RANGES`] element.
    pub ranges: [RangeStats; RANGES.len()],
    /// NaN inputs checked.
    pub nan_inputs: u64,
    /// NaN inputs whose result was not the input with the quiet bit set.
    pub nan_failures: u64,
    /// Special inputs (±inf, ±0, ±smallest subnormal) that gave the wrong result, as
    /// (input bits, result bits).
    pub special_failures: Vec<(u32, u32)>,
    /// Results outside [0, 1].
    pub out_of_range: u64,
}

impl Report {
    /// All finite inputs together.
    #[must_use]
    pub fn total(&self) -> RangeStats {
        let mut total = RangeStats::default();
        for range in &self.ranges {
            total.merge(range);
        }
        total
    }

    /// Whether the sweep meets the contract: at most `max_ulp` everywhere, NaNs
    /// propagated, special values exact, every result in [0, 1].
    #[must_use]
    pub fn meets(&self, max_ulp: u32) -> bool {
        self.total().max_ulp <= max_ulp
            && self.nan_failures == 0
            && self.special_failures.is_empty()
            && self.out_of_range == 0
    }

    /// Adds the results of one batch: `inputs[i]` gave `outputs[i]`.
    pub fn add_batch(&mut self, inputs: &[f32], outputs: &[f32]) {
        for (&x, &y) in inputs.iter().zip(outputs) {
            self.add_one(x, y);
        }
    }

    fn add_one(&mut self, x: f32, y: f32) {
        let x_bits = x.to_bits();
        if x.is_nan() {
            self.nan_inputs += 1;
            if y.to_bits() != x_bits | cpu::QUIET_NAN_BIT {
                self.nan_failures += 1;
            }
            return;
        }
        if !(0.0..=1.0).contains(&y) {
            self.out_of_range += 1;
        }
        let expected = cpu::sigmoid(x);
        if is_special(x) && y.to_bits() != expected.to_bits() {
            self.special_failures.push((x_bits, y.to_bits()));
        }
        // A NaN result for a finite input counts as the largest possible error.
        let ulp = cpu::ulp_distance(y, expected).unwrap_or(u32::MAX);
        self.ranges[range_index(x)].record(x_bits, ulp);
    }

    /// Merges another report (from another thread or batch) into this one.
    pub fn merge(&mut self, other: &Report) {
        for (a, b) in self.ranges.iter_mut().zip(&other.ranges) {
            a.merge(b);
        }
        self.nan_inputs += other.nan_inputs;
        self.nan_failures += other.nan_failures;
        self.special_failures
            .extend_from_slice(&other.special_failures);
        self.out_of_range += other.out_of_range;
    }
}

/// Inputs whose results are exact by definition.
fn is_special(x: f32) -> bool {
    x.is_infinite() || x == 0.0
}

fn range_index(x: f32) -> usize {
    RANGES
        .iter()
        .rposition(|&(_, lower)| x >= lower)
        .unwrap_or(0)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "| input range | inputs | max ULP | exactly rounded | 1 ULP | 2 ULP | > 2 ULP | worst x |"
        )?;
        writeln!(f, "|---|---:|---:|---:|---:|---:|---:|---:|")?;
        let total = self.total();
        let rows = RANGES
            .iter()
            .map(|(label, _)| *label)
            .zip(self.ranges.iter())
            .chain(std::iter::once(("all finite", &total)));
        for (label, s) in rows {
            writeln!(
                f,
                "| {label} | {} | {} | {:.4} % | {} | {} | {} | {:e} |",
                s.count,
                s.max_ulp,
                s.exact_percent(),
                s.off_by[0],
                s.off_by[1],
                s.off_by[2],
                f32::from_bits(s.worst_input),
            )?;
        }
        writeln!(
            f,
            "\nNaN inputs: {} ({} not propagated as quiet NaN); special values (±0, ±inf) wrong: {}; results outside [0, 1]: {}",
            self.nan_inputs,
            self.nan_failures,
            self.special_failures.len(),
            self.out_of_range
        )
    }
}

/// The inputs of a strided sweep over all 2³² bit patterns: `0, stride, 2·stride, …`,
/// plus the special values, so that every sweep checks them.
#[derive(Clone, Copy, Debug)]
pub struct Sweep {
    stride: u64,
}

/// Special inputs every sweep includes, whatever its stride.
pub const SPECIAL_INPUTS: [u32; 8] = [
    0x0000_0000, // +0
    0x8000_0000, // -0
    0x7f80_0000, // +inf
    0xff80_0000, // -inf
    0x7fc0_0000, // quiet NaN
    0xffa0_0001, // negative signalling NaN with payload
    0x0000_0001, // smallest positive subnormal
    0x8000_0001, // smallest negative subnormal
];

impl Sweep {
    /// A sweep over every `stride`-th bit pattern; `stride` is at least 1.
    #[must_use]
    pub fn new(stride: u32) -> Sweep {
        Sweep {
            stride: u64::from(stride.max(1)),
        }
    }

    /// Number of inputs, special values included.
    #[must_use]
    pub fn len(&self) -> u64 {
        (1u64 << 32).div_ceil(self.stride) + SPECIAL_INPUTS.len() as u64
    }

    /// Always false: a sweep includes the special values.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Fills `buf` with inputs starting at input number `start`; returns how many were
    /// written (fewer than `buf.len()` only at the end).
    pub fn fill(&self, start: u64, buf: &mut [f32]) -> usize {
        let mut written = 0;
        for (i, slot) in (start..self.len()).zip(buf.iter_mut()) {
            let bits = match i.checked_sub(SPECIAL_INPUTS.len() as u64) {
                None => SPECIAL_INPUTS[i as usize],
                // Below 2³² by construction of `len`.
                Some(j) => (j * self.stride) as u32,
            };
            *slot = f32::from_bits(bits);
            written += 1;
        }
        written
    }

    /// Runs the sweep through `compute` in pieces of at most `batch` inputs, so that no
    /// buffer holds the whole sweep (all 2³² inputs would need 16 GiB), and checks each
    /// piece with [`check_parallel`]. `compute(inputs, outputs)` fills `outputs` (of the
    /// same length) with the implementation's results; `progress` is told how many
    /// inputs are done after each piece. Stops at `compute`'s first error.
    ///
    /// # Errors
    ///
    /// The first error `compute` returns.
    pub fn run<E>(
        &self,
        batch: usize,
        mut compute: impl FnMut(&[f32], &mut [f32]) -> Result<(), E>,
        mut progress: impl FnMut(u64),
    ) -> Result<Report, E> {
        let mut inputs = vec![0.0f32; batch.max(1)];
        let mut outputs = vec![0.0f32; batch.max(1)];
        let mut report = Report::default();
        let mut done = 0u64;
        while done < self.len() {
            let n = self.fill(done, &mut inputs);
            compute(&inputs[..n], &mut outputs[..n])?;
            report.merge(&check_parallel(&inputs[..n], &outputs[..n]));
            done += n as u64;
            progress(done);
        }
        Ok(report)
    }
}

/// Compares `outputs` with the reference for `inputs`, on all available cores.
#[must_use]
pub fn check_parallel(inputs: &[f32], outputs: &[f32]) -> Report {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = inputs.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = inputs
            .chunks(chunk)
            .zip(outputs.chunks(chunk))
            .map(|(x, y)| {
                scope.spawn(move || {
                    let mut report = Report::default();
                    report.add_batch(x, y);
                    report
                })
            })
            .collect();
        let mut report = Report::default();
        for handle in handles {
            match handle.join() {
                Ok(part) => report.merge(&part),
                // A checker thread only panics on a bug in this module.
                Err(payload) => std::panic::resume_unwind(payload),
            }
        }
        report
    })
}
