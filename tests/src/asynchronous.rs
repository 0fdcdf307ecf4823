//! The async forms, the only host calls on the web, give their blocking forms' bits:
//! the gradient and tensor downloads too, across pieces, for every element type, with
//! the same typed errors, spawned on a multi-thread executor as a server would.

use wgpu_sigmoid::half::{bf16, f16};
use wgpu_sigmoid::{Element, Error, Sigmoid};

use super::common::{small_pieces, test_data};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The bytes of `v`: NaNs compare by their bits.
fn raw<T: Element>(v: &[T]) -> Vec<u8> {
    bytemuck::cast_slice(v).to_vec()
}

/// The gradient and the download of `y` and `dy`, async and blocking, bit for bit.
fn check_type<T: Element>(
    sigmoid: &'static Sigmoid,
    rt: &tokio::runtime::Runtime,
    (y, dy): (Vec<T>, Vec<T>),
) {
    let len = y.len();
    let blocking = sigmoid.backward(&y, &dy).unwrap();
    let task = {
        let (y, dy) = (y.clone(), dy.clone());
        rt.spawn(async move { sigmoid.backward_async(&y, &dy).await })
    };
    let spawned = rt.block_on(task).unwrap().unwrap();
    assert_eq!(raw(&spawned), raw(&blocking), "len {len}");
    let mut into = vec![T::zeroed(); len];
    rt.block_on(sigmoid.backward_into_async(&y, &dy, &mut into))
        .unwrap();
    assert_eq!(raw(&into), raw(&blocking), "len {len}");

    let tensor = sigmoid.upload(&y).unwrap();
    let task = {
        let tensor = sigmoid.upload(&y).unwrap();
        rt.spawn(async move { sigmoid.download_async(&tensor).await })
    };
    let downloaded = rt.block_on(task).unwrap().unwrap();
    assert_eq!(raw(&downloaded), raw(&y), "len {len}");
    let mut out = vec![T::zeroed(); len];
    rt.block_on(sigmoid.download_into_async(&tensor, &mut out))
        .unwrap();
    assert_eq!(raw(&out), raw(&y), "len {len}");
}

#[test]
fn async_gradient_and_download_give_the_blocking_forms_bits() {
    // Pieces of 1 024 elements: these lengths cross piece and ring boundaries.
    let Some(sigmoid) = small_pieces() else {
        return;
    };
    let rt = runtime();
    for len in [0usize, 1, 3, 1024, 5 * 1024 + 7] {
        let y: Vec<f32> = test_data(len, 500 + len as u64)
            .iter()
            .map(|&x| 1.0 / (1.0 + (-x).exp()))
            .collect();
        let dy = test_data(len, 600 + len as u64);
        let half = |v: &[f32]| v.iter().map(|&x| f16::from_f32(x)).collect::<Vec<_>>();
        let brain = |v: &[f32]| v.iter().map(|&x| bf16::from_f32(x)).collect::<Vec<_>>();
        check_type(sigmoid, &rt, (half(&y), half(&dy)));
        check_type(sigmoid, &rt, (brain(&y), brain(&dy)));
        check_type(sigmoid, &rt, (y, dy));
    }
}

#[test]
fn async_forms_return_the_blocking_forms_errors() {
    let Some(sigmoid) = small_pieces() else {
        return;
    };
    let rt = runtime();
    let y = [0.5f32; 4];
    assert!(matches!(
        rt.block_on(sigmoid.backward_async(&y, &[1.0; 3])),
        Err(Error::LengthMismatch { .. })
    ));
    assert!(matches!(
        rt.block_on(sigmoid.backward_into_async(&y, &[1.0; 4], &mut [0.0; 5])),
        Err(Error::LengthMismatch { .. })
    ));
    let tensor = sigmoid.upload(&y).unwrap();
    assert!(matches!(
        rt.block_on(sigmoid.download_into_async(&tensor, &mut [0.0; 3])),
        Err(Error::LengthMismatch { .. })
    ));
    // A tensor of another instance is refused before anything runs.
    let Some(other) = super::common::gpu() else {
        return;
    };
    let foreign = other.upload(&y).unwrap();
    assert!(matches!(
        rt.block_on(sigmoid.download_async(&foreign)),
        Err(Error::DeviceMismatch { .. })
    ));
}
