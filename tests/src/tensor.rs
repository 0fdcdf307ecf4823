//! Device-resident tensors and `encode_forward` into the caller's encoder: results equal the
//! host API's bit for bit, batches run in one submission, long ranges are split into
//! dispatches at aligned offsets, and bad arguments are typed errors on a caller's
//! device whose default error handler would panic.

use wgpu_sigmoid::adapter::{self, AdapterOptions};
use wgpu_sigmoid::{Error, GpuTensor, Sigmoid, TENSOR_USAGES};

use super::common::{assert_matches_reference, bits, gpu, gpu_with, options, test_data};

#[test]
fn tensors_match_the_host_api() {
    let Some(sigmoid) = gpu() else { return };
    for (seed, len) in [0usize, 1, 3, 4, 5, 1001, 100_003].into_iter().enumerate() {
        let x = test_data(len, 300 + seed as u64);
        let expected = sigmoid.forward(&x).unwrap();
        let input = sigmoid.upload(&x).unwrap();
        let output = sigmoid.zeros(len as u64).unwrap();
        sigmoid.recorder().forward_tensor(&input, &output).unwrap();
        assert_eq!(
            bits(&sigmoid.download(&output).unwrap()),
            bits(&expected),
            "len {len}"
        );
        // The input tensor is untouched; in place gives the same.
        assert_eq!(
            bits(&sigmoid.download(&input).unwrap()),
            bits(&x),
            "len {len}"
        );
        sigmoid.recorder().forward_tensor(&input, &input).unwrap();
        let mut in_place = vec![0.0; len];
        sigmoid.download_into(&input, &mut in_place).unwrap();
        assert_eq!(bits(&in_place), bits(&expected), "len {len}");
    }
}

