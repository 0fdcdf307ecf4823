//! Arrays through wasm memory in bounded rounds: each round copies a stretch of the
//! JavaScript inputs into reused wasm buffers, runs the library on it, and copies the
//! results into the JavaScript output. Copying a whole input at once would grow wasm
//! memory to twice the arrays' size, for the rest of the page's life (wasm memory
//! never shrinks), and cap the length well below what the GPU could take.

use wasm_bindgen::JsValue;
use wgpu_sigmoid::{Error, Sigmoid};

use crate::arrays::{HostElement, bytes_of};

/// Elements per round: what `sigmoid`'s ring holds at once (its pieces in flight ×
/// the piece size), so that each round still overlaps its pieces on the GPU, and a
/// round's buffers stay bounded (with the defaults 12 Mi elements: 96 MiB of f32
/// input and results for `forward`). BENCHMARKS.md, "Browser, second stop".
fn round_elements(sigmoid: &Sigmoid) -> usize {
    let options = sigmoid.config();
    let piece = usize::try_from(options.max_chunk_elements).unwrap_or(usize::MAX);
    piece.saturating_mul(options.pieces_in_flight).max(1)
}

/// What a round computes.
#[derive(Clone, Copy)]
pub(crate) enum Op {
    /// `sigmoid(x)` of one input.
    Forward,
    /// `dy · y · (1 − y)` of two inputs, `y` and `dy`.
    Backward,
}

/// `op` of `inputs` into `output`, arrays of one type and length (checked by the
/// caller), in rounds of [`round_elements`]. Where the output shares memory with an
/// input other than exactly (in place), one round takes everything so that no result
/// overwrites an input not yet read.
pub(crate) async fn stream<E: HostElement>(
    sigmoid: &Sigmoid,
    op: Op,
    inputs: &[&E::Array],
    output: &E::Array,
) -> Result<(), Error> {
    let length = E::length(output) as usize;
    if length == 0 {
        return Ok(());
    }
    let overlapping = inputs
        .iter()
        .any(|input| overlaps(input.as_ref(), output.as_ref()));
    let round = if overlapping {
        length
    } else {
        round_elements(sigmoid).min(length)
    };
    let mut staged: Vec<Vec<E>> = inputs.iter().map(|_| vec![E::zeroed(); round]).collect();
    let mut results = vec![E::zeroed(); round];
    for start in (0..length).step_by(round) {
        let count = round.min(length - start);
        let offset = start as u32;
        for (input, buffer) in inputs.iter().zip(&mut staged) {
            E::copy_out(input, offset, &mut buffer[..count]);
        }
        let out = &mut results[..count];
        match (op, staged.as_slice()) {
            (Op::Forward, [x, ..]) => sigmoid.forward_into_async(&x[..count], out).await?,
            (Op::Backward, [y, dy, ..]) => {
                sigmoid
                    .backward_into_async(&y[..count], &dy[..count], out)
                    .await?;
            }
            // The callers pass one input to Forward and two to Backward.
            _ => {
                return Err(Error::Bug(
                    "the browser package passed the wrong number of inputs".into(),
                ));
            }
        }
        E::copy_in(output, offset, out);
    }
    Ok(())
}

/// Whether `a` and `b` view overlapping bytes of one buffer without being the same
/// view (the same view is in-place work, which rounds handle).
fn overlaps(a: &JsValue, b: &JsValue) -> bool {
    let (buffer_a, a) = bytes_of(a);
    let (buffer_b, b) = bytes_of(b);
    buffer_a == buffer_b && a != b && a.start < b.end && b.start < a.end
}
