//! GPU results against the CPU reference, on the adapter the environment selects.

use wgpu_sigmoid::adapter::{self, AdapterOptions};
use wgpu_sigmoid::{Error, Sigmoid, cpu};

use super::common::{assert_matches_reference, bits, check_all_apis, gpu, options, test_data};

const TF_INPUT: [f32; 5] = [-20.0, -1.0, 0.0, 1.0, 20.0];
const TF_BITS: [u32; 5] = [
    0x310d_a433,
    0x3e89_b2b1,
    0x3f00_0000,
    0x3f3b_26a8,
    0x3f80_0000,
];

#[test]
fn small_and_odd_lengths() {
    let Some(sigmoid) = gpu() else { return };
    for (seed, len) in [
        0usize, 1, 2, 3, 4, 5, 7, 8, 255, 256, 257, 1023, 1024, 1025, 4099,
    ]
    .into_iter()
    .enumerate()
    {
        check_all_apis(sigmoid, len, seed as u64);
    }
}

#[test]
fn a_million_and_three() {
    let Some(sigmoid) = gpu() else { return };
    check_all_apis(sigmoid, 1_000_003, 11);
}

#[test]
fn one_past_the_workgroup_grid_of_one_dimension() {
    // 65 535 workgroups × 256 invocations × 4 elements is the most one dimension of
    // the grid covers; one more element needs the 2-D fold (or, where one binding cannot
    // hold it, a second chunk).
    let Some(sigmoid) = gpu() else { return };
    let len = 65_535 * 256 * 4 + 1;
    let x = test_data(len, 21);
    let mut y = vec![0.0; len];
    sigmoid.forward_into(&x, &mut y).unwrap();
    assert_matches_reference(&x, &y);
}

#[test]
fn one_past_32_mi_elements_crosses_the_binding_limit() {
    // 32 Mi f32 are 128 MiB, lavapipe's max_storage_buffer_binding_size.
    let Some(sigmoid) = gpu() else { return };
    let len = (32 << 20) + 1;
    let mut x = test_data(len, 31);
    // The TF example straddling the chunk boundary and in the tail.
    x[(32 << 20) - 2..(32 << 20) + 1].copy_from_slice(&TF_INPUT[..3]);
    let mut y = x.clone();
    sigmoid.forward_in_place(&mut y).unwrap();
    assert_matches_reference(&x, &y);
    assert_eq!(bits(&y[(32 << 20) - 2..]), TF_BITS[..3]);
}

#[test]
fn two_dimensional_grid_and_chunking_with_small_limits() {
    // Tiny limits force the 2-D fold (3 × n workgroups) and many chunks on any adapter.
    let options = options(|o| {
        o.max_workgroups_per_dimension = 3;
        o.max_chunk_elements = 5_000;
    });
    let sigmoid = match Sigmoid::builder().options(options).build() {
        Ok(s) => s,
        Err(e) if super::common::gpu_required() => panic!("{e}"),
        Err(_) => return,
    };
    assert!(sigmoid.config().max_chunk_elements <= 5_000);
    assert_eq!(
        wgpu_sigmoid::test_support::grid(
            sigmoid.config().max_chunk_elements,
            Default::default(),
            3
        )
        .0,
        3
    );
    assert!(
        wgpu_sigmoid::test_support::grid(
            sigmoid.config().max_chunk_elements,
            Default::default(),
            3
        )
        .1 > 1,
        "grid must fold"
    );
    for (seed, len) in [4_999usize, 5_000, 5_001, 123_457].into_iter().enumerate() {
        check_all_apis(&sigmoid, len, 100 + seed as u64);
    }
}

#[test]
fn tensorflow_documentation_example() {
    let Some(sigmoid) = gpu() else { return };
    assert_eq!(bits(&sigmoid.forward(&TF_INPUT).unwrap()), TF_BITS);

    // Inside a long tensor, at every alignment relative to the vec4 lanes.
    let mut x = test_data(100_003, 41);
    for offset in [0, 1_001, 50_002, 100_003 - 5] {
        x[offset..offset + 5].copy_from_slice(&TF_INPUT);
    }
    let y = sigmoid.forward(&x).unwrap();
    for offset in [0, 1_001, 50_002, 100_003 - 5] {
        assert_eq!(bits(&y[offset..offset + 5]), TF_BITS, "at offset {offset}");
    }
    assert_eq!(bits(&cpu::sigmoid_slice(&TF_INPUT)), TF_BITS);
}

