//! The API at its edges: a tensor used with another instance than its own, a recording
//! refused after the caller began an encoder, async calls on real executors (never
//! blocking them, spawned, dropped mid-way), and the size of the API itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use wgpu_sigmoid::{Error, GpuTensor, Sigmoid, TENSOR_USAGES};

use super::common::{bits, gpu, test_data};
use super::tensor::caller_device;

/// A second instance with its own device, beside the shared one.
fn second_instance() -> Option<Sigmoid> {
    gpu()?;
    Some(Sigmoid::new().unwrap())
}

#[test]
fn a_tensor_of_another_instance_is_refused_never_confused_with_ours() {
    let (Some(s), Some(s2)) = (gpu(), second_instance()) else {
        return;
    };
    let ta = s.upload(&[1.0f32, 2.0, 3.0, 4.0]).unwrap();
    let tb = s2.upload(&[5.0f32, 6.0, 7.0, 8.0]).unwrap();
    let mismatch = |result: Result<_, Error>, argument: &str| match result {
        Err(Error::DeviceMismatch { argument: a, .. }) => assert_eq!(a, argument),
        other => panic!("expected DeviceMismatch for {argument}, got {other:?}"),
    };
    mismatch(s.download(&tb).map(|_| ()), "tensor");
    mismatch(s.write(&tb, &[0.0; 4]), "tensor");
    mismatch(s.recorder().forward_tensor(&ta, &tb), "output");
    mismatch(s.recorder().forward_tensor(&tb, &ta), "input");
    mismatch(s.recorder().forward_tensor(&tb, &tb), "input");
    mismatch(s.recorder().backward_tensor(&ta, &tb, &ta), "dy");
    let message = s.download(&tb).unwrap_err().to_string();
    assert!(message.contains("another Sigmoid instance"), "{message}");
    // Nothing was read or written: both tensors hold their own data, and each works with
    // its own instance.
    assert_eq!(s.download(&ta).unwrap(), [1.0, 2.0, 3.0, 4.0]);
    assert_eq!(s2.download(&tb).unwrap(), [5.0, 6.0, 7.0, 8.0]);
    // A tensor works with the instance that made it.
    s2.recorder().forward_tensor(&tb, &tb).unwrap();
    assert_eq!(
        bits(&s2.download(&tb).unwrap()),
        bits(&s2.forward(&[5.0f32, 6.0, 7.0, 8.0]).unwrap())
    );
}

#[test]
fn a_refused_encode_leaves_the_callers_encoder_usable() {
    // A caller's device keeps wgpu's default error handler, which panics on any
    // uncaptured error: an invalid command recorded by a refused encode would panic at
    // finish or submit.
    let (Some(sigmoid), Some(other)) = (caller_device(), second_instance()) else {
        return;
    };
    let device = sigmoid.device();
    let ours = sigmoid.upload(&test_data(100, 1)).unwrap();
    let foreign_buffer = other.device().create_buffer(&wgpu::BufferDescriptor {
        label: Some("another device's buffer"),
        size: 400,
        usage: TENSOR_USAGES,
        mapped_at_creation: false,
    });
    let foreign = GpuTensor::<f32>::view(&other, &foreign_buffer, 0, 100).unwrap();
    let destroyed_buffer = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("destroyed buffer"),
        size: 400,
        usage: TENSOR_USAGES,
        mapped_at_creation: false,
    });
    let destroyed = GpuTensor::<f32>::view(&sigmoid, &destroyed_buffer, 0, 100).unwrap();
    destroyed_buffer.destroy();

    let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
        label: Some("caller's encoder"),
    });
    assert!(matches!(
        sigmoid
            .recorder()
            .encode_forward(&mut encoder, &ours, &foreign),
        Err(Error::DeviceMismatch {
            argument: "output",
            ..
        })
    ));
    assert!(matches!(
        sigmoid
            .recorder()
            .encode_forward(&mut encoder, &foreign, &ours),
        Err(Error::DeviceMismatch {
            argument: "input",
            ..
        })
    ));
    match sigmoid
        .recorder()
        .encode_forward(&mut encoder, &destroyed, &ours)
    {
        Err(error @ Error::Validation { .. }) => {
            // wgpu's own error is kept as the source.
            let source = std::error::Error::source(&error).map(ToString::to_string);
            assert!(source.is_some_and(|s| !s.is_empty()), "{error:?}");
        }
        Err(Error::InvalidArgument(_)) => {}
        other => panic!("a destroyed buffer: expected an error, got {other:?}"),
    }
    match sigmoid
        .recorder()
        .encode_forward(&mut encoder, &ours, &destroyed)
    {
        Err(Error::Validation { .. } | Error::InvalidArgument(_)) => {}
        other => panic!("a destroyed buffer: expected an error, got {other:?}"),
    }
    // The caller's own work after the refusals records and runs.
    let copy = sigmoid.zeros::<f32>(100).unwrap();
    sigmoid
        .recorder()
        .encode_forward(&mut encoder, &ours, &copy)
        .unwrap();
    sigmoid.queue().submit([encoder.finish()]);
    assert_eq!(
        bits(&sigmoid.download(&copy).unwrap()),
        bits(&sigmoid.forward(&sigmoid.download(&ours).unwrap()).unwrap())
    );
}

/// A multi-thread tokio runtime, as a server would run.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap()
}

