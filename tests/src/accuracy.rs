//! The kernel's algorithm on the CPU mirror: within 1 ULP under strict IEEE arithmetic
//! and under the liberties WGSL allows a GPU compiler (flushed subnormals, unfused fma).

use wgpu_sigmoid::cpu::{self, mirror};
use wgpu_sigmoid::verify::{Report, Sweep};

use super::common::every_arith;

fn sweep_mirror(stride: u32, arith: mirror::Arith) -> Report {
    let compute = |inputs: &[f32], outputs: &mut [f32]| {
        for (x, y) in inputs.iter().zip(outputs) {
            *y = mirror::sigmoid_with(*x, arith);
        }
        Ok::<(), std::convert::Infallible>(())
    };
    match Sweep::new(stride).run(1 << 24, compute, |_| {}) {
        Ok(report) => report,
        Err(never) => match never {},
    }
}

#[test]
fn mirror_is_faithful_with_ieee_arithmetic() {
    let report = sweep_mirror(4099, mirror::Arith::IEEE);
    assert!(report.meets(1), "{report}");
    // 98.22 % over all 2³² inputs: exp is one rounded float (see shaders/sigmoid.wgsl).
    assert!(report.total().exact_percent() > 98.0, "{report}");
}

#[test]
fn mirror_is_faithful_with_fast_math() {
    // Every combination of the liberties a GPU compiler may take.
    for arith in every_arith() {
        let report = sweep_mirror(4099, arith);
        assert!(report.meets(1), "{arith:?}\n{report}");
    }
}

#[test]
#[ignore = "all 2³² inputs under four arithmetics, ≈ 30 minutes: run with --ignored"]
fn mirror_is_faithful_over_all_inputs() {
    // The corners of the liberties: strict; unfused fma; unfused, flushing and
    // approximate division; fused, flushing and approximate division.
    let corners = [
        mirror::Arith::IEEE,
        mirror::Arith {
            fused_fma: false,
            ..mirror::Arith::IEEE
        },
        mirror::Arith::FAST_MATH,
        mirror::Arith {
            fused_fma: true,
            ..mirror::Arith::FAST_MATH
        },
    ];
    for arith in corners {
        let report = sweep_mirror(1, arith);
        eprintln!("{arith:?}\n{report}");
        assert!(report.meets(1), "{arith:?}\n{report}");
    }
}

#[test]
fn mirror_builds_subnormal_results_when_arithmetic_flushes() {
    // Every input whose result is subnormal: x in [-103.97, -87.34].
    let mut x = -87.0f32;
    while x > -104.5 {
        let expected = cpu::sigmoid(x);
        let flushed = mirror::sigmoid_with(x, mirror::Arith::FAST_MATH);
        assert!(
            cpu::ulp_distance(flushed, expected).unwrap() <= 1,
            "x = {x}: {flushed:e} vs {expected:e}"
        );
        x = f32::from_bits(x.to_bits() + 97);
    }
    assert!(cpu::sigmoid(-100.0) > 0.0 && cpu::sigmoid(-100.0) < f32::MIN_POSITIVE);
}

#[test]
fn reference_matches_tensorflow_documentation() {
    let x = [-20.0f32, -1.0, 0.0, 1.0, 20.0];
    let bits: Vec<u32> = x.iter().map(|&v| cpu::sigmoid(v).to_bits()).collect();
    assert_eq!(
        bits,
        [
            0x310d_a433,
            0x3e89_b2b1,
            0x3f00_0000,
            0x3f3b_26a8,
            0x3f80_0000
        ]
    );
    let mirrored: Vec<u32> = x.iter().map(|&v| mirror::sigmoid(v).to_bits()).collect();
    assert_eq!(mirrored, bits);
}

#[test]
fn reference_special_values() {
    assert_eq!(cpu::sigmoid(f32::INFINITY), 1.0);
    assert_eq!(cpu::sigmoid(f32::NEG_INFINITY).to_bits(), 0);
    assert_eq!(cpu::sigmoid(0.0), 0.5);
    assert_eq!(cpu::sigmoid(-0.0), 0.5);
    let signalling = f32::from_bits(0xffa0_0001);
    assert_eq!(cpu::sigmoid(signalling).to_bits(), 0xffe0_0001);
    assert_eq!(cpu::sigmoid(-103.0).to_bits(), 0x0000_0001);
    assert_eq!(cpu::sigmoid(-104.0).to_bits(), 0);
}

#[test]
fn ulp_distance_counts_representable_values() {
    assert_eq!(cpu::ulp_distance(f32::MIN_POSITIVE, 0.0), Some(1 << 23));
    assert_eq!(cpu::ulp_distance(-1e-45, 1e-45), Some(2));
    assert_eq!(
        cpu::ulp_distance(f32::NEG_INFINITY, f32::INFINITY),
        Some(0xff00_0000)
    );
}
