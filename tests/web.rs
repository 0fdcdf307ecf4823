//! In a real browser (headless Chromium's WebGPU, SwiftShader, in CI): the library on
//! the page's adapter through the async calls, the only host calls on the web, with no
//! thread started and nothing blocking. `scripts/web-check.sh` runs it.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use wgpu_sigmoid::half::f16;
use wgpu_sigmoid::{Error, Sigmoid, cpu};

wasm_bindgen_test_configure!(run_in_browser);

async fn sigmoid_with_pieces_of(elements: u64) -> Sigmoid {
    Sigmoid::builder()
        .backends(wgpu::Backends::BROWSER_WEBGPU)
        .max_chunk_elements(elements)
        .build_async()
        .await
        .expect("the page's WebGPU adapter (Chromium needs --enable-unsafe-webgpu)")
}

/// Every `step`th bit pattern: all exponents and signs, NaN, ±inf and subnormals.
fn spread(step: u32) -> Vec<f32> {
    (0..=u32::MAX / step)
        .map(|i| f32::from_bits(i * step))
        .collect()
}

#[wasm_bindgen_test]
#[expect(
    clippy::excessive_precision,
    reason = "TensorFlow's documented values, as it prints them"
)]
async fn the_reference_example_gives_tensorflows_values_bit_for_bit() {
    let sigmoid = sigmoid_with_pieces_of(u64::MAX).await;
    assert_eq!(
        sigmoid.config().adapter.backend,
        wgpu::Backend::BrowserWebGpu
    );
    let y = sigmoid
        .forward_async(&[-20.0f32, -1.0, 0.0, 1.0, 20.0])
        .await
        .unwrap();
    assert_eq!(
        y,
        [2.0611537e-09, 2.6894143e-01, 5.0e-01, 7.3105860e-01, 1.0]
    );
}

#[wasm_bindgen_test]
async fn every_result_is_within_one_ulp_across_pieces() {
    // Pieces of 4 Ki elements: 64 Ki inputs go through the ring sixteen times.
    let sigmoid = sigmoid_with_pieces_of(4096).await;
    let x = spread(65_521);
    let y = sigmoid.forward_async(&x).await.unwrap();
    for (&x, &y) in x.iter().zip(&y) {
        let expected = cpu::sigmoid(x);
        if x.is_nan() {
            assert_eq!(y.to_bits(), expected.to_bits(), "NaN {:#010x}", x.to_bits());
        } else {
            assert!(cpu::within_ulp(y, expected, 1), "sigmoid({x:e}) gave {y:e}");
        }
    }
    let mut in_place = x.clone();
    sigmoid.forward_in_place_async(&mut in_place).await.unwrap();
    let bits = |v: &[f32]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&in_place), bits(&y));
}

#[wasm_bindgen_test]
async fn half_floats_gradients_and_tensors_work_in_the_browser() {
    let sigmoid = sigmoid_with_pieces_of(4096).await;
    let x: Vec<f16> = (-40..=40).map(|i| f16::from_f32(i as f32 / 4.0)).collect();
    let y = sigmoid.forward_async(&x).await.unwrap();
    assert_eq!(y[40], f16::from_f32(0.5));
    let widened: Vec<f32> = x.iter().map(|v| v.to_f32()).collect();
    let y32 = sigmoid.forward_async(&widened).await.unwrap();
    let dx = sigmoid
        .backward_async(&y32, &vec![1.0; y32.len()])
        .await
        .unwrap();
    assert_eq!(dx[40], 0.25);

    let tensor = sigmoid.upload(&widened).unwrap();
    sigmoid.recorder().forward_tensor(&tensor, &tensor).unwrap();
    let downloaded = sigmoid.download_async(&tensor).await.unwrap();
    let bits = |v: &[f32]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&downloaded), bits(&y32));
}

#[wasm_bindgen_test]
async fn bad_lengths_are_typed_errors() {
    let sigmoid = sigmoid_with_pieces_of(4096).await;
    let result = sigmoid
        .forward_into_async(&[0.0f32; 3], &mut [0.0; 2])
        .await;
    assert!(matches!(result, Err(Error::LengthMismatch { .. })));
    // The instance stays usable.
    assert_eq!(sigmoid.forward_async(&[0.0f32]).await.unwrap(), [0.5]);
}

#[wasm_bindgen_test]
async fn a_destroyed_device_gives_device_lost_not_a_hang() {
    let sigmoid = sigmoid_with_pieces_of(4096).await;
    sigmoid.device().destroy();
    let result = sigmoid.forward_async(&[0.0f32; 16]).await;
    assert!(matches!(result, Err(Error::DeviceLost(_))), "{result:?}");
    // Later calls say so too, at once.
    let again = sigmoid.backward_async(&[0.5f32], &[1.0]).await;
    assert!(matches!(again, Err(Error::DeviceLost(_))), "{again:?}");
}