#[test]
fn sixteen_bit_tensors_match_the_host_api() {
    let Some(sigmoid) = gpu() else { return };
    // Odd lengths: the last word holds one element and a padding half.
    for len in [1usize, 7, 65_535] {
        let x: Vec<half::f16> = (0..len as u16)
            .map(|i| half::f16::from_bits(i.wrapping_mul(40_503)))
            .collect();
        let input = sigmoid.upload(&x).unwrap();
        let output = sigmoid.zeros::<half::f16>(len as u64).unwrap();
        sigmoid.recorder().forward_tensor(&input, &output).unwrap();
        let on_device = sigmoid.download(&output).unwrap();
        let on_host = sigmoid.forward(&x).unwrap();
        let b = |v: &[half::f16]| v.iter().map(|h| h.to_bits()).collect::<Vec<_>>();
        assert_eq!(b(&on_device), b(&on_host), "f16 len {len}");
        assert_eq!(
            b(&sigmoid.download(&input).unwrap()),
            b(&x),
            "input changed"
        );

        let xb: Vec<half::bf16> = x
            .iter()
            .map(|h| half::bf16::from_bits(h.to_bits()))
            .collect();
        let input = sigmoid.upload(&xb).unwrap();
        let output = sigmoid.zeros::<half::bf16>(len as u64).unwrap();
        sigmoid.recorder().forward_tensor(&input, &output).unwrap();
        let bb = |v: &[half::bf16]| v.iter().map(|h| h.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            bb(&sigmoid.download(&output).unwrap()),
            bb(&sigmoid.forward(&xb).unwrap()),
            "bf16 len {len}"
        );

        // The gradient on 16-bit tensors.
        let y = on_host;
        let dy: Vec<half::f16> = vec![half::f16::from_f32(-1.5); len];
        let (ty, tdy) = (sigmoid.upload(&y).unwrap(), sigmoid.upload(&dy).unwrap());
        let tdx = sigmoid.zeros::<half::f16>(len as u64).unwrap();
        sigmoid.recorder().backward_tensor(&ty, &tdy, &tdx).unwrap();
        assert_eq!(
            b(&sigmoid.download(&tdx).unwrap()),
            b(&sigmoid.backward(&y, &dy).unwrap()),
            "f16 gradient len {len}"
        );
    }
    // encode_half on an odd count in a caller's buffer leaves the next element alone.
    let input = sigmoid.upload(&[half::f16::from_f32(2.0); 16]).unwrap();
    let sentinel = half::f16::from_f32(-7.0);
    let output = sigmoid.upload(&[sentinel; 16]).unwrap();
    let input_view = GpuTensor::<half::f16>::view(sigmoid, input.buffer(), 0, 7).unwrap();
    let output_view = GpuTensor::<half::f16>::view(sigmoid, output.buffer(), 0, 7).unwrap();
    submit_with(sigmoid, |encoder| {
        sigmoid
            .recorder()
            .encode_forward(encoder, &input_view, &output_view)
    })
    .unwrap();
    let after = sigmoid.download(&output).unwrap();
    let expected = sigmoid.forward(&[half::f16::from_f32(2.0)]).unwrap()[0];
    assert!(after[..7].iter().all(|&v| v == expected), "{after:?}");
    assert!(after[7..].iter().all(|&v| v == sentinel), "{after:?}");
    // In place on an odd count: the element after the range keeps its value.
    let five = GpuTensor::<half::f16>::view(sigmoid, output.buffer(), 0, 5).unwrap();
    submit_with(sigmoid, |encoder| {
        sigmoid.recorder().encode_forward(encoder, &five, &five)
    })
    .unwrap();
    let again = sigmoid.download(&output).unwrap();
    let twice = sigmoid.forward(&[expected]).unwrap()[0];
    assert!(again[..5].iter().all(|&v| v == twice), "{again:?}");
    assert_eq!(&again[5..], &after[5..]);

    // In place on 16-bit tensors, odd lengths included.
    for len in [5usize, 4097] {
        let x: Vec<half::bf16> = (0..len)
            .map(|i| half::bf16::from_f32(i as f32 * 0.01 - 3.0))
            .collect();
        let t = sigmoid.upload(&x).unwrap();
        sigmoid.recorder().forward_tensor(&t, &t).unwrap();
        let bb = |v: &[half::bf16]| v.iter().map(|h| h.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            bb(&sigmoid.download(&t).unwrap()),
            bb(&sigmoid.forward(&x).unwrap())
        );
    }
    // The gradient has no in-place kernel: a typed error, not a wgpu panic.
    let t = sigmoid.upload(&[half::f16::ONE; 4]).unwrap();
    let u = sigmoid.upload(&[half::f16::ONE; 4]).unwrap();
    assert!(matches!(
        sigmoid.recorder().backward_tensor(&t, &u, &t),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn many_operations_in_one_submission() {
    // An instance of its own: the submission count below must not see other tests.
    let Some(Ok(sigmoid)) = gpu_with(wgpu_sigmoid::Options::default()) else {
        return;
    };
    let x = test_data(70_001, 31);
    let a = sigmoid.upload(&x).unwrap();
    let b = sigmoid.zeros(a.len()).unwrap();
    let c = sigmoid.zeros(a.len()).unwrap();
    let mut encoder = sigmoid
        .device()
        .create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("test batch"),
        });
    // b = σ(a); c = σ(b); c = σ(c) — three dependent passes, one submit.
    sigmoid
        .recorder()
        .encode_forward(&mut encoder, &a, &b)
        .unwrap();
    sigmoid
        .recorder()
        .encode_forward(&mut encoder, &b, &c)
        .unwrap();
    sigmoid
        .recorder()
        .encode_forward(&mut encoder, &c, &c)
        .unwrap();
    let before = wgpu_sigmoid::test_support::stats(&sigmoid).submissions;
    sigmoid.queue().submit([encoder.finish()]);
    let once = sigmoid.forward(&x).unwrap();
    let twice = sigmoid.forward(&once).unwrap();
    let thrice = sigmoid.forward(&twice).unwrap();
    assert_eq!(bits(&sigmoid.download(&b).unwrap()), bits(&once));
    assert_eq!(bits(&sigmoid.download(&c).unwrap()), bits(&thrice));
    // Only the host calls above submitted through the instance.
    assert_eq!(
        wgpu_sigmoid::test_support::stats(&sigmoid).submissions - before,
        3
    );
}

#[test]
fn long_tensors_are_split_into_aligned_dispatches() {
    // A 3 × 3 grid of workgroups of 256 caps one dispatch at 9 216 elements, so 100 003
    // elements take 11 dispatches, each at a different aligned offset, plus a tail. (The
    // shape is fixed: an adapter's preferred workgroups may be larger.)
    let Some(Ok(sigmoid)) = gpu_with(options(|o| {
        o.max_workgroups_per_dimension = 3;
        o.dispatch_shape = Some(wgpu_sigmoid::DispatchShape::default());
    })) else {
        return;
    };
    assert!(sigmoid.config().dispatch_elements < 10_000);
    let x = test_data(100_003, 32);
    let t = sigmoid.upload(&x).unwrap();
    sigmoid.recorder().forward_tensor(&t, &t).unwrap();
    assert_matches_reference(&x, &sigmoid.download(&t).unwrap());
}

/// Submits, in one command buffer, what `record` encodes; returns what `record` returns.
fn submit_with<T>(sigmoid: &Sigmoid, record: impl FnOnce(&mut wgpu::CommandEncoder) -> T) -> T {
    let mut encoder = sigmoid
        .device()
        .create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("test encoder"),
        });
    let recorded = record(&mut encoder);
    sigmoid.queue().submit([encoder.finish()]);
    recorded
}

