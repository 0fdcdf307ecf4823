//! 16-bit floats on the GPU: all 65 536 bit patterns of `f16` and of `bf16`, against a
//! reference rounded once from f64 (≥ 99.9 % exact, never more than 1 ULP), equal bit
//! for bit to the `f32` kernel's result rounded on the host, across every API and
//! ragged lengths.

use half::{bf16, f16};
use wgpu_sigmoid::{Element, Sigmoid, cpu};

use super::common::{gpu, small_pieces};

/// A 16-bit float's bits as an ordered integer (for ULP distances).
fn ordered(bits: u16) -> i32 {
    let magnitude = i32::from(bits & 0x7fff);
    if bits & 0x8000 != 0 {
        -magnitude
    } else {
        magnitude
    }
}

struct Outcome {
    exact: usize,
    finite: usize,
}

/// Checks `results[i]` (bits) against the reference for every 16-bit pattern `i`.
fn check_all_patterns(
    name: &str,
    results: &[u16],
    to_f64: impl Fn(u16) -> f64,
    round: impl Fn(f64) -> u16,
    is_nan: impl Fn(u16) -> bool,
    quiet_bit: u16,
) -> Outcome {
    let mut outcome = Outcome {
        exact: 0,
        finite: 0,
    };
    for (input, &output) in (0..=u16::MAX).zip(results) {
        if is_nan(input) {
            assert_eq!(output, input | quiet_bit, "{name}: NaN {input:#06x}");
            continue;
        }
        let expected = round(cpu::sigmoid_f64(to_f64(input)));
        let ulps = ordered(output).abs_diff(ordered(expected));
        assert!(
            ulps <= 1,
            "{name}: sigmoid({}) gave {output:#06x}, expected {expected:#06x}",
            to_f64(input)
        );
        if to_f64(input).is_finite() {
            outcome.finite += 1;
            outcome.exact += usize::from(ulps == 0);
        }
    }
    let share = outcome.exact as f64 / outcome.finite as f64;
    eprintln!(
        "{name}: {}/{} exactly rounded ({:.4} %)",
        outcome.exact,
        outcome.finite,
        share * 100.0
    );
    assert!(share >= 0.999, "{name}: {share}");
    outcome
}

#[test]
fn float16_all_bit_patterns() {
    let Some(sigmoid) = gpu() else { return };
    let x: Vec<f16> = (0..=u16::MAX).map(f16::from_bits).collect();
    let y = sigmoid.forward(&x).unwrap();
    let bits: Vec<u16> = y.iter().map(|v| v.to_bits()).collect();
    check_all_patterns(
        "f16",
        &bits,
        |b| f16::from_bits(b).to_f64(),
        |v| f16::from_f64(v).to_bits(),
        |b| f16::from_bits(b).is_nan(),
        0x0200,
    );
    let at = |v: f32| y[usize::from(f16::from_f32(v).to_bits())].to_bits();
    assert_eq!(at(0.0), f16::from_f32(0.5).to_bits());
    assert_eq!(at(-0.0), f16::from_f32(0.5).to_bits());
    assert_eq!(at(f32::INFINITY), f16::ONE.to_bits());
    assert_eq!(at(f32::NEG_INFINITY), 0);
    // The shader's rounding is the host's: the f32 kernel's results rounded by `half`.
    let widened: Vec<f32> = x.iter().map(|v| v.to_f32()).collect();
    let f32_results = sigmoid.forward(&widened).unwrap();
    for (i, (&r, &h)) in f32_results.iter().zip(&y).enumerate() {
        if !r.is_nan() {
            assert_eq!(h.to_bits(), f16::from_f32(r).to_bits(), "pattern {i:#06x}");
        }
    }
}

#[test]
fn bfloat16_all_bit_patterns() {
    let Some(sigmoid) = gpu() else { return };
    let x: Vec<bf16> = (0..=u16::MAX).map(bf16::from_bits).collect();
    let y = sigmoid.forward(&x).unwrap();
    let bits: Vec<u16> = y.iter().map(|v| v.to_bits()).collect();
    check_all_patterns(
        "bf16",
        &bits,
        |b| bf16::from_bits(b).to_f64(),
        |v| bf16::from_f64(v).to_bits(),
        |b| bf16::from_bits(b).is_nan(),
        0x0040,
    );
    let widened: Vec<f32> = x.iter().map(|v| v.to_f32()).collect();
    let f32_results = sigmoid.forward(&widened).unwrap();
    for (i, (&r, &h)) in f32_results.iter().zip(&y).enumerate() {
        if !r.is_nan() {
            assert_eq!(h.to_bits(), bf16::from_f32(r).to_bits(), "pattern {i:#06x}");
        }
    }
}

fn every_api_agrees<T: Element + PartialEq + std::fmt::Debug>(
    sigmoid: &Sigmoid,
    x: &[T],
    bits: impl Fn(&[T]) -> Vec<u16>,
) {
    let y = sigmoid.forward(x).unwrap();
    let mut into = vec![T::zeroed(); x.len()];
    sigmoid.forward_into(x, &mut into).unwrap();
    let mut in_place = x.to_vec();
    sigmoid.forward_in_place(&mut in_place).unwrap();
    assert_eq!(bits(&into), bits(&y), "len {}", x.len());
    assert_eq!(bits(&in_place), bits(&y), "len {}", x.len());
}

#[test]
fn ragged_lengths_and_pieces_agree_across_apis() {
    let Some(shared) = gpu() else { return };
    let Some(small) = small_pieces() else { return };
    let all: Vec<f16> = (0..=u16::MAX).map(f16::from_bits).collect();
    let reference = shared.forward(&all).unwrap();
    for len in (0..=17).chain([1023, 1024, 1025, 3 * 1024 + 7, 10_001]) {
        // A window of the patterns starting at an odd place, so lanes and words shift.
        let x: Vec<f16> = all[1001..1001 + len].to_vec();
        for sigmoid in [shared, small] {
            let y = sigmoid.forward(&x).unwrap();
            assert_eq!(
                y.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                reference[1001..1001 + len]
                    .iter()
                    .map(|v| v.to_bits())
                    .collect::<Vec<_>>(),
                "len {len}"
            );
            every_api_agrees(sigmoid, &x, |v| v.iter().map(|h| h.to_bits()).collect());
            let xb: Vec<bf16> = x.iter().map(|h| bf16::from_bits(h.to_bits())).collect();
            every_api_agrees(sigmoid, &xb, |v| v.iter().map(|h| h.to_bits()).collect());
        }
    }
    assert!(matches!(
        shared.forward_into(&all[..3], &mut [f16::ZERO; 2]),
        Err(wgpu_sigmoid::Error::LengthMismatch { .. })
    ));
}
