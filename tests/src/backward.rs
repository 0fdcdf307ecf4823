//! The gradient `dx = dy · y · (1 − y)`: against a reference computed in f64 from the
//! same `y` and `dy` and rounded once, for f32 (≤ 3 ULP, the stated bound) and for all
//! 16-bit `y` in [0, 1] of f16 and bf16 (≤ 1 ULP of the type); every piece size and API
//! gives the same bits.

use half::{bf16, f16};
use wgpu_sigmoid::{Error, cpu};

use super::common::{bits, gpu, small_pieces, test_data};

/// The stated bound for f32 (three roundings of relative error ≤ 2^-24).
const MAX_ULP_F32: u32 = 3;

fn reference(y: f64, dy: f64) -> f64 {
    dy * (y * (1.0 - y))
}

/// `len` sigmoid outputs in [0, 1] (every range, subnormals and exact 0 and 1
/// included) and upstream gradients of every magnitude.
fn inputs(len: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
    let x = test_data(len, seed);
    let y: Vec<f32> = x
        .iter()
        .map(|&v| if v.is_nan() { 0.25 } else { cpu::sigmoid(v) })
        .collect();
    let dy: Vec<f32> = test_data(len, seed + 1)
        .into_iter()
        .map(|v| if v.is_finite() { v } else { -3.5 })
        .collect();
    (y, dy)
}

#[test]
fn float32_gradient_within_its_bound() {
    let Some(sigmoid) = gpu() else { return };
    let (y, dy) = inputs(200_003, 70);
    let dx = sigmoid.backward(&y, &dy).unwrap();
    let mut worst = 0;
    let mut exact = 0;
    for i in 0..y.len() {
        let expected = reference(f64::from(y[i]), f64::from(dy[i])) as f32;
        let ulps = cpu::ulp_distance(dx[i], expected).unwrap_or(u32::MAX);
        assert!(
            ulps <= MAX_ULP_F32,
            "dy {:e} · y {:e}: got {:e}, expected {expected:e} ({ulps} ULP)",
            dy[i],
            y[i],
            dx[i]
        );
        worst = worst.max(ulps);
        exact += usize::from(ulps == 0);
    }
    eprintln!(
        "f32 backward: max {worst} ULP, {:.4} % exactly rounded",
        100.0 * exact as f64 / y.len() as f64
    );
}

/// Every 16-bit pattern of [0, 1] as y, each paired with a different finite dy.
fn check_half<T: wgpu_sigmoid::Element>(
    name: &str,
    from_bits: impl Fn(u16) -> T,
    to_bits: impl Fn(T) -> u16,
    to_f64: impl Fn(T) -> f64,
    from_f64: impl Fn(f64) -> T,
) {
    let Some(sigmoid) = gpu() else { return };
    let one = to_bits(from_f64(1.0));
    let finite: Vec<u16> = (0..=u16::MAX)
        .filter(|&b| to_f64(from_bits(b)).is_finite())
        .collect();
    let y: Vec<T> = (0..=one).map(&from_bits).collect();
    let dy: Vec<T> = (0..y.len())
        .map(|i| from_bits(finite[(i * 7919) % finite.len()]))
        .collect();
    let dx = sigmoid.backward(&y, &dy).unwrap();
    let ordered = |b: u16| {
        let m = i32::from(b & 0x7fff);
        if b & 0x8000 != 0 { -m } else { m }
    };
    let mut exact = 0;
    for i in 0..y.len() {
        let expected = to_bits(from_f64(reference(to_f64(y[i]), to_f64(dy[i]))));
        let got = to_bits(dx[i]);
        let ulps = ordered(got).abs_diff(ordered(expected));
        assert!(
            ulps <= 1 || (got & 0x7fff == 0 && expected & 0x7fff == 0),
            "{name}: dy {} · y {}: got {got:#06x}, expected {expected:#06x}",
            to_f64(dy[i]),
            to_f64(y[i])
        );
        exact += usize::from(ulps == 0);
    }
    eprintln!(
        "{name} backward: {exact}/{} exactly rounded ({:.4} %)",
        y.len(),
        100.0 * exact as f64 / y.len() as f64
    );
}

#[test]
fn float16_gradient_over_every_y_in_0_1() {
    check_half(
        "f16",
        f16::from_bits,
        f16::to_bits,
        f16::to_f64,
        f16::from_f64,
    );
}

#[test]
fn bfloat16_gradient_over_every_y_in_0_1() {
    check_half(
        "bf16",
        bf16::from_bits,
        bf16::to_bits,
        bf16::to_f64,
        bf16::from_f64,
    );
}

#[test]
fn pieces_and_apis_agree() {
    let Some(shared) = gpu() else { return };
    // Pieces of 1 024 elements: y and dy share each slot's input buffer at aligned
    // offsets, and ten pieces wrap around the ring.
    let Some(small) = small_pieces() else { return };
    for len in [0usize, 1, 5, 1023, 1025, 10 * 1024 + 3] {
        let (y, dy) = inputs(len, 80 + len as u64);
        let expected = shared.backward(&y, &dy).unwrap();
        let mut into = vec![f32::NAN; len];
        small.backward_into(&y, &dy, &mut into).unwrap();
        assert_eq!(bits(&into), bits(&expected), "len {len}");
        let yh: Vec<f16> = y.iter().map(|&v| f16::from_f32(v)).collect();
        let dyh: Vec<f16> = dy.iter().map(|&v| f16::from_f32(v)).collect();
        let a = shared.backward(&yh, &dyh).unwrap();
        let mut b = vec![f16::ZERO; len];
        small.backward_into(&yh, &dyh, &mut b).unwrap();
        assert_eq!(
            a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            b.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            "f16 len {len}"
        );
    }
    // Device tensors give the host API's bits.
    let (y, dy) = inputs(10_007, 90);
    let (ty, tdy) = (shared.upload(&y).unwrap(), shared.upload(&dy).unwrap());
    let tdx = shared.zeros(y.len() as u64).unwrap();
    shared.recorder().backward_tensor(&ty, &tdy, &tdx).unwrap();
    assert_eq!(
        bits(&shared.download(&tdx).unwrap()),
        bits(&shared.backward(&y, &dy).unwrap())
    );
    assert!(matches!(
        shared.recorder().backward_tensor(&ty, &tdy, &ty),
        Err(Error::InvalidArgument(_))
    ));

    let y = [0.5f32; 4];
    assert!(matches!(
        shared.backward(&y, &[1.0; 3]),
        Err(Error::LengthMismatch { .. })
    ));
    assert!(matches!(
        shared.backward_into(&y, &[1.0; 4], &mut [0.0; 5]),
        Err(Error::LengthMismatch { .. })
    ));
}