/// A device of the caller's, with wgpu's default error handler (which panics on any
/// uncaptured error), and an instance on it.
pub fn caller_device() -> Option<Sigmoid> {
    gpu()?;
    let adapter =
        pollster::block_on(adapter::select(&AdapterOptions::from_env().unwrap())).unwrap();
    let (device, queue) =
        pollster::block_on(adapter::open_device(&adapter, wgpu::Features::empty())).unwrap();
    Some(Sigmoid::builder().build_with_device(device, queue).unwrap())
}

fn offset_alignment(sigmoid: &Sigmoid) -> u64 {
    u64::from(
        sigmoid
            .device()
            .limits()
            .min_storage_buffer_offset_alignment,
    )
}

fn buffer(sigmoid: &Sigmoid, bytes: u64, usage: wgpu::BufferUsages) -> wgpu::Buffer {
    sigmoid.device().create_buffer(&wgpu::BufferDescriptor {
        label: Some("test buffer"),
        size: bytes,
        usage,
        mapped_at_creation: false,
    })
}

#[test]
fn encode_works_on_unpadded_ranges_at_offsets_in_callers_buffers() {
    let Some(sigmoid) = caller_device() else {
        return;
    };
    let alignment = offset_alignment(&sigmoid);
    for len in [1u64, 7, 4099] {
        // Input at one aligned offset, output at another, each buffer ending exactly
        // where its range ends; sentinels before the ranges.
        let (input_offset, output_offset) = (alignment, 2 * alignment);
        let input = buffer(&sigmoid, input_offset + len * 4, TENSOR_USAGES);
        let output = buffer(&sigmoid, output_offset + len * 4, TENSOR_USAGES);
        let x = test_data(len as usize, 33 + len);
        sigmoid
            .queue()
            .write_buffer(&input, input_offset, bytemuck::cast_slice(&x));
        let sentinel = vec![7.5f32; (output_offset / 4) as usize];
        sigmoid
            .queue()
            .write_buffer(&output, 0, bytemuck::cast_slice(&sentinel));
        let input_view = GpuTensor::<f32>::view(&sigmoid, &input, input_offset, len).unwrap();
        let output_view = GpuTensor::<f32>::view(&sigmoid, &output, output_offset, len).unwrap();
        submit_with(&sigmoid, |encoder| {
            sigmoid
                .recorder()
                .encode_forward(encoder, &input_view, &output_view)
        })
        .unwrap();
        // A view reads back like a tensor.
        assert_eq!(
            bits(&sigmoid.download(&output_view).unwrap()),
            bits(&sigmoid.forward(&x).unwrap()),
            "len {len}: download of a view"
        );

        // Read the whole output buffer back through a tensor-sized copy.
        let all = sigmoid.zeros(output_offset / 4 + len).unwrap();
        submit_with(&sigmoid, |encoder| {
            encoder.copy_buffer_to_buffer(&output, 0, all.buffer(), 0, output_offset + len * 4);
        });
        let y = sigmoid.download(&all).unwrap();
        let (before, result) = y.split_at((output_offset / 4) as usize);
        assert_eq!(
            before,
            &sentinel[..],
            "len {len}: bytes before the range changed"
        );
        assert_eq!(
            bits(result),
            bits(&sigmoid.forward(&x).unwrap()),
            "len {len}"
        );
    }
}

