//! wgpu-sigmoid in the browser: the faithful sigmoid on the page's WebGPU, as a
//! JavaScript module (`scripts/build-web.sh` makes `web/pkg/wgpu_sigmoid.js`).
//!
//! ```js
//! import init, { Sigmoid, adapters, GpuError } from "./pkg/wgpu_sigmoid.js";
//! await init();
//! const s = await Sigmoid.create();      // or create({ powerPreference: "low-power" })
//! const y = await s.forward(new Float32Array([-20, -1, 0, 1, 20]));
//! ```
//!
//! The element type comes from the array: `Float32Array` and `Float16Array` in, the same
//! type out; bfloat16 as `Uint16Array` bit patterns through `forwardBf16`. Errors are
//! thrown as [`GpuError`]s. Everything here is for wasm32: natively the crate is empty.
#![cfg(target_arch = "wasm32")]
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod arrays;
mod errors;
mod info;

use js_sys::Uint16Array;
use wasm_bindgen::prelude::*;
use wgpu_sigmoid::half::bf16;

use crate::arrays::Floats;
pub use crate::errors::{GpuError, Thrown};

#[wasm_bindgen(typescript_custom_section)]
const ADAPTER_INFO: &str = r#"
/** An adapter as the browser reports it (fields it hides are empty strings). */
export interface AdapterInfo {
    vendor: string;
    architecture: string;
    device: string;
    description: string;
}
"#;

/// The sigmoid on the page's WebGPU adapter: a device, the compiled kernels and the
/// buffers reused between calls. Make one with `Sigmoid.create()` and call it many
/// times; `free()` releases the device's buffers at once (else the garbage collector
/// does, some time later).
#[wasm_bindgen]
pub struct Sigmoid {
    inner: wgpu_sigmoid::Sigmoid,
    adapter: JsValue,
}

#[wasm_bindgen]
impl Sigmoid {
    /// Opens the page's WebGPU adapter and compiles the kernels. `options` may give
    /// `powerPreference`: `"low-power"` or `"high-performance"` (WebGPU's names).
    ///
    /// Throws a `GpuError` of kind `"NoAdapter"` where the browser has no WebGPU
    /// (`navigator.gpu` missing) or offers no adapter.
    pub async fn create(options: Option<js_sys::Object>) -> Result<Sigmoid, Thrown> {
        info::require_webgpu()?;
        let power = info::power_preference(options.as_ref())?;
        let inner = wgpu_sigmoid::Sigmoid::builder()
            .backends(wgpu::Backends::BROWSER_WEBGPU)
            .power_preference(power)
            .build_async()
            .await?;
        let adapter = info::adapter_of(inner.device());
        Ok(Sigmoid { inner, adapter })
    }

    /// `sigmoid(x)` into a new array of `x`'s type (`Float32Array` or `Float16Array`).
    #[wasm_bindgen(unchecked_return_type = "Float32Array | Float16Array")]
    pub async fn forward(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Float32Array | Float16Array")] x: JsValue,
    ) -> Result<JsValue, Thrown> {
        let x = Floats::read(&x, "x")?;
        Ok(self.forward_floats(&x).await?.into_js())
    }

