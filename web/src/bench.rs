//! The benchmark page's hook (`web/bench.html`), compiled only with the `bench` feature
//! (`scripts/build-web.sh --features bench`): the package as shipped has no
//! `timeResident`. It times our kernel on buffers that stay on the device, which the
//! JavaScript API does not expose (wgpu's WebGPU backend wraps no buffer of the page's).

use wasm_bindgen::prelude::*;

use crate::Sigmoid;
use crate::errors::Thrown;
use crate::info::get;

#[wasm_bindgen]
impl Sigmoid {
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
            let started = now();
            self.inner.recorder().forward_tensor(&input, &output)?;
            let (sender, receiver) = futures_intrusive::channel::shared::oneshot_channel();
            self.inner.queue().on_submitted_work_done(move || {
                // The receiver is awaited just below; nothing to do if it went away.
                let _ = sender.send(());
            });
            receiver.receive().await;
            if iteration > 0 {
                times.push(now() - started);
            }
        }
        // Errors the browser reported late (see the library's web notes) come out here.
        self.inner.download_async(&output).await?;
        Ok(times)
    }
}

/// `performance.now()`: milliseconds, at the resolution the browser gives.
fn now() -> f64 {
    let performance = get(&js_sys::global(), "performance");
    get(&performance, "now")
        .dyn_into::<js_sys::Function>()
        .ok()
        .and_then(|now| now.call0(&performance).ok())
        .and_then(|t| t.as_f64())
        .unwrap_or_else(js_sys::Date::now)
}