#[test]
fn encode_rejects_bad_arguments_with_typed_errors() {
    let Some(sigmoid) = caller_device() else {
        return;
    };
    let alignment = offset_alignment(&sigmoid);
    let good = buffer(&sigmoid, 4096, TENSOR_USAGES);
    let other = buffer(&sigmoid, 4096, TENSOR_USAGES);
    let no_storage = buffer(
        &sigmoid,
        4096,
        wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::COPY_SRC,
    );
    let mut encoder = sigmoid
        .device()
        .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
    // Views refuse what encode cannot bind.
    let cases: [(&str, &wgpu::Buffer, u64, u64, &str); 4] = [
        ("no STORAGE", &no_storage, 0, 16, "lack STORAGE"),
        ("misaligned", &good, 4, 16, "not a multiple"),
        ("past the end", &good, 0, 1025, "do not fit"),
        ("overflowing", &good, alignment, u64::MAX / 2, "do not fit"),
    ];
    for (name, buffer, offset, elements, message) in cases {
        match GpuTensor::<f32>::view(&sigmoid, buffer, offset, elements) {
            Err(Error::InvalidArgument(text)) => assert!(text.contains(message), "{name}: {text}"),
            other => panic!("{name}: expected InvalidArgument, got {other:?}"),
        }
    }
    let at = |buffer: &wgpu::Buffer, offset| {
        GpuTensor::<f32>::view(&sigmoid, buffer, offset, 16).unwrap()
    };
    match sigmoid
        .recorder()
        .encode_forward(&mut encoder, &at(&good, 0), &at(&good, alignment))
    {
        Err(Error::InvalidArgument(text)) => assert!(text.contains("same buffer"), "{text}"),
        other => panic!("same buffer, other offset: expected InvalidArgument, got {other:?}"),
    }
    match sigmoid.recorder().encode_forward(
        &mut encoder,
        &at(&good, 0),
        &GpuTensor::view(&sigmoid, &other, 0, 15).unwrap(),
    ) {
        Err(Error::LengthMismatch {
            argument: "output",
            actual: 15,
            expected: 16,
            ..
        }) => {}
        other => panic!("lengths: expected LengthMismatch, got {other:?}"),
    }
    // Nothing was recorded: the encoder is still valid and submits cleanly.
    sigmoid.queue().submit([encoder.finish()]);

    let t = sigmoid.zeros(10).unwrap();
    assert!(matches!(
        sigmoid.download_into(&t, &mut [0.0; 9]),
        Err(Error::LengthMismatch { .. })
    ));
    assert!(matches!(
        sigmoid.zeros::<f32>(u64::MAX / 2),
        Err(Error::Unsupported(_))
    ));
}

#[test]
fn the_recorder_records_into_a_compute_pass_of_the_callers_as_into_an_encoder() {
    let Some(sigmoid) = gpu() else { return };
    let x = test_data(10_001, 11);
    let dy = test_data(10_001, 12);
    let (input, gradient) = (sigmoid.upload(&x).unwrap(), sigmoid.upload(&dy).unwrap());
    let (y, dx) = (
        sigmoid.zeros::<f32>(x.len() as u64).unwrap(),
        sigmoid.zeros::<f32>(x.len() as u64).unwrap(),
    );
    // One pass of the caller's, both operations recorded into it.
    submit_with(sigmoid, |encoder| {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("caller's pass"),
            timestamp_writes: None,
        });
        let recorder = sigmoid.recorder();
        recorder.encode_forward(&mut pass, &input, &y).unwrap();
        recorder
            .encode_backward(&mut pass, &input, &gradient, &dx)
            .unwrap();
    });
    let forward = sigmoid.download(&y).unwrap();
    assert_eq!(bits(&forward), bits(&sigmoid.forward(&x).unwrap()));
    assert_eq!(
        bits(&sigmoid.download(&dx).unwrap()),
        bits(&sigmoid.backward(&x, &dy).unwrap())
    );
}