#[test]
fn special_values_and_subnormal_results() {
    let Some(sigmoid) = gpu() else { return };
    let specials = [
        (0x0000_0000u32, 0x3f00_0000u32), // +0 → 0.5
        (0x8000_0000, 0x3f00_0000),       // -0 → 0.5
        (0x7f80_0000, 0x3f80_0000),       // +inf → 1
        (0xff80_0000, 0x0000_0000),       // -inf → +0
        (0x7fc0_0000, 0x7fc0_0000),       // quiet NaN → itself
        (0xffc1_2345, 0xffc1_2345),       // negative NaN with payload → itself
        (0x7f80_0001, 0x7fc0_0001),       // signalling NaN → quieted, payload kept
        (0x0000_0001, 0x3f00_0000),       // smallest subnormal → 0.5
        (0x8000_0001, 0x3f00_0000),
        (0x7f7f_ffff, 0x3f80_0000), // f32::MAX → 1
        (0xff7f_ffff, 0x0000_0000), // f32::MIN → 0
    ];
    let x: Vec<f32> = specials.iter().map(|&(i, _)| f32::from_bits(i)).collect();
    let y = sigmoid.forward(&x).unwrap();
    for ((input, want), got) in specials.iter().zip(bits(&y)) {
        assert_eq!(
            got, *want,
            "sigmoid({input:#010x}) = {got:#010x}, want {want:#010x}"
        );
    }

    // Dense sample of the inputs whose results are subnormal, and the edges around them.
    let mut x = Vec::new();
    let mut v = -86.0f32;
    while v > -105.0 {
        x.push(v);
        v = f32::from_bits(v.to_bits() + 61);
    }
    let y = sigmoid.forward(&x).unwrap();
    assert_matches_reference(&x, &y);
    let subnormal = y.iter().filter(|r| r.is_subnormal()).count();
    assert!(
        subnormal > x.len() / 2,
        "only {subnormal} of {} results subnormal",
        x.len()
    );
    assert!(y.iter().all(|r| r.is_sign_positive()));
}

