//! The transfer paths and the ring of pieces: identical results whichever path runs,
//! however many pieces are in flight; buffers, bind groups and submissions counted.

use wgpu_sigmoid::test_support::{Stats, stats};
use wgpu_sigmoid::{Error, Sigmoid, TransferPath};

use super::common::{
    assert_matches_reference, bits, check_all_apis, gpu, gpu_with, options, test_data,
};

/// Small pieces so that a few thousand elements already go through several slots and
/// wrap around the ring.
const PIECE: u64 = 4096;

/// Lengths around piece and ring boundaries (3 slots of 4096).
const LENGTHS: [usize; 10] = [
    1,
    3,
    4,
    4095,
    4096,
    4097,
    3 * 4096,
    3 * 4096 + 1,
    7 * 4096 + 5,
    100_003,
];

fn instance(transfer: TransferPath, pieces_in_flight: usize) -> Option<Sigmoid> {
    let options = options(|o| {
        o.max_chunk_elements = PIECE;
        o.pieces_in_flight = pieces_in_flight;
        o.transfer = Some(transfer);
    });
    gpu_with(options).map(|r| r.expect("instance with a supported transfer path"))
}

/// The paths this adapter can run. On a CPU adapter with Vulkan (lavapipe in CI) the
/// mapped path must be among them, so that CI cannot skip it silently.
fn supported_paths() -> Vec<TransferPath> {
    let Some(shared) = gpu() else {
        return Vec::new();
    };
    let features = shared.device().features();
    let info = &shared.config().adapter;
    if info.backend == wgpu::Backend::Vulkan && info.device_type == wgpu::DeviceType::Cpu {
        assert!(
            TransferPath::Mapped.is_supported(features),
            "lavapipe offers MAPPABLE_PRIMARY_BUFFERS; the mapped path must be tested"
        );
    }
    [
        TransferPath::Mapped,
        TransferPath::Staged,
        TransferPath::QueueWrite,
    ]
    .into_iter()
    .filter(|p| p.is_supported(features))
    .collect()
}

#[test]
fn every_path_and_ring_depth_gives_identical_bits() {
    let Some(shared) = gpu() else { return };
    let mut instances = Vec::new();
    for path in supported_paths() {
        for depth in [1, 3] {
            let Some(sigmoid) = instance(path, depth) else {
                return;
            };
            assert_eq!(sigmoid.config().transfer, path);
            assert_eq!(sigmoid.config().max_chunk_elements, PIECE);
            instances.push(sigmoid);
        }
    }
    for (seed, len) in LENGTHS.into_iter().enumerate() {
        let x = test_data(len, 900 + seed as u64);
        let expected = shared.forward(&x).unwrap();
        assert_matches_reference(&x, &expected);
        for sigmoid in &instances {
            check_all_apis(sigmoid, len, 900 + seed as u64);
            assert_eq!(
                bits(&sigmoid.forward(&x).unwrap()),
                bits(&expected),
                "{:?} with {} pieces in flight differs at len {len}",
                sigmoid.config().transfer,
                sigmoid.config().max_chunk_elements
            );
        }
    }
}

/// The 16-bit types (an odd length ends in half a 4-byte word, which the queue cannot
/// write alone) and the gradient (two inputs in one buffer) on every path.
#[test]
fn every_path_gives_identical_half_precision_and_gradient_bits() {
    use half::{bf16, f16};
    let Some(shared) = gpu() else { return };
    let half_bits = |v: &[f16]| v.iter().map(|h| h.to_bits()).collect::<Vec<_>>();
    let brain_bits = |v: &[bf16]| v.iter().map(|h| h.to_bits()).collect::<Vec<_>>();
    for path in supported_paths() {
        let Some(sigmoid) = instance(path, 3) else {
            return;
        };
        for len in [1, 3, 4097, 3 * 4096 + 1] {
            let x = test_data(len, 40 + len as u64);
            let dy = test_data(len, 41 + len as u64);
            let y = shared.forward(&x).unwrap();
            let halves: Vec<f16> = x.iter().copied().map(f16::from_f32).collect();
            let brains: Vec<bf16> = x.iter().copied().map(bf16::from_f32).collect();
            assert_eq!(
                half_bits(&sigmoid.forward(&halves).unwrap()),
                half_bits(&shared.forward(&halves).unwrap()),
                "{path:?}: f16 at len {len}"
            );
            assert_eq!(
                brain_bits(&sigmoid.forward(&brains).unwrap()),
                brain_bits(&shared.forward(&brains).unwrap()),
                "{path:?}: bf16 at len {len}"
            );
            assert_eq!(
                bits(&sigmoid.backward(&y, &dy).unwrap()),
                bits(&shared.backward(&y, &dy).unwrap()),
                "{path:?}: backward at len {len}"
            );
            let (y16, dy16): (Vec<f16>, Vec<f16>) = y
                .iter()
                .zip(&dy)
                .map(|(&a, &b)| (f16::from_f32(a), f16::from_f32(b)))
                .unzip();
            assert_eq!(
                half_bits(&sigmoid.backward(&y16, &dy16).unwrap()),
                half_bits(&shared.backward(&y16, &dy16).unwrap()),
                "{path:?}: f16 backward at len {len}"
            );
        }
    }
}

