mod accuracy;
mod bench;
mod cli;
// The library's test helpers (GPU instance, test data, reference checks), shared.
#[path = "../../../tests/src/common.rs"]
mod common;
mod edges;
mod messages;
#[cfg(unix)]
mod output;
mod stream;
mod usage;
