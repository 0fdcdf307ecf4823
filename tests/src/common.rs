//! Helpers shared by the tests.
// Shared by the library's and the tool's test binaries; each uses part of it.
#![allow(dead_code)]

use std::sync::OnceLock;

use wgpu_sigmoid::{Error, Options, Sigmoid, cpu};

/// The error bound every GPU result is held to, in ULP.
pub const MAX_ULP: u32 = 1;

/// The shared GPU instance, or `None` (after a loud message) when no adapter exists
/// outside CI. In CI, or with `WGPU_SIGMOID_REQUIRE_GPU` set, a missing adapter panics.
pub fn gpu() -> Option<&'static Sigmoid> {
    static SIGMOID: OnceLock<Result<Sigmoid, Error>> = OnceLock::new();
    let result = SIGMOID.get_or_init(|| {
        let result = Sigmoid::new();
        if let Ok(s) = &result {
            let info = &s.config().adapter;
            eprintln!(
                "GPU tests run on: {} ({:?}, {:?})",
                info.name, info.backend, info.device_type
            );
        }
        result
    });
    match result {
        Ok(sigmoid) => Some(sigmoid),
        Err(error) if gpu_required() => panic!("no GPU adapter, and one is required here: {error}"),
        Err(error) => {
            eprintln!(
                "\n!!!!!!!! SKIPPING GPU TEST: {error}\n!!!!!!!! (set WGPU_SIGMOID_REQUIRE_GPU=1 to make this a failure)\n"
            );
            None
        }
    }
}

/// Whether a missing adapter is a failure.
pub fn gpu_required() -> bool {
    std::env::var_os("CI").is_some() || std::env::var_os("WGPU_SIGMOID_REQUIRE_GPU").is_some()
}

/// Deterministic test data: a mix of values spread over the interesting range, small
/// values, raw bit patterns (NaNs, infinities, subnormals included) and special values.
pub fn test_data(len: usize, seed: u64) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = move || {
        // xorshift64*
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    const SPECIAL: [f32; 8] = [
        0.0,
        -0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        1e-45,
        -1e-45,
        -95.0,
    ];
    (0..len)
        .map(|i| {
            let r = next();
            match r % 8 {
                0 => f32::from_bits((r >> 32) as u32),
                1 => SPECIAL[(r >> 40) as usize % SPECIAL.len()],
                2 => ((r >> 40) as f32 / (1u64 << 24) as f32) * 4.0 - 2.0,
                _ => {
                    ((r >> 40) as f32 / (1u64 << 24) as f32) * 220.0 - 110.0 + (i % 3) as f32 * 1e-3
                }
            }
        })
        .collect()
}

/// Asserts that `actual[i]` is within `MAX_ULP` of the reference for `input[i]`, and
/// that NaN inputs give the input NaN quieted; reports the first offender.
pub fn assert_matches_reference(input: &[f32], actual: &[f32]) {
    assert_eq!(input.len(), actual.len(), "lengths differ");
    for (i, (&x, &y)) in input.iter().zip(actual).enumerate() {
        let expected = cpu::sigmoid(x);
        if x.is_nan() {
            assert_eq!(
                y.to_bits(),
                expected.to_bits(),
                "index {i}: NaN input {:#010x} gave {:#010x}",
                x.to_bits(),
                y.to_bits()
            );
            continue;
        }
        let ulp = cpu::ulp_distance(y, expected);
        assert!(
            ulp.is_some_and(|d| d <= MAX_ULP),
            "index {i} of {}: sigmoid({x:e} = {:#010x}) gave {y:e} ({:#010x}), expected {expected:e} ({:#010x}), {ulp:?} ULP",
            input.len(),
            x.to_bits(),
            y.to_bits(),
            expected.to_bits()
        );
    }
}

pub fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Checks `forward`, `forward_into` and `forward_in_place` on `len` elements; the three
/// must agree bit for bit, and with the reference within the bound.
pub fn check_all_apis(sigmoid: &Sigmoid, len: usize, seed: u64) {
    let x = test_data(len, seed);
    let y = sigmoid.forward(&x).unwrap();
    assert_matches_reference(&x, &y);

    let mut into = vec![f32::NAN; len];
    sigmoid.forward_into(&x, &mut into).unwrap();
    assert_eq!(
        bits(&into),
        bits(&y),
        "forward_into differs from forward at len {len}"
    );

    let mut in_place = x.clone();
    sigmoid.forward_in_place(&mut in_place).unwrap();
    assert_eq!(
        bits(&in_place),
        bits(&y),
        "forward_in_place differs from forward at len {len}"
    );
}

/// A new instance with `options` on the default adapter; `None` (loudly) or a panic
/// when there is none, as for [`gpu`]. Errors other than a missing adapter are returned.
pub fn gpu_with(options: Options) -> Option<Result<Sigmoid, Error>> {
    gpu()?;
    Some(Sigmoid::builder().options(options).build())
}

/// Default options with `set` applied (`Options` is `#[non_exhaustive]`: no literals).
pub fn options(set: impl FnOnce(&mut Options)) -> Options {
    let mut options = Options::default();
    set(&mut options);
    options
}

/// Every combination of the arithmetic liberties the CPU mirror models (8 of them).
pub fn every_arith() -> impl Iterator<Item = wgpu_sigmoid::cpu::mirror::Arith> {
    (0..8u32).map(|liberties| wgpu_sigmoid::cpu::mirror::Arith {
        fused_fma: liberties & 1 == 0,
        flush_subnormals: liberties & 2 != 0,
        approximate_division: liberties & 4 != 0,
    })
}

/// A shared instance with pieces of 1 024 elements, so that test lengths cross piece and
/// ring boundaries; `None` only where [`gpu`] is `None`, a panic if it cannot be made.
pub fn small_pieces() -> Option<&'static Sigmoid> {
    static INSTANCE: OnceLock<Option<Sigmoid>> = OnceLock::new();
    INSTANCE
        .get_or_init(|| {
            gpu_with(options(|o| {
                o.max_chunk_elements = 1024;
            }))
            .map(|r| r.unwrap())
        })
        .as_ref()
}

/// Runs `case` on a thread of its own and fails with "hung" if it has not finished
/// within 30 s: a test of a possible hang fails in seconds instead of holding the suite.
pub fn bounded(what: &str, case: impl FnOnce() + Send + 'static) {
    const DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        case();
        let _ = done.send(());
    });
    match finished.recv_timeout(DEADLINE) {
        Ok(()) => {}
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: hung for {DEADLINE:?}")
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            panic!("{what}: the case panicked (see above)")
        }
    }
}
