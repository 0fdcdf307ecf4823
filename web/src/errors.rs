//! [`GpuError`]: what every failing call throws, with a `kind` to branch on and the Rust
//! error's message. It is a JavaScript `Error` too (its prototype chain leads to
//! `Error.prototype`, and it carries a `stack`), so that `instanceof Error`, `toString()`
//! and the console treat it as one.

use std::sync::Once;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wgpu_sigmoid::Error;

/// An error thrown by this module: `kind` is one of `"NoAdapter"`, `"DeviceLost"`,
/// `"Validation"`, `"OutOfMemory"`, `"InvalidArgument"`, `"LengthMismatch"`;
/// `message` says what happened and, where there is one, what to do.
#[wasm_bindgen]
pub struct GpuError {
    kind: &'static str,
    message: String,
}

#[wasm_bindgen]
impl GpuError {
    /// What went wrong, to branch on.
    #[wasm_bindgen(getter)]
    pub fn kind(&self) -> String {
        self.kind.to_string()
    }

    /// What happened, in a sentence.
    #[wasm_bindgen(getter)]
    pub fn message(&self) -> String {
        self.message.clone()
    }

    /// `"GpuError"`, as `Error` subclasses name themselves.
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        "GpuError".to_string()
    }
}

impl GpuError {
    pub(crate) fn new(kind: &'static str, message: impl Into<String>) -> GpuError {
        GpuError {
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> GpuError {
        GpuError::new("InvalidArgument", message)
    }

    pub(crate) fn length_mismatch(message: impl Into<String>) -> GpuError {
        GpuError::new("LengthMismatch", message)
    }
}

impl From<Error> for GpuError {
    fn from(error: Error) -> GpuError {
        let kind = match &error {
            Error::BackendUnavailable { .. }
            | Error::NoMatchingAdapter { .. }
            | Error::NoAdapter { .. }
            | Error::RequestDevice { .. } => "NoAdapter",
            // On the web a wait ends only with the device (the browser's watchdog), and a
            // failed mapping means a lost device or a destroyed buffer.
            Error::DeviceLost(_) | Error::Timeout(_) | Error::Map(_) => "DeviceLost",
            Error::OutOfMemory { .. } => "OutOfMemory",
            Error::LengthMismatch { .. } => "LengthMismatch",
            Error::UnknownBackend { .. }
            | Error::UnknownPowerPreference { .. }
            | Error::InvalidArgument(_)
            | Error::DeviceMismatch { .. }
            | Error::Unsupported(_) => "InvalidArgument",
            // Validation and internal errors of wgpu or the browser (a bug of this crate
            // or of the browser's WebGPU), and kinds added later.
            _ => "Validation",
        };
        GpuError::new(kind, error.to_string())
    }
}

/// A [`GpuError`] on its way to JavaScript, as every call's error type: made a
/// JavaScript `Error` on the way (the class's prototype gets `Error.prototype` as its
/// own prototype, once, and each error the stack of where it was made).
pub struct Thrown(JsValue);

impl From<GpuError> for Thrown {
    fn from(error: GpuError) -> Thrown {
        let made_here: JsValue = js_sys::Error::new(&error.message).into();
        let stack = js_sys::Reflect::get(&made_here, &JsValue::from_str("stack"))
            .unwrap_or(JsValue::UNDEFINED);
        let value = JsValue::from(error);
        static ERROR_PROTOTYPE: Once = Once::new();
        if let Some(object) = value.dyn_ref::<js_sys::Object>() {
            ERROR_PROTOTYPE.call_once(|| {
                let class_prototype = js_sys::Object::get_prototype_of(object);
                let error: JsValue = js_sys::Error::new("").into();
                js_sys::Object::set_prototype_of(
                    &class_prototype,
                    &js_sys::Object::get_prototype_of(&error),
                );
            });
            // An object of this module's own class: setting a property cannot fail.
            let _ = js_sys::Reflect::set(object, &JsValue::from_str("stack"), &stack);
        }
        Thrown(value)
    }
}

impl From<Error> for Thrown {
    fn from(error: Error) -> Thrown {
        GpuError::from(error).into()
    }
}

impl From<Thrown> for JsValue {
    fn from(thrown: Thrown) -> JsValue {
        thrown.0
    }
}
