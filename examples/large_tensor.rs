//! Offloads a large tensor (default 256 Mi elements, 1 GiB of f32) to the GPU and prints
//! the throughput of each call, then checks a sample against the CPU reference.
//!
//! ```text
//! cargo run --release --example large_tensor -- [ELEMENTS]
//! ```

use std::time::Instant;

use wgpu_sigmoid::{Sigmoid, cpu};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let elements: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 256 << 20,
    };
    let sigmoid = Sigmoid::new()?;
    let info = &sigmoid.config().adapter;
    println!(
        "adapter: {} ({:?}); {}, pieces of {} elements, {} in flight",
        info.name,
        info.backend,
        sigmoid.config().transfer,
        sigmoid.config().max_chunk_elements,
        sigmoid.config().pieces_in_flight
    );

    let x: Vec<f32> = (0..elements)
        .map(|i| ((i % 20_011) as f32 - 10_005.0) * 1e-3)
        .collect();
    let mut y = vec![0.0f32; elements];
    let gib = (elements * 4) as f64 / (1u64 << 30) as f64;
    println!("tensor: {elements} f32 ({gib:.2} GiB)");
    for run in 1..=3 {
        let start = Instant::now();
        sigmoid.forward_into(&x, &mut y)?;
        let seconds = start.elapsed().as_secs_f64();
        println!(
            "run {run}: {:.3} s, {:.0} Melem/s, {:.2} GB/s in + out",
            seconds,
            elements as f64 / seconds / 1e6,
            (elements * 8) as f64 / seconds / 1e9
        );
    }

    // Spot-check every 9973rd element against the correctly rounded reference.
    let worst = (0..elements)
        .step_by(9973)
        .filter_map(|i| cpu::ulp_distance(y[i], cpu::sigmoid(x[i])))
        .max()
        .unwrap_or(0);
    println!("largest error in the sample: {worst} ULP");
    Ok(())
}