#[test]
fn preferred_path_follows_the_device_type_and_backend() {
    use wgpu::{AdapterInfo, Backend, DeviceType, Features};
    let mappable = Features::MAPPABLE_PRIMARY_BUFFERS;
    let preferred = |device_type, backend, features| {
        TransferPath::preferred(&AdapterInfo::new(device_type, backend), features)
    };
    assert_eq!(
        preferred(DeviceType::Cpu, Backend::Vulkan, mappable),
        TransferPath::Mapped
    );
    assert_eq!(
        preferred(DeviceType::IntegratedGpu, Backend::Metal, mappable),
        TransferPath::Mapped
    );
    // A discrete GPU's mappable storage would live in slow host-visible memory.
    assert_eq!(
        preferred(DeviceType::DiscreteGpu, Backend::Vulkan, mappable),
        TransferPath::Staged
    );
    assert_eq!(
        preferred(DeviceType::Cpu, Backend::Gl, Features::empty()),
        TransferPath::Staged
    );
    // In the browser a mapped buffer goes through wasm memory; the queue writes once.
    for device_type in [DeviceType::Cpu, DeviceType::DiscreteGpu] {
        assert_eq!(
            preferred(device_type, Backend::BrowserWebGpu, Features::empty()),
            TransferPath::QueueWrite
        );
    }
}

#[test]
fn mapped_path_without_the_feature_is_a_typed_error() {
    let Some(shared) = gpu() else { return };
    if TransferPath::Mapped.is_supported(shared.device().features()) {
        eprintln!("adapter maps storage buffers; nothing to refuse here");
        return;
    }
    let options = options(|o| {
        o.transfer = Some(TransferPath::Mapped);
    });
    match gpu_with(options) {
        Some(Err(Error::Unsupported(message))) => {
            assert!(message.contains("MAPPABLE_PRIMARY_BUFFERS"), "{message}");
        }
        other => panic!("expected Error::Unsupported, got {other:?}"),
    }
}

/// Calls `f` and returns how the instance's counters moved.
fn delta(sigmoid: &Sigmoid, f: impl FnOnce()) -> Stats {
    let before = stats(sigmoid);
    f();
    let after = stats(sigmoid);
    Stats {
        buffers_created: after.buffers_created - before.buffers_created,
        bind_groups_created: after.bind_groups_created - before.bind_groups_created,
        submissions: after.submissions - before.submissions,
    }
}

#[test]
fn repeated_calls_create_nothing_and_submit_once_per_piece() {
    for path in supported_paths() {
        let Some(sigmoid) = instance(path, 3) else {
            return;
        };
        let small = test_data(1024, 5);
        let mut out = vec![0.0; small.len()];
        let first = delta(&sigmoid, || sigmoid.forward_into(&small, &mut out).unwrap());
        // 1 024 elements are whole vec4s: one bind group, for the main pass.
        assert!(first.buffers_created > 0 && first.bind_groups_created == 1);
        for _ in 0..50 {
            let d = delta(&sigmoid, || sigmoid.forward_into(&small, &mut out).unwrap());
            assert_eq!(
                d,
                Stats {
                    buffers_created: 0,
                    bind_groups_created: 0,
                    submissions: 1
                },
                "{path:?}: a repeated 1 Ki call"
            );
        }

        // Ten pieces through three slots: the first call grows the slots, the second
        // reuses everything.
        let long = test_data(10 * PIECE as usize, 6);
        let mut out = vec![0.0; long.len()];
        sigmoid.forward_into(&long, &mut out).unwrap();
        let d = delta(&sigmoid, || sigmoid.forward_into(&long, &mut out).unwrap());
        assert_eq!(
            d,
            Stats {
                buffers_created: 0,
                bind_groups_created: 0,
                submissions: 10
            },
            "{path:?}: a repeated 10-piece call"
        );
        // Shorter calls still fit the grown slots.
        let d = delta(&sigmoid, || {
            sigmoid.forward_into(&small, &mut out[..1024]).unwrap()
        });
        assert_eq!(d.buffers_created, 0, "{path:?}");
    }
}

#[test]
fn rejected_call_leaves_the_instance_usable() {
    let Some(sigmoid) = instance(TransferPath::Staged, 3) else {
        return;
    };
    let x = test_data(5 * PIECE as usize, 8);
    let mut short = vec![0.0; x.len() - 1];
    assert!(matches!(
        sigmoid.forward_into(&x, &mut short),
        Err(Error::LengthMismatch { .. })
    ));
    check_all_apis(&sigmoid, x.len(), 8);
}
