//! Choosing an adapter and opening a device on it.
//!
//! The defaults follow wgpu's environment variables, so the same binary runs on a real
//! GPU or on Mesa's software adapters without a rebuild: `WGPU_BACKEND` (e.g. `vulkan`,
//! `gl`), `WGPU_ADAPTER_NAME` (a case-insensitive substring of the adapter name) and
//! `WGPU_POWER_PREF` (`low`, `high`, `none`).

use crate::Error;

/// Which adapter to open.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AdapterOptions {
    /// Backends to consider; `None` means every backend compiled in.
    pub backends: Option<wgpu::Backends>,
    /// Case-insensitive substring that the adapter's name must contain.
    pub adapter_name: Option<String>,
    /// Preference between low-power and high-performance adapters.
    pub power_preference: wgpu::PowerPreference,
}

impl AdapterOptions {
    /// Options from `WGPU_BACKEND`, `WGPU_ADAPTER_NAME` and `WGPU_POWER_PREF`; unset
    /// variables leave the default (any backend, any name, no preference).
    #[must_use]
    pub fn from_env() -> AdapterOptions {
        AdapterOptions {
            backends: wgpu::Backends::from_env(),
            adapter_name: std::env::var("WGPU_ADAPTER_NAME")
                .ok()
                .filter(|name| !name.is_empty()),
            power_preference: wgpu::PowerPreference::from_env().unwrap_or_default(),
        }
    }

    fn backends_or_all(&self) -> wgpu::Backends {
        self.backends.unwrap_or(wgpu::Backends::all())
    }

    fn describe(&self) -> String {
        let name = self.adapter_name.as_deref().unwrap_or("any name");
        format!("backends {:?}, adapter {name}", self.backends_or_all())
    }
}

/// A wgpu instance for the given backends, with no display (compute only).
#[must_use]
pub fn instance(backends: wgpu::Backends) -> wgpu::Instance {
    let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    descriptor.backends = backends;
    wgpu::Instance::new(descriptor)
}

/// Every adapter the given backends offer.
pub async fn enumerate(backends: wgpu::Backends) -> Vec<wgpu::Adapter> {
    instance(backends).enumerate_adapters(backends).await
}

/// The adapter that `options` selects: the first whose name contains
/// `options.adapter_name`, or else wgpu's choice for the power preference.
pub async fn select(options: &AdapterOptions) -> Result<wgpu::Adapter, Error> {
    let backends = options.backends_or_all();
    let instance = instance(backends);
    if let Some(wanted) = &options.adapter_name {
        let wanted = wanted.to_lowercase();
        return instance
            .enumerate_adapters(backends)
            .await
            .into_iter()
            .find(|adapter| adapter.get_info().name.to_lowercase().contains(&wanted))
            .ok_or_else(|| Error::NoAdapter(options.describe()));
    }
    instance
        .request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: options.power_preference,
            ..Default::default()
        })
        .await
        .map_err(|e| Error::NoAdapter(format!("{}: {e}", options.describe())))
}

/// Features this crate uses where the adapter offers them: storage buffers mapped
/// directly (the unified-memory transfer path) and timestamp queries (the benchmark).
pub const OPTIONAL_FEATURES: wgpu::Features = wgpu::Features::MAPPABLE_PRIMARY_BUFFERS
    .union(wgpu::Features::TIMESTAMP_QUERY)
    .union(wgpu::Features::TIMESTAMP_QUERY_INSIDE_ENCODERS);

/// Opens a device on `adapter` with the adapter's own limits, so that the largest
/// storage binding and buffer the hardware allows can be used, and with those of
/// [`OPTIONAL_FEATURES`] the adapter has.
pub async fn open_device(adapter: &wgpu::Adapter) -> Result<(wgpu::Device, wgpu::Queue), Error> {
    adapter
        .request_device(&wgpu::DeviceDescriptor {
            label: Some("wgpu-sigmoid.device"),
            required_features: adapter.features() & OPTIONAL_FEATURES,
            required_limits: adapter.limits(),
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        })
        .await
        .map_err(|e| Error::RequestDevice {
            adapter: adapter.get_info().name,
            message: e.to_string(),
        })
}