    /// `sigmoid(x)` into `y`, an array of the same type and length.
    #[wasm_bindgen(js_name = forwardInto)]
    pub async fn forward_into(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Float32Array | Float16Array")] x: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Float32Array | Float16Array")] y: JsValue,
    ) -> Result<(), Thrown> {
        let x = Floats::read(&x, "x")?;
        x.check_output(&y, "y")?;
        self.forward_floats(&x).await?.write_into(&y);
        Ok(())
    }

    /// `sigmoid(x)` of bfloat16 values given as their bit patterns, into a new
    /// `Uint16Array` of bit patterns.
    #[wasm_bindgen(js_name = forwardBf16)]
    pub async fn forward_bf16(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint16Array")] bits: JsValue,
    ) -> Result<Uint16Array, Thrown> {
        let bits = arrays::read_bits(&bits, "bits")?;
        let x: Vec<bf16> = bits.into_iter().map(bf16::from_bits).collect();
        let y = self.inner.forward_async(&x).await?;
        let y: Vec<u16> = y.into_iter().map(bf16::to_bits).collect();
        Ok(Uint16Array::from(y.as_slice()))
    }

    /// The gradient `dx = dy · y · (1 − y)` from the forward output `y` and the
    /// upstream gradient `dy`: arrays of one type and length, `dx` a new one of it.
    #[wasm_bindgen(unchecked_return_type = "Float32Array | Float16Array")]
    pub async fn backward(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Float32Array | Float16Array")] y: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Float32Array | Float16Array")] dy: JsValue,
    ) -> Result<JsValue, Thrown> {
        let (y, dy) = (Floats::read(&y, "y")?, Floats::read(&dy, "dy")?);
        Ok(match (y, dy) {
            (Floats::F32(y), Floats::F32(dy)) => {
                Floats::F32(self.inner.backward_async(&y, &dy).await?)
            }
            (Floats::F16(y), Floats::F16(dy)) => {
                Floats::F16(self.inner.backward_async(&y, &dy).await?)
            }
            (y, dy) => {
                return Err(GpuError::invalid_argument(format!(
                    "y is a {} and dy a {}: they must be of one type",
                    y.type_name(),
                    dy.type_name()
                ))
                .into());
            }
        }
        .into_js())
    }

    /// Times `iterations` forwards of `length` float32 elements on buffers that stay on
    /// the device (the benchmark page's "resident" row): each submitted alone and
    /// waited for (`onSubmittedWorkDone`), after one untimed warm-up. Milliseconds per
    /// forward, one per iteration, by `performance.now()`.
    #[wasm_bindgen(js_name = timeResident)]
    pub async fn time_resident(&self, length: u32, iterations: u32) -> Result<Vec<f64>, Thrown> {
        let x: Vec<f32> = (0..length)
            .map(|i| ((i % 4001) as f32 - 2000.0) / 50.0)
            .collect();
        let input = self.inner.upload(&x)?;
        let output = self.inner.zeros::<f32>(u64::from(length))?;
        let mut times = Vec::new();
        for iteration in 0..=iterations {
            let started = info::now();
            self.inner.recorder().forward_tensor(&input, &output)?;
            let (sender, receiver) = futures_intrusive::channel::shared::oneshot_channel();
            self.inner.queue().on_submitted_work_done(move || {
                // The receiver is awaited just below; nothing to do if it went away.
                let _ = sender.send(());
            });
            receiver.receive().await;
            if iteration > 0 {
                times.push(info::now() - started);
            }
        }
        // Errors the browser reported late (see the library's web notes) come out here.
        self.inner.download_async(&output).await?;
        Ok(times)
    }

    /// The adapter: `{ vendor, architecture, device, description }`, as the browser
    /// reports it (some fields may be empty: browsers hide what could identify a user).
    #[wasm_bindgen(getter, unchecked_return_type = "AdapterInfo")]
    pub fn adapter(&self) -> JsValue {
        self.adapter.clone()
    }
}

impl Sigmoid {
    /// `sigmoid(x)` in `x`'s element type.
    async fn forward_floats(&self, x: &Floats) -> Result<Floats, wgpu_sigmoid::Error> {
        Ok(match x {
            Floats::F32(x) => Floats::F32(self.inner.forward_async(x).await?),
            Floats::F16(x) => Floats::F16(self.inner.forward_async(x).await?),
        })
    }
}

/// The page's WebGPU adapters, each as `{ vendor, architecture, device, description }`:
/// the browser offers one for each power preference (often the same one).
#[wasm_bindgen(unchecked_return_type = "AdapterInfo[]")]
pub async fn adapters() -> Result<js_sys::Array, Thrown> {
    info::require_webgpu()?;
    info::adapters().await
}
