//! JavaScript typed arrays in and out: the element type comes from the array, and any
//! other array is an error, never a silent conversion.

use js_sys::{Float16Array, Float32Array, Uint16Array};
use wasm_bindgen::{JsCast, JsValue};
use wgpu_sigmoid::half::f16;

use crate::errors::GpuError;

/// The values of a `Float32Array` or a `Float16Array`, copied into wasm memory.
pub(crate) enum Floats {
    F32(Vec<f32>),
    F16(Vec<f16>),
}

impl Floats {
    /// The values of `array` (the argument named `argument`).
    pub(crate) fn read(array: &JsValue, argument: &str) -> Result<Floats, GpuError> {
        if let Some(array) = array.dyn_ref::<Float32Array>() {
            return Ok(Floats::F32(array.to_vec()));
        }
        if let Some(array) = as_float16(array) {
            return Ok(Floats::F16(
                array.to_u16_vec().into_iter().map(f16::from_bits).collect(),
            ));
        }
        Err(GpuError::invalid_argument(format!(
            "{argument} must be a Float32Array or a Float16Array (bfloat16 bit patterns: \
             forwardBf16), not {}",
            describe(array)
        )))
    }

    /// A new JavaScript array of the same type holding these values.
    pub(crate) fn into_js(self) -> JsValue {
        match self {
            Floats::F32(values) => Float32Array::from(values.as_slice()).into(),
            Floats::F16(values) => {
                let bits: Vec<u16> = values.into_iter().map(f16::to_bits).collect();
                Float16Array::new_from_u16_slice(&bits).into()
            }
        }
    }

    /// `output` is an array of this type and length.
    pub(crate) fn check_output(&self, output: &JsValue, argument: &str) -> Result<(), GpuError> {
        let length = match (self, output) {
            (Floats::F32(_), y) if y.is_instance_of::<Float32Array>() => {
                y.unchecked_ref::<Float32Array>().length()
            }
            (Floats::F16(_), y) if as_float16(y).is_some() => {
                y.unchecked_ref::<Float16Array>().length()
            }
            _ => {
                return Err(GpuError::invalid_argument(format!(
                    "{argument} must be a {} like the input, not {}",
                    self.type_name(),
                    describe(output)
                )));
            }
        };
        if length as usize != self.len() {
            return Err(GpuError::length_mismatch(format!(
                "{argument} has {length} elements but the input has {}",
                self.len()
            )));
        }
        Ok(())
    }

    /// Copies these values into `output`, checked by [`Floats::check_output`].
    pub(crate) fn write_into(&self, output: &JsValue) {
        match self {
            Floats::F32(values) => output.unchecked_ref::<Float32Array>().copy_from(values),
            Floats::F16(values) => {
                let bits: Vec<u16> = values.iter().map(|v| v.to_bits()).collect();
                output
                    .unchecked_ref::<Float16Array>()
                    .copy_from_u16_slice(&bits);
            }
        }
    }

    fn len(&self) -> usize {
        match self {
            Floats::F32(values) => values.len(),
            Floats::F16(values) => values.len(),
        }
    }

    /// The JavaScript type these values came from.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Floats::F32(_) => "Float32Array",
            Floats::F16(_) => "Float16Array",
        }
    }
}

/// The bit patterns of a `Uint16Array` (bfloat16 values).
pub(crate) fn read_bits(array: &JsValue, argument: &str) -> Result<Vec<u16>, GpuError> {
    match array.dyn_ref::<Uint16Array>() {
        Some(array) => Ok(array.to_vec()),
        None => Err(GpuError::invalid_argument(format!(
            "{argument} must be a Uint16Array of bfloat16 bit patterns, not {}",
            describe(array)
        ))),
    }
}

/// `value` as a `Float16Array`, where the browser has that type and `value` is one.
fn as_float16(value: &JsValue) -> Option<&Float16Array> {
    let has_type = js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str("Float16Array"))
        .unwrap_or(false);
    if has_type {
        value.dyn_ref::<Float16Array>()
    } else {
        None
    }
}

/// What `value` is, for an error message: its constructor's name, or its type.
fn describe(value: &JsValue) -> String {
    let constructor = js_sys::Reflect::get(value, &JsValue::from_str("constructor"))
        .ok()
        .and_then(|c| js_sys::Reflect::get(&c, &JsValue::from_str("name")).ok())
        .and_then(|name| name.as_string());
    match constructor {
        Some(name) if value.is_object() => {
            let article = if name.starts_with(['A', 'E', 'I', 'O', 'U']) {
                "an"
            } else {
                "a"
            };
            format!("{article} {name}")
        }
        _ => value.js_typeof().as_string().unwrap_or_default(),
    }
}