#[test]
fn forward_into_rejects_length_mismatch() {
    let Some(sigmoid) = gpu() else { return };
    let mut y = vec![0.0; 3];
    let error = sigmoid.forward_into(&[1.0, 2.0], &mut y).unwrap_err();
    assert!(
        matches!(
            error,
            Error::LengthMismatch {
                argument: "output",
                actual: 3,
                reference: "input",
                expected: 2
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("output has 3 elements"),
        "{error}"
    );
    assert_eq!(y, [0.0; 3], "output untouched on error");
}

#[test]
fn async_variants_match() {
    let Some(sigmoid) = gpu() else { return };
    let x = test_data(10_001, 51);
    let y = pollster::block_on(sigmoid.forward_async(&x)).unwrap();
    let mut into = vec![0.0; x.len()];
    pollster::block_on(sigmoid.forward_into_async(&x, &mut into)).unwrap();
    let mut in_place = x.clone();
    pollster::block_on(sigmoid.forward_in_place_async(&mut in_place)).unwrap();
    assert_matches_reference(&x, &y);
    assert_eq!(bits(&y), bits(&into));
    assert_eq!(bits(&y), bits(&in_place));
}

#[test]
fn caller_owned_device_and_threads() {
    let Some(_) = gpu() else { return };
    let adapter =
        pollster::block_on(adapter::select(&AdapterOptions::from_env().unwrap())).unwrap();
    let (device, queue) =
        pollster::block_on(adapter::open_device(&adapter, wgpu::Features::empty())).unwrap();
    let sigmoid = Sigmoid::builder().build_with_device(device, queue).unwrap();
    std::thread::scope(|scope| {
        for t in 0..4u64 {
            let sigmoid = &sigmoid;
            scope.spawn(move || {
                for i in 0..10 {
                    let x = test_data((t * 997 + i * 131) as usize, t * 100 + i);
                    let y = sigmoid.forward(&x).unwrap();
                    assert_matches_reference(&x, &y);
                }
            });
        }
    });
}

#[test]
fn empty_input_never_touches_the_gpu_and_lost_device_is_an_error() {
    let Some(_) = gpu() else { return };
    let sigmoid = Sigmoid::new().unwrap();
    assert_eq!(sigmoid.forward(&[1.0]).unwrap().len(), 1);
    sigmoid.device().destroy();
    assert_eq!(sigmoid.forward::<f32>(&[]).unwrap(), Vec::<f32>::new());
    sigmoid.forward_in_place::<f32>(&mut []).unwrap();
    match sigmoid.forward(&[1.0]) {
        Err(Error::DeviceLost(_)) => {}
        other => panic!("expected DeviceLost, got {other:?}"),
    }
}

/// Every dispatch shape gives the default shape's bits: several vec4s per invocation
/// (with partial last invocations), other workgroup sizes, the folded grid (3 workgroups
/// per dimension) and the scalar tails, through the host calls and `encode_forward`.
#[test]
fn every_dispatch_shape_gives_the_same_bits() {
    let Some(reference) = gpu() else { return };
    let shapes = [
        (256, 2, u32::MAX),
        (64, 4, u32::MAX),
        (128, 3, 3),
        (32, 1, 3),
        (1, 4, 7),
    ];
    for (workgroup_size, vec4_per_invocation, max_workgroups) in shapes {
        let shape = wgpu_sigmoid::DispatchShape::new(workgroup_size, vec4_per_invocation);
        let sigmoid = Sigmoid::builder()
            .dispatch_shape(shape)
            .max_workgroups_per_dimension(max_workgroups)
            .max_chunk_elements(200_000)
            .build()
            .unwrap();
        assert_eq!(sigmoid.config().dispatch_shape, shape);
        let per_workgroup = (workgroup_size * vec4_per_invocation * 4) as usize;
        for (seed, len) in [
            1,
            3,
            4,
            5,
            per_workgroup - 1,
            per_workgroup + 5,
            4099,
            123_457,
            600_001,
        ]
        .into_iter()
        .enumerate()
        {
            let x = test_data(len, 700 + seed as u64);
            let want = reference.forward(&x).unwrap();
            check_all_apis(&sigmoid, len, 700 + seed as u64);
            assert_eq!(
                bits(&sigmoid.forward(&x).unwrap()),
                bits(&want),
                "{shape:?} len {len}"
            );
            let tensor = sigmoid.upload(&x).unwrap();
            let y = sigmoid.zeros::<f32>(len as u64).unwrap();
            sigmoid.recorder().forward_tensor(&tensor, &y).unwrap();
            assert_eq!(
                bits(&sigmoid.download(&y).unwrap()),
                bits(&want),
                "{shape:?} encode {len}"
            );
            sigmoid.recorder().forward_tensor(&tensor, &tensor).unwrap();
            assert_eq!(
                bits(&sigmoid.download(&tensor).unwrap()),
                bits(&want),
                "{shape:?} in place {len}"
            );
        }
    }
    // Out-of-range shapes are clamped, not refused.
    let clamped = Sigmoid::builder()
        .dispatch_shape(wgpu_sigmoid::DispatchShape::new(1 << 20, 99))
        .build()
        .unwrap();
    let shape = clamped.config().dispatch_shape;
    assert_eq!(
        shape.vec4_per_invocation,
        wgpu_sigmoid::MAX_VEC4_PER_INVOCATION
    );
    assert!(
        shape.workgroup_size
            <= clamped
                .device()
                .limits()
                .max_compute_invocations_per_workgroup
    );
    check_all_apis(&clamped, 70_001, 9);
}

#[test]
fn timer_features_are_requested_only_when_asked_for() {
    let Some(shared) = gpu() else { return };
    // The library needs no timestamps: an instance of its own does not hold them.
    let plain = shared.device().features();
    assert!(
        !plain.intersects(adapter::TIMER_FEATURES),
        "a default instance requested {plain:?}"
    );
    // A benchmark asks; lavapipe and llvmpipe have both features, so CI sees them granted.
    let timed = Sigmoid::builder()
        .features(adapter::TIMER_FEATURES)
        .build()
        .unwrap();
    let info = &timed.config().adapter;
    let software = info.device_type == wgpu::DeviceType::Cpu
        && matches!(info.backend, wgpu::Backend::Vulkan | wgpu::Backend::Gl);
    if software {
        assert!(
            timed.device().features().contains(adapter::TIMER_FEATURES),
            "{:?}",
            timed.device().features()
        );
    }
}
