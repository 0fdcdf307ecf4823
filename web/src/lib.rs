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
#[cfg(feature = "bench")]
mod bench;
mod errors;
mod info;
mod stream;

use js_sys::Uint16Array;
use wasm_bindgen::prelude::*;
use wgpu_sigmoid::half::{bf16, f16};

use crate::arrays::{Floats, HostElement};
pub use crate::errors::{GpuError, Thrown};
use crate::stream::{Op, stream};

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
    pub(crate) inner: wgpu_sigmoid::Sigmoid,
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
    ///
    /// Every call copies its arrays through wasm memory in rounds (12 Mi elements each),
    /// so the arrays must not change until the promise settles.
    #[wasm_bindgen(unchecked_return_type = "Float32Array | Float16Array")]
    pub async fn forward(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Float32Array | Float16Array")] x: JsValue,
    ) -> Result<JsValue, Thrown> {
        Ok(match Floats::of(&x, "x")? {
            Floats::F32(x) => self.forward_new::<f32>(x).await?.into(),
            Floats::F16(x) => self.forward_new::<f16>(x).await?.into(),
        })
    }

    /// `sigmoid(x)` into `y`, an array of the same type and length (`y` may be `x`).
    #[wasm_bindgen(js_name = forwardInto)]
    pub async fn forward_into(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Float32Array | Float16Array")] x: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Float32Array | Float16Array")] y: JsValue,
    ) -> Result<(), Thrown> {
        match Floats::of(&x, "x")? {
            Floats::F32(x) => self.forward_into_typed::<f32>(x, &y).await,
            Floats::F16(x) => self.forward_into_typed::<f16>(x, &y).await,
        }
    }

    /// `sigmoid(x)` of bfloat16 values given as their bit patterns, into a new
    /// `Uint16Array` of bit patterns.
    #[wasm_bindgen(js_name = forwardBf16)]
    pub async fn forward_bf16(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint16Array")] bits: JsValue,
    ) -> Result<Uint16Array, Thrown> {
        let bits = arrays::of_type::<bf16>(&bits, "bits")?;
        self.forward_new::<bf16>(bits).await
    }

    /// The gradient `dx = dy · y · (1 − y)` from the forward output `y` and the
    /// upstream gradient `dy`: arrays of one type and length, `dx` a new one of it.
    #[wasm_bindgen(unchecked_return_type = "Float32Array | Float16Array")]
    pub async fn backward(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Float32Array | Float16Array")] y: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Float32Array | Float16Array")] dy: JsValue,
    ) -> Result<JsValue, Thrown> {
        Ok(match Floats::of(&y, "y")? {
            Floats::F32(y) => self.backward_new::<f32>(y, &dy).await?.into(),
            Floats::F16(y) => self.backward_new::<f16>(y, &dy).await?.into(),
        })
    }

    /// The adapter: `{ vendor, architecture, device, description }`, as the browser
    /// reports it (some fields may be empty: browsers hide what could identify a user).
    #[wasm_bindgen(getter, unchecked_return_type = "AdapterInfo")]
    pub fn adapter(&self) -> JsValue {
        self.adapter.clone()
    }
}

impl Sigmoid {
    /// `sigmoid(x)` into a new array of `x`'s type.
    async fn forward_new<E: HostElement>(&self, x: &E::Array) -> Result<E::Array, Thrown> {
        let y = E::new_array(E::length(x));
        stream::<E>(&self.inner, Op::Forward, &[x], &y).await?;
        Ok(y)
    }

    /// `sigmoid(x)` into `y`, checked to be an array of `x`'s type and length.
    async fn forward_into_typed<E: HostElement>(
        &self,
        x: &E::Array,
        y: &JsValue,
    ) -> Result<(), Thrown> {
        let y = arrays::matching::<E>(y, E::length(x), "y", "x")?;
        stream::<E>(&self.inner, Op::Forward, &[x], y).await?;
        Ok(())
    }

    /// The gradient into a new array of `y`'s type; `dy` checked to match `y`.
    async fn backward_new<E: HostElement>(
        &self,
        y: &E::Array,
        dy: &JsValue,
    ) -> Result<E::Array, Thrown> {
        let dy = arrays::matching::<E>(dy, E::length(y), "dy", "y")?;
        let dx = E::new_array(E::length(y));
        stream::<E>(&self.inner, Op::Backward, &[y, dy], &dx).await?;
        Ok(dx)
    }
}

/// The page's WebGPU adapters, each as `{ vendor, architecture, device, description }`:
/// the browser offers one for each power preference (often the same one).
#[wasm_bindgen(unchecked_return_type = "AdapterInfo[]")]
pub async fn adapters() -> Result<js_sys::Array, Thrown> {
    info::require_webgpu()?;
    info::adapters().await
}
