//! Choosing an adapter and opening a device on it.
//!
//! The defaults follow wgpu's environment variables, so the same binary runs on a real
//! GPU or on Mesa's software adapters without a rebuild: `WGPU_BACKEND` (e.g. `vulkan`,
//! `gl`), `WGPU_ADAPTER_NAME` (a case-insensitive substring of the adapter name) and
//! `WGPU_POWER_PREF` (`low`, `high`, `none`). Unlike wgpu's own parsers, a value that
//! means nothing is an error naming it, never silently "any".

use crate::Error;

/// Which adapter to open.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AdapterOptions {
    /// Backends to consider; `None` means every backend compiled in.
    pub backends: Option<wgpu::Backends>,
    /// Case-insensitive substring that the adapter's name must contain.
    pub adapter_name: Option<String>,
    /// Preference between low-power and high-performance adapters.
    pub power_preference: wgpu::PowerPreference,
}

impl AdapterOptions {
    /// Options from `WGPU_BACKEND`, `WGPU_ADAPTER_NAME` and `WGPU_POWER_PREF`; unset or
    /// empty variables leave the default (any backend, any name, no preference).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownBackend`] or [`Error::UnknownPowerPreference`] for a value that
    /// names nothing.
    pub fn from_env() -> Result<AdapterOptions, Error> {
        Ok(AdapterOptions {
            backends: backends_from_env()?,
            adapter_name: adapter_name_from_env(),
            power_preference: power_preference_from_env()?.unwrap_or_default(),
        })
    }

    fn backends_or_all(&self) -> wgpu::Backends {
        self.backends.unwrap_or(wgpu::Backends::all())
    }

