//! JavaScript typed arrays in and out: the element type comes from the array, and any
//! other array is an error, never a silent conversion.

use js_sys::{Float16Array, Float32Array, Uint16Array};
use wasm_bindgen::{JsCast, JsValue};
use wgpu_sigmoid::Element;
use wgpu_sigmoid::half::{bf16, f16};

use crate::errors::GpuError;

/// An element type the module takes, and the JavaScript typed array that holds it:
/// `Float32Array` for f32, `Float16Array` for f16, `Uint16Array` of bit patterns for
/// bfloat16 (JavaScript has no bfloat16 array).
pub(crate) trait HostElement: Element {
    /// The typed array of this element type.
    type Array: JsCast + AsRef<JsValue> + Into<JsValue>;
    /// Its name, for error messages.
    const ARRAY_NAME: &'static str;

    /// `value` as this type's array, if it is one.
    fn cast(value: &JsValue) -> Option<&Self::Array>;
    /// A new array of `length` zeros.
    fn new_array(length: u32) -> Self::Array;
    fn length(array: &Self::Array) -> u32;
    /// Copies `array[start..start + out.len()]` into `out`.
    fn copy_out(array: &Self::Array, start: u32, out: &mut [Self]);
    /// Copies `values` into `array[start..start + values.len()]`.
    fn copy_in(array: &Self::Array, start: u32, values: &[Self]);
}

/// The `ArrayBuffer` (or `SharedArrayBuffer`) under a typed array, and the byte range
/// of it that the array views.
pub(crate) fn bytes_of(array: &JsValue) -> (JsValue, std::ops::Range<f64>) {
    let get = |key| js_sys::Reflect::get(array, &JsValue::from_str(key)).unwrap_or_default();
    let start = get("byteOffset").as_f64().unwrap_or(0.0);
    let length = get("byteLength").as_f64().unwrap_or(0.0);
    (get("buffer"), start..start + length)
}

/// `start + len`, where both fit a JavaScript array's length (a `u32`).
fn end(start: u32, len: usize) -> u32 {
    start + len as u32
}

impl HostElement for f32 {
    type Array = Float32Array;
    const ARRAY_NAME: &'static str = "Float32Array";

    fn cast(value: &JsValue) -> Option<&Float32Array> {
        value.dyn_ref()
    }
    fn new_array(length: u32) -> Float32Array {
        Float32Array::new_with_length(length)
    }
    fn length(array: &Float32Array) -> u32 {
        array.length()
    }
    fn copy_out(array: &Float32Array, start: u32, out: &mut [f32]) {
        array.subarray(start, end(start, out.len())).copy_to(out);
    }
    fn copy_in(array: &Float32Array, start: u32, values: &[f32]) {
        array
            .subarray(start, end(start, values.len()))
            .copy_from(values);
    }
}

impl HostElement for f16 {
    type Array = Float16Array;
    const ARRAY_NAME: &'static str = "Float16Array";

    fn cast(value: &JsValue) -> Option<&Float16Array> {
        // Browsers without the type have no global to test `instanceof` against.
        let has_type = js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str("Float16Array"))
            .unwrap_or(false);
        if has_type { value.dyn_ref() } else { None }
    }
    fn new_array(length: u32) -> Float16Array {
        Float16Array::new_with_length(length)
    }
    fn length(array: &Float16Array) -> u32 {
        array.length()
    }
    fn copy_out(array: &Float16Array, start: u32, out: &mut [f16]) {
        array
            .subarray(start, end(start, out.len()))
            .copy_to_u16_slice(bytemuck::cast_slice_mut(out));
    }
    fn copy_in(array: &Float16Array, start: u32, values: &[f16]) {
        array
            .subarray(start, end(start, values.len()))
            .copy_from_u16_slice(bytemuck::cast_slice(values));
    }
}

impl HostElement for bf16 {
    type Array = Uint16Array;
    const ARRAY_NAME: &'static str = "Uint16Array (bfloat16 bit patterns)";

    fn cast(value: &JsValue) -> Option<&Uint16Array> {
        value.dyn_ref()
    }
    fn new_array(length: u32) -> Uint16Array {
        Uint16Array::new_with_length(length)
    }
    fn length(array: &Uint16Array) -> u32 {
        array.length()
    }
    fn copy_out(array: &Uint16Array, start: u32, out: &mut [bf16]) {
        array
            .subarray(start, end(start, out.len()))
            .copy_to(bytemuck::cast_slice_mut(out));
    }
    fn copy_in(array: &Uint16Array, start: u32, values: &[bf16]) {
        array
            .subarray(start, end(start, values.len()))
            .copy_from(bytemuck::cast_slice(values));
    }
}

/// A `Float32Array` or a `Float16Array`: the arrays `forward` and `backward` take.
pub(crate) enum Floats<'a> {
    F32(&'a Float32Array),
    F16(&'a Float16Array),
}

impl Floats<'_> {
    /// `array` (the argument named `argument`) as one of the two types.
    pub(crate) fn of<'a>(array: &'a JsValue, argument: &str) -> Result<Floats<'a>, GpuError> {
        if let Some(array) = f32::cast(array) {
            return Ok(Floats::F32(array));
        }
        if let Some(array) = f16::cast(array) {
            return Ok(Floats::F16(array));
        }
        Err(GpuError::invalid_argument(format!(
            "{argument} must be a Float32Array or a Float16Array (bfloat16 bit patterns: \
             forwardBf16), not {}",
            describe(array)
        )))
    }
}

/// `value` (the argument named `argument`) as an array of `E` of `length` elements, the
/// type and length of the argument named `like`.
pub(crate) fn matching<'a, E: HostElement>(
    value: &'a JsValue,
    length: u32,
    argument: &str,
    like: &str,
) -> Result<&'a E::Array, GpuError> {
    let Some(array) = E::cast(value) else {
        return Err(GpuError::invalid_argument(format!(
            "{argument} must be a {} like {like}, not {}",
            E::ARRAY_NAME,
            describe(value)
        )));
    };
    let found = E::length(array);
    if found != length {
        return Err(GpuError::length_mismatch(format!(
            "{argument} has {found} elements but {like} has {length}"
        )));
    }
    Ok(array)
}

/// `value` (the argument named `argument`) as an array of `E`.
pub(crate) fn of_type<'a, E: HostElement>(
    value: &'a JsValue,
    argument: &str,
) -> Result<&'a E::Array, GpuError> {
    E::cast(value).ok_or_else(|| {
        GpuError::invalid_argument(format!(
            "{argument} must be a {}, not {}",
            E::ARRAY_NAME,
            describe(value)
        ))
    })
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
