//! Property tests (proptest): random lengths, offsets into a larger buffer and values
//! (NaN payloads, ±inf, subnormals, −0.0 included) through every public API agree with
//! the CPU reference within the contract, and all APIs agree bit for bit; the
//! neighbours of the slice are never touched. `PROPTEST_CASES=N` sets the case count.

use proptest::prelude::*;
use wgpu_sigmoid::Sigmoid;

use super::common::{assert_matches_reference, bits, gpu, small_pieces};

fn value() -> impl Strategy<Value = f32> {
    prop_oneof![
        // Every bit pattern: NaN payloads of both signs, subnormals, infinities.
        any::<u32>().prop_map(f32::from_bits),
        -110.0f32..110.0,
        -2.0f32..2.0,
        prop::sample::select(vec![
            0.0,
            -0.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            -f32::NAN,
            f32::from_bits(0x7f80_0001),
            f32::from_bits(0xffc0_1234),
            f32::MIN_POSITIVE,
            -f32::from_bits(1),
            -103.97,
            -87.34,
            88.0,
        ]),
    ]
}

fn check_every_api(sigmoid: &Sigmoid, values: &[f32], offset: usize) -> Result<(), TestCaseError> {
    // `values` sits at `offset` inside a buffer with sentinels on both sides.
    let sentinel = f32::from_bits(0x7fc0_beef);
    let mut buffer = vec![sentinel; offset];
    buffer.extend_from_slice(values);
    buffer.extend([sentinel; 3]);
    let range = offset..offset + values.len();

    let y = sigmoid.forward(&buffer[range.clone()]).unwrap();
    assert_matches_reference(values, &y);

    let mut into = buffer.clone();
    sigmoid
        .forward_into(values, &mut into[range.clone()])
        .unwrap();
    prop_assert_eq!(bits(&into[range.clone()]), bits(&y));

    let mut in_place = buffer.clone();
    sigmoid
        .forward_in_place(&mut in_place[range.clone()])
        .unwrap();
    prop_assert_eq!(bits(&in_place[range.clone()]), bits(&y));
    for outside in [&into, &in_place] {
        prop_assert_eq!(bits(&outside[..offset]), bits(&buffer[..offset]));
        prop_assert_eq!(bits(&outside[range.end..]), bits(&buffer[range.end..]));
    }

    let asynchronous = pollster::block_on(sigmoid.forward_async(values)).unwrap();
    prop_assert_eq!(bits(&asynchronous), bits(&y));
    Ok(())
}

proptest! {
    #[test]
    fn every_api_agrees_with_the_reference(
        values in proptest::collection::vec(value(), 0..6000),
        offset in 0usize..70,
        tiny_pieces in any::<bool>(),
    ) {
        let Some(shared) = gpu() else { return Ok(()) };
        let sigmoid = if tiny_pieces { small_pieces().unwrap_or(shared) } else { shared };
        check_every_api(sigmoid, &values, offset)?;
    }
}