    fn describe(&self) -> String {
        let backends = self.backends.map_or_else(
            || "any backend".to_string(),
            |b| format!("backend {}", backend_names(b)),
        );
        match &self.adapter_name {
            Some(name) => format!("{backends}, name containing `{name}`"),
            None => backends,
        }
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `WGPU_BACKEND`, parsed; `None` when unset or empty.
pub(crate) fn backends_from_env() -> Result<Option<wgpu::Backends>, Error> {
    env_var("WGPU_BACKEND")
        .map(|v| parse_backends(&v, "WGPU_BACKEND"))
        .transpose()
}

/// `WGPU_ADAPTER_NAME`; `None` when unset or empty.
pub(crate) fn adapter_name_from_env() -> Option<String> {
    env_var("WGPU_ADAPTER_NAME")
}

/// `WGPU_POWER_PREF`, parsed; `None` when unset or empty.
pub(crate) fn power_preference_from_env() -> Result<Option<wgpu::PowerPreference>, Error> {
    env_var("WGPU_POWER_PREF")
        .map(|v| parse_power_preference(&v, "WGPU_POWER_PREF"))
        .transpose()
}

/// Parses a comma-separated list of backend names as wgpu spells them (`vulkan`/`vk`,
/// `gl`/`gles`/`opengl`, `metal`/`mtl`, `dx12`/`d3d12`, `webgpu`), case-insensitively.
/// `origin` names where the text came from, for the error.
///
/// # Errors
///
/// [`Error::UnknownBackend`] naming the first word that is not a backend.
pub fn parse_backends(text: &str, origin: &'static str) -> Result<wgpu::Backends, Error> {
    let mut backends = wgpu::Backends::empty();
    for word in text.split(',').map(str::trim) {
        let backend = wgpu::Backends::from_comma_list(word);
        if backend.is_empty() {
            return Err(Error::UnknownBackend {
                value: word.to_string(),
                origin,
                available: backend_names(wgpu::Instance::enabled_backend_features()),
            });
        }
        backends |= backend;
    }
    Ok(backends)
}

/// Parses `low`, `high` or `none` (case-insensitive).
///
/// # Errors
///
/// [`Error::UnknownPowerPreference`] for anything else.
pub fn parse_power_preference(
    text: &str,
    origin: &'static str,
) -> Result<wgpu::PowerPreference, Error> {
    match text.trim().to_lowercase().as_str() {
        "low" => Ok(wgpu::PowerPreference::LowPower),
        "high" => Ok(wgpu::PowerPreference::HighPerformance),
        "none" => Ok(wgpu::PowerPreference::None),
        _ => Err(Error::UnknownPowerPreference {
            value: text.to_string(),
            origin,
        }),
    }
}

/// The backends as lower-case names, e.g. `vulkan, gl`.
fn backend_names(backends: wgpu::Backends) -> String {
    let names: Vec<&str> = [
        (wgpu::Backends::VULKAN, "vulkan"),
        (wgpu::Backends::GL, "gl"),
        (wgpu::Backends::METAL, "metal"),
        (wgpu::Backends::DX12, "dx12"),
        (wgpu::Backends::BROWSER_WEBGPU, "webgpu"),
    ]
    .into_iter()
    .filter(|(b, _)| backends.contains(*b))
    .map(|(_, name)| name)
    .collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// `name (backend, type)` of an adapter.
#[must_use]
pub fn describe(info: &wgpu::AdapterInfo) -> String {
    format!("{} ({:?}, {:?})", info.name, info.backend, info.device_type)
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

/// What to install to get an adapter on `backends`, without a GPU: Mesa's software
/// drivers by their Debian/Ubuntu package names, or the platform a backend needs.
fn remedy(backends: wgpu::Backends) -> String {
    let mut drivers = Vec::new();
    let mut packages = Vec::new();
    if backends.contains(wgpu::Backends::VULKAN) {
        drivers.push("lavapipe for Vulkan");
        packages.extend(["libvulkan1", "mesa-vulkan-drivers"]);
    }
    if backends.contains(wgpu::Backends::GL) {
        drivers.push("llvmpipe for OpenGL through EGL");
        packages.extend(["libegl1", "libegl-mesa0", "libgl1-mesa-dri"]);
    }
    let mut remedy = String::new();
    if !packages.is_empty() {
        remedy = format!(
            "Without a GPU, install Mesa's software driver ({}): `sudo apt-get install {}` \
             on Debian/Ubuntu; in the wgpu-sigmoid repository, scripts/setup.sh does this.",
            drivers.join(", "),
            packages.join(" ")
        );
    }
    for (backend, needs) in [
        (
            wgpu::Backends::BROWSER_WEBGPU,
            "In a browser, WebGPU must be on (Chromium on Linux: --enable-unsafe-webgpu) \
             and the page served over https or from localhost.",
        ),
        (wgpu::Backends::METAL, "Metal needs macOS."),
        (
            wgpu::Backends::DX12,
            "DX12 needs Windows with a DX12 driver (or its WARP software adapter).",
        ),
    ] {
        if backends.contains(backend) && packages.is_empty() {
            remedy.push_str(needs);
        }
    }
    remedy
}

/// The adapters `options` selects, in wgpu's order: on its backends, with its name.
///
/// # Errors
///
/// [`Error::BackendUnavailable`] when none of the backends is compiled in;
/// [`Error::NoMatchingAdapter`] when adapters exist but none matches (the error lists
/// them); [`Error::NoAdapter`] when there are none at all.
pub async fn matching(options: &AdapterOptions) -> Result<Vec<wgpu::Adapter>, Error> {
    let compiled = wgpu::Instance::enabled_backend_features();
    let backends = options.backends_or_all() & compiled;
    if backends.is_empty() {
        return Err(Error::BackendUnavailable {
            requested: options.backends.map_or_else(String::new, backend_names),
            available: backend_names(compiled),
        });
    }
    let wanted = options.adapter_name.as_deref().map(str::to_lowercase);
    let matches: Vec<wgpu::Adapter> = enumerate(backends)
        .await
        .into_iter()
        .filter(|adapter| {
            wanted
                .as_ref()
                .is_none_or(|w| adapter.get_info().name.to_lowercase().contains(w))
        })
        .collect();
    if !matches.is_empty() {
        return Ok(matches);
    }
    let everything = enumerate(compiled).await;
    if everything.is_empty() {
        return Err(Error::NoAdapter {
            requested: options.describe(),
            remedy: remedy(backends),
        });
    }
    let available: Vec<String> = everything.iter().map(|a| describe(&a.get_info())).collect();
    let on_backends = everything
        .iter()
        .any(|a| backends.contains(a.get_info().backend.into()));
    Err(Error::NoMatchingAdapter {
        requested: options.describe(),
        available: available.join(", "),
        remedy: if on_backends {
            String::new()
        } else {
            format!(". {}", remedy(backends))
        },
    })
}

/// The adapter that `options` selects: the first whose name contains
/// `options.adapter_name`, or else wgpu's choice for the power preference among the
/// requested backends.
///
/// # Errors
///
/// As [`matching`].
pub async fn select(options: &AdapterOptions) -> Result<wgpu::Adapter, Error> {
    if options.adapter_name.is_none() {
        // wgpu's own ranking (discrete before integrated before CPU, per the power
        // preference) among the requested backends; the adapters are listed only to
        // explain a failure.
        let backends = options.backends_or_all() & wgpu::Instance::enabled_backend_features();
        if !backends.is_empty()
            && let Ok(adapter) = instance(backends)
                .request_adapter(&wgpu::RequestAdapterOptions {
                    power_preference: options.power_preference,
                    ..Default::default()
                })
                .await
        {
            return Ok(adapter);
        }
    }
    let mut matches = matching(options).await?;
    // `matching` never returns an empty list.
    Ok(matches.swap_remove(0))
}

/// Features this crate uses where the adapter offers them: storage buffers mapped
/// directly (the unified-memory transfer path).
pub const OPTIONAL_FEATURES: wgpu::Features = wgpu::Features::MAPPABLE_PRIMARY_BUFFERS;

/// Features a benchmark wants for GPU timestamps around passes (as wgpu-profiler's
/// `ALL_WGPU_TIMER_FEATURES`): ask for them with [`crate::SigmoidBuilder::features`]
/// or [`open_device`]. The library itself never needs them.
pub const TIMER_FEATURES: wgpu::Features =
    wgpu::Features::TIMESTAMP_QUERY.union(wgpu::Features::TIMESTAMP_QUERY_INSIDE_ENCODERS);

/// Opens a device on `adapter` with the adapter's own limits, so that the largest
/// storage binding and buffer the hardware allows can be used, and with those of
/// [`OPTIONAL_FEATURES`] and of `wanted` that the adapter has.
///
/// # Errors
///
/// [`Error::RequestDevice`] when the adapter refuses.
pub async fn open_device(
    adapter: &wgpu::Adapter,
    wanted: wgpu::Features,
) -> Result<(wgpu::Device, wgpu::Queue), Error> {
    adapter
        .request_device(&wgpu::DeviceDescriptor {
            label: Some("wgpu-sigmoid.device"),
            required_features: adapter.features() & (OPTIONAL_FEATURES | wanted),
            required_limits: adapter.limits(),
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        })
        .await
        .map_err(|source| Error::RequestDevice {
            adapter: adapter.get_info().name,
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_no_adapter_remedy_names_the_packages_of_the_backend_asked_for() {
        let gl = remedy(wgpu::Backends::GL);
        assert!(gl.contains("libegl1 libegl-mesa0 libgl1-mesa-dri"), "{gl}");
        assert!(!gl.contains("vulkan"), "{gl}");
        let vulkan = remedy(wgpu::Backends::VULKAN);
        assert!(vulkan.contains("mesa-vulkan-drivers"), "{vulkan}");
        assert!(!vulkan.contains("libegl"), "{vulkan}");
        let all = remedy(wgpu::Backends::all());
        assert!(
            all.contains("mesa-vulkan-drivers") && all.contains("libegl1"),
            "{all}"
        );
        for text in [gl, vulkan, all] {
            assert!(
                text.contains("in the wgpu-sigmoid repository, scripts/setup.sh"),
                "{text}"
            );
            assert!(!text.starts_with("run"), "{text}");
        }
        assert!(remedy(wgpu::Backends::METAL).contains("macOS"));
        let web = remedy(wgpu::Backends::BROWSER_WEBGPU);
        assert!(web.contains("--enable-unsafe-webgpu"), "{web}");
    }

    #[test]
    fn backend_names_parse_and_bad_ones_are_named() {
        assert_eq!(
            parse_backends("Vulkan, gl", "test").unwrap(),
            wgpu::Backends::VULKAN | wgpu::Backends::GL
        );
        let error = parse_backends("vulkan,bogus", "WGPU_BACKEND").unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("`bogus`") && message.contains("WGPU_BACKEND"),
            "{message}"
        );
        assert!(parse_power_preference("HIGH", "t").is_ok());
        let message = parse_power_preference("bogus", "WGPU_POWER_PREF")
            .unwrap_err()
            .to_string();
        assert!(message.contains("`bogus`"), "{message}");
    }
}