#[test]
fn async_calls_leave_the_executor_running_while_the_gpu_works() {
    let Some(sigmoid) = gpu() else { return };
    let x = test_data(32 << 20, 2);
    let mut y = vec![0.0f32; x.len()];
    let ticks = AtomicU64::new(0);
    let elapsed = runtime().block_on(async {
        let started = std::time::Instant::now();
        let done = std::sync::atomic::AtomicBool::new(false);
        let call = async {
            let result = sigmoid.forward_into_async(&x, &mut y).await;
            done.store(true, Ordering::SeqCst);
            result
        };
        let ticker = async {
            let mut interval = tokio::time::interval(Duration::from_millis(1));
            // No catching up after a stall: each tick is a moment the task really ran.
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            while !done.load(Ordering::SeqCst) {
                interval.tick().await;
                ticks.fetch_add(1, Ordering::SeqCst);
            }
        };
        // Both in one task: the ticker ticks only when the call's future is pending.
        let (result, ()) = tokio::join!(call, ticker);
        result.unwrap();
        started.elapsed()
    });
    let ticks = ticks.load(Ordering::SeqCst);
    eprintln!("32 Mi forward_into_async: {elapsed:?}, {ticks} ticks of a 1 ms ticker");
    assert!(
        ticks >= 10,
        "the ticker ticked {ticks} times in {elapsed:?}: the call blocked the task"
    );
    assert_eq!(
        bits(&y[..4096]),
        bits(&sigmoid.forward(&x[..4096]).unwrap())
    );
}

#[test]
fn async_calls_spawn_on_a_multi_thread_runtime_and_survive_being_dropped() {
    let Some(sigmoid) = gpu() else { return };
    let sigmoid = Arc::new(
        Sigmoid::builder()
            .build_with_device(sigmoid.device().clone(), sigmoid.queue().clone())
            .unwrap(),
    );
    let x = test_data(1 << 20, 3);
    let expected = sigmoid.forward(&x).unwrap();
    let rt = runtime();
    let spawned = {
        let (s, x) = (Arc::clone(&sigmoid), x.clone());
        rt.spawn(async move { s.forward_async(&x).await })
    };
    let y = rt.block_on(spawned).unwrap().unwrap();
    assert_eq!(bits(&y), bits(&expected));
    // A future dropped mid-way (here after 1 ms, with pieces on the GPU) leaves the
    // instance usable.
    rt.block_on(async {
        let mut y = vec![0.0f32; x.len()];
        let call = sigmoid.forward_into_async(&x, &mut y);
        let _ = tokio::time::timeout(Duration::from_millis(1), call).await;
    });
    let mut in_place = x.clone();
    rt.block_on(sigmoid.forward_in_place_async(&mut in_place))
        .unwrap();
    assert_eq!(bits(&in_place), bits(&expected));
    assert_eq!(bits(&sigmoid.forward(&x).unwrap()), bits(&expected));
}

#[test]
fn sigmoid_keeps_one_generic_api_of_at_most_28_methods() {
    // Counted in the source: every `pub fn` of an `impl Sigmoid` block (the host layer)
    // and of `impl Recorder` (the device-side layer the recording methods moved to). The
    // issue that made the API generic cut it from 41 methods (with `_half` twins) to 28;
    // the split into two layers added one, the `recorder()` accessor; the async-first
    // core four, the async forms of `backward`, `backward_into`, `download` and
    // `download_into` (the only forms on the web). Then one path to each thing: the
    // resolved `Config` took the place of `options()` and `dispatch_elements()`; the
    // counters went to `test_support`; `forward_tensor` of one tensor twice replaced
    // `forward_tensor_in_place`; `builder().build_with_device` replaced `with_device`;
    // the adapter became part of the `Config` (`adapter_info()` gone); `Sigmoid` no
    // longer derefs to its `Recorder` (`recorder()` is the one path).
    // The blocking forms live in `blocking.rs`.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut methods = Vec::new();
    for file in ["sigmoid.rs", "blocking.rs", "tensor.rs", "recorder.rs"] {
        let source = std::fs::read_to_string(root.join(file)).unwrap();
        let mut inside = false;
        for line in source.lines() {
            if line.starts_with("impl Sigmoid {") || line.starts_with("impl Recorder {") {
                inside = true;
            } else if line.starts_with('}') {
                inside = false;
            } else if inside
                && let Some(rest) = line
                    .strip_prefix("    pub fn ")
                    .or_else(|| line.strip_prefix("    pub async fn "))
            {
                methods.push(rest.split(['(', '<']).next().unwrap().to_string());
            }
        }
    }
    assert!(
        methods.len() <= 28,
        "{} methods: {methods:?}",
        methods.len()
    );
    assert!(methods.iter().all(|m| !m.contains("half")), "{methods:?}");
    for contract in [
        "forward",
        "forward_into",
        "forward_in_place",
        "backward",
        "backward_into",
        "forward_async",
        "forward_into_async",
        "forward_in_place_async",
        "backward_async",
        "backward_into_async",
        "download_async",
        "download_into_async",
        "upload",
        "zeros",
        "write",
        "download",
        "download_into",
        "forward_tensor",
        "backward_tensor",
        "encode_forward",
        "encode_backward",
    ] {
        assert!(
            methods.iter().any(|m| m == contract),
            "{contract} missing: {methods:?}"
        );
    }
}
