//! The browser's WebGPU as JavaScript sees it: whether there is one, the options of
//! `Sigmoid.create`, and what the browser says of its adapters.

use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::errors::{GpuError, Thrown};

/// The four strings of a `GPUAdapterInfo`, as the module reports an adapter.
const INFO_FIELDS: [&str; 4] = ["vendor", "architecture", "device", "description"];

pub(crate) fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `navigator.gpu`, or a `NoAdapter` error that says the browser has no WebGPU.
fn webgpu() -> Result<JsValue, GpuError> {
    let gpu = get(&get(&js_sys::global(), "navigator"), "gpu");
    if gpu.is_undefined() || gpu.is_null() {
        return Err(GpuError::new(
            "NoAdapter",
            "this browser has no WebGPU (navigator.gpu is missing): use a browser with \
             WebGPU enabled, on a page served over https or from localhost (Chromium on \
             Linux: --enable-unsafe-webgpu)",
        ));
    }
    Ok(gpu)
}

pub(crate) fn require_webgpu() -> Result<(), GpuError> {
    webgpu().map(|_| ())
}

/// The `powerPreference` of `create`'s options, in WebGPU's names.
pub(crate) fn power_preference(
    options: Option<&Object>,
) -> Result<wgpu::PowerPreference, GpuError> {
    let Some(options) = options else {
        return Ok(wgpu::PowerPreference::None);
    };
    let value = get(options, "powerPreference");
    if value.is_undefined() {
        return Ok(wgpu::PowerPreference::None);
    }
    match value.as_string().as_deref() {
        Some("low-power") => Ok(wgpu::PowerPreference::LowPower),
        Some("high-performance") => Ok(wgpu::PowerPreference::HighPerformance),
        _ => Err(GpuError::invalid_argument(format!(
            "powerPreference must be \"low-power\" or \"high-performance\", not {value:?}"
        ))),
    }
}

/// `{ vendor, architecture, device, description }` of a `GPUAdapterInfo`.
fn describe(info: &JsValue) -> JsValue {
    let described = Object::new();
    for field in INFO_FIELDS {
        let value = get(info, field).as_string().unwrap_or_default();
        // A fresh plain object: setting its properties cannot fail.
        let _ = Reflect::set(
            &described,
            &JsValue::from_str(field),
            &JsValue::from_str(&value),
        );
    }
    described.into()
}

/// The adapter of `device` as the browser reports it (`GPUDevice.adapterInfo`).
pub(crate) fn adapter_of(device: &wgpu::Device) -> JsValue {
    match device.as_webgpu() {
        Some(device) => describe(&get(device.as_ref(), "adapterInfo")),
        None => describe(&JsValue::UNDEFINED),
    }
}

/// The adapters the browser offers for each power preference (each once).
pub(crate) async fn adapters() -> Result<js_sys::Array, Thrown> {
    let gpu = webgpu()?;
    let request = get(&gpu, "requestAdapter")
        .dyn_into::<js_sys::Function>()
        .map_err(|_| {
            GpuError::new(
                "NoAdapter",
                "navigator.gpu.requestAdapter is not a function",
            )
        })?;
    let found = js_sys::Array::new();
    let mut seen = Vec::new();
    for preference in ["high-performance", "low-power"] {
        let options = Object::new();
        let _ = Reflect::set(&options, &"powerPreference".into(), &preference.into());
        let promise = request
            .call1(&gpu, &options)
            .map_err(|e| GpuError::new("NoAdapter", format!("requestAdapter threw {e:?}")))?;
        let adapter = JsFuture::from(js_sys::Promise::resolve(&promise))
            .await
            .map_err(|e| GpuError::new("NoAdapter", format!("requestAdapter failed: {e:?}")))?;
        if adapter.is_null() || adapter.is_undefined() {
            continue;
        }
        let described = describe(&get(&adapter, "info"));
        let key: Vec<String> = INFO_FIELDS
            .iter()
            .map(|f| get(&described, f).as_string().unwrap_or_default())
            .collect();
        if !seen.contains(&key) {
            seen.push(key);
            found.push(&described);
        }
    }
    Ok(found)
}
