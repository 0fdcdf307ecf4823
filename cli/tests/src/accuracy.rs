//! The kernel's algorithm on the CPU mirror: within 1 ULP under strict IEEE arithmetic
//! and under the liberties WGSL allows a GPU compiler (flushed subnormals, unfused fma).

use wgpu_sigmoid::cpu::{self, mirror};
use wgpu_sigmoid_cli::verify::{Report, Sweep};

use super::common::{MAX_ULP, every_arith, gpu};

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
    // 98.22 % over all 2³² inputs: exp is one rounded float (see shaders/sigmoid_functions.wgsl).
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

#[test]
fn strided_sweep_of_all_bit_patterns() {
    let Some(sigmoid) = gpu() else { return };
    let sweep = Sweep::new(4099);
    let mut x = vec![0.0; sweep.len() as usize];
    sweep.fill(0, &mut x);
    let y = sigmoid.forward(&x).unwrap();
    let report: Report = wgpu_sigmoid_cli::verify::check_parallel(&x, &y);
    assert!(report.meets(MAX_ULP), "{report}");
    // 97.76 % over all 2³² inputs with unfused fma (lavapipe, llvmpipe), 98.22 % fused.
    assert!(report.total().exact_percent() > 97.5, "{report}");
    assert!(report.total().count > 1_000_000);
}

#[test]
fn kernel_matches_its_cpu_mirror_bit_for_bit() {
    // src/cpu/mirror.rs follows the shader step for step so that the algorithm can be
    // judged over all 2³² inputs on the CPU; this keeps the two from drifting apart.
    // The mirror models the arithmetic liberties a GPU may take; the kernel must match
    // it exactly under one of them (llvmpipe, behind lavapipe and GL in CI: unfused
    // `fma`, IEEE division, no flushing).
    let Some(sigmoid) = gpu() else { return };
    let sweep = Sweep::new(4099);
    let mut x = vec![0.0f32; usize::try_from(sweep.len()).unwrap()];
    sweep.fill(0, &mut x);
    let y = sigmoid.forward(&x).unwrap();
    let matching: Vec<_> = every_arith()
        .filter(|&arith| {
            x.iter()
                .zip(&y)
                .all(|(&x, &y)| cpu::mirror::sigmoid_with(x, arith).to_bits() == y.to_bits())
        })
        .collect();
    let adapter = &sigmoid.config().adapter.name;
    eprintln!("{adapter}: mirror modes matching the kernel: {matching:?}");
    if adapter.contains("llvmpipe") {
        assert!(
            matching.contains(&cpu::mirror::Arith {
                fused_fma: false,
                flush_subnormals: false,
                approximate_division: false,
            }),
            "the kernel on {adapter} no longer matches src/cpu/mirror.rs"
        );
    }
}
