//! After the device is destroyed, every call that needs it returns
//! `Error::DeviceLost`, on the crate's own device and on a caller's, with one sentence a
//! user understands. Each case runs under a deadline (`bounded`).

use std::error::Error as _;

use wgpu_sigmoid::{Error, GpuTensor, Sigmoid};

use super::common::{bounded, gpu, test_data};
use super::tensor::caller_device;

/// Every call of the API that needs the device, by name, on tensors made before.
fn every_call(
    sigmoid: &Sigmoid,
    tensors: &[GpuTensor<f32>; 3],
) -> Vec<(&'static str, Result<(), Error>)> {
    let x = test_data(4099, 1);
    let mut y = vec![0.0f32; x.len()];
    let [a, b, c] = tensors;
    let encoder = || {
        sigmoid
            .device()
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("test"),
            })
    };
    vec![
        ("forward", sigmoid.forward(&x).map(drop)),
        ("forward_into", sigmoid.forward_into(&x, &mut y)),
        ("forward_in_place", sigmoid.forward_in_place(&mut y)),
        ("backward", sigmoid.backward(&x, &x).map(drop)),
        ("backward_into", sigmoid.backward_into(&x, &x, &mut y)),
        (
            "forward_async",
            pollster::block_on(sigmoid.forward_async(&x)).map(drop),
        ),
        (
            "forward_into_async",
            pollster::block_on(sigmoid.forward_into_async(&x, &mut y)),
        ),
        (
            "forward_in_place_async",
            pollster::block_on(sigmoid.forward_in_place_async(&mut y)),
        ),
        ("zeros", sigmoid.zeros::<f32>(16).map(drop)),
        ("upload", sigmoid.upload(&x).map(drop)),
        ("write", sigmoid.write(a, &vec![0.0; a.len() as usize])),
        ("download", sigmoid.download(a).map(drop)),
        (
            "download_into",
            sigmoid.download_into(a, &mut vec![0.0; a.len() as usize]),
        ),
        ("forward_tensor", sigmoid.recorder().forward_tensor(a, b)),
        (
            "forward_tensor in place",
            sigmoid.recorder().forward_tensor(a, a),
        ),
        (
            "backward_tensor",
            sigmoid.recorder().backward_tensor(a, b, c),
        ),
        (
            "encode_forward",
            sigmoid.recorder().encode_forward(&mut encoder(), a, b),
        ),
        (
            "encode_backward",
            sigmoid.recorder().encode_backward(&mut encoder(), a, b, c),
        ),
    ]
}

/// Destroys `sigmoid`'s device and checks every call: `DeviceLost`, one readable sentence.
fn every_call_is_device_lost(sigmoid: Sigmoid, what: &'static str) -> Vec<Error> {
    let tensors = [(); 3].map(|()| sigmoid.upload(&test_data(1024, 2)).unwrap());
    sigmoid
        .recorder()
        .forward_tensor(&tensors[0], &tensors[0])
        .unwrap();
    sigmoid.device().destroy();
    let mut errors = Vec::new();
    for (call, result) in every_call(&sigmoid, &tensors) {
        match result {
            Err(error @ Error::DeviceLost(_)) => {
                let message = error.to_string();
                assert!(
                    message.starts_with("the GPU device"),
                    "{what}: {call}: {message}"
                );
                assert!(
                    message.contains("create a new Sigmoid"),
                    "{what}: {call}: {message}"
                );
                for garble in ["Destroyed:", "submission index", "(Tried", ": ;"] {
                    assert!(!message.contains(garble), "{what}: {call}: {message}");
                }
                assert_eq!(
                    message.matches('(').count(),
                    message.matches(')').count(),
                    "{message}"
                );
                errors.push(error);
            }
            other => panic!("{what}: {call} after destroy(): expected DeviceLost, got {other:?}"),
        }
    }
    errors
}

#[test]
fn after_destroy_every_call_on_the_crates_own_device_is_device_lost() {
    let Some(_) = gpu() else { return };
    bounded("own device", || {
        let own = Sigmoid::new().unwrap();
        for error in every_call_is_device_lost(own, "own device") {
            let Error::DeviceLost(lost) = &error else {
                unreachable!()
            };
            assert!(lost.was_destroyed(), "{error}");
            assert!(error.to_string().contains("destroyed"), "{error}");
        }
    });
}

#[test]
fn after_destroy_every_call_on_a_callers_device_is_device_lost() {
    let Some(_) = gpu() else { return };
    bounded("caller's device", || {
        let theirs = caller_device().unwrap();
        let errors = every_call_is_device_lost(theirs, "caller's device");
        // Whatever revealed the loss, wgpu's error stays reachable where there was one.
        for error in &errors {
            let mut source = error.source();
            while let Some(inner) = source {
                assert!(!inner.to_string().is_empty(), "{error}");
                source = inner.source();
            }
        }
    });
}
