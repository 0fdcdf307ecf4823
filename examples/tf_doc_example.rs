//! TensorFlow's documentation example for `tf.keras.activations.sigmoid`, on the GPU.
//!
//! ```text
//! cargo run --release --example tf_doc_example
//! ```

use wgpu_sigmoid::Sigmoid;

/// TensorFlow documents `[2.0611537e-09, 2.6894143e-01, 5.0000000e-01, 7.3105860e-01,
/// 1.0000000e+00]`; these are the bit patterns of those float32 values.
const TENSORFLOW_BITS: [u32; 5] = [
    0x310d_a433,
    0x3e89_b2b1,
    0x3f00_0000,
    0x3f3b_26a8,
    0x3f80_0000,
];

fn main() -> Result<(), wgpu_sigmoid::Error> {
    let sigmoid = Sigmoid::new()?;
    let info = &sigmoid.config().adapter;
    println!("adapter: {} ({:?})", info.name, info.backend);

    let x = [-20.0f32, -1.0, 0.0, 1.0, 20.0];
    let y = sigmoid.forward(&x)?;
    // Printed the way NumPy prints a float32 array.
    let printed: Vec<String> = y.iter().map(|v| format!("{v:.7e}")).collect();
    println!("sigmoid({x:?})\n  = [{}]", printed.join(", "));

    let bits: Vec<u32> = y.iter().map(|v| v.to_bits()).collect();
    println!("  bits: {bits:08x?}");
    println!(
        "identical to TensorFlow's documented output: {}",
        bits == TENSORFLOW_BITS
    );
    Ok(())
}
