//! Fuzzing the `.npy` reader with proptest: random bytes, mutated valid files and
//! lying headers must give `Ok` with exactly the announced data or a one-line error —
//! never a panic, and never an allocation sized by what a header claims (checked by
//! counting this thread's heap bytes).
//!
//! `PROPTEST_CASES=N cargo test --lib npy::fuzz_tests` runs N cases per property.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use proptest::prelude::*;

use super::{Dtype, NpyError, read, write};

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

/// The system allocator, counting the bytes each thread has live and its peak.
struct Counting;

fn record(grow: usize, shrink: usize) {
    // try_with: allocations during thread teardown must not panic.
    let _ = LIVE.try_with(|live| {
        let now = (live.get() + grow).saturating_sub(shrink);
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// `Counting` upholds exactly the `GlobalAlloc` contract `System` does; the counting
// only touches thread-local `Cell`s, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees for `layout` are passed on unchanged.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            record(layout.size(), 0);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            record(layout.size(), 0);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator (hence from `System`) with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        record(0, layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`, and `new_size` is the caller's.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            record(new_size, layout.size());
        }
        new
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// Runs `f` and returns its result and the most heap bytes this thread held above the
/// starting level while it ran.
fn peak_heap<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let start = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(start));
    let result = f();
    (result, PEAK.with(Cell::get) - start)
}

#[test]
fn the_counting_allocator_counts() {
    let (len, heap) = peak_heap(|| std::hint::black_box(vec![1u8; 3 << 20]).len());
    assert_eq!(len, 3 << 20);
    assert!(heap >= 3 << 20, "{heap}");
}

/// Reads `bytes` and checks what any outcome must satisfy; returns the outcome.
fn read_checked(bytes: &[u8]) -> Result<super::Array, NpyError> {
    let (result, heap) = peak_heap(|| read(&mut &bytes[..]));
    // The header is capped at 1 MiB and data is read in 256 KiB blocks into a vector
    // that grows with what was read (at most doubling): nothing depends on the shape.
    let bound = (2 << 20) + 8 * bytes.len();
    assert!(
        heap <= bound,
        "{heap} heap bytes for a {}-byte file",
        bytes.len()
    );
    match &result {
        Ok(array) => {
            let elements: u64 = array.shape.iter().product();
            assert_eq!(array.data.len() as u64, elements);
        }
        Err(error) => {
            let message = error.to_string();
            assert!(
                !message.is_empty() && !message.contains('\n'),
                "{message:?}"
            );
        }
    }
    result
}

fn valid_file() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![Just(Dtype::F32), Just(Dtype::F16), Just(Dtype::Bf16)],
        proptest::collection::vec(0u64..6, 0..4),
    )
        .prop_flat_map(|(dtype, shape)| {
            let n = shape.iter().product::<u64>() as usize;
            (
                Just(dtype),
                Just(shape),
                proptest::collection::vec(any::<u32>().prop_map(f32::from_bits), n),
            )
        })
        .prop_map(|(dtype, shape, data)| {
            let mut bytes = Vec::new();
            write(&mut bytes, &shape, dtype, &data).unwrap();
            bytes
        })
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = read_checked(&bytes);
    }

    #[test]
    fn random_bytes_after_the_magic_never_panic(
        version in 0u8..4,
        tail in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        let mut bytes = b"\x93NUMPY".to_vec();
        bytes.extend([version, 0]);
        bytes.extend(tail);
        let _ = read_checked(&bytes);
    }

    #[test]
    fn mutated_valid_files_never_panic(
        file in valid_file(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        cut in proptest::option::of(any::<prop::sample::Index>()),
        extra in proptest::collection::vec(any::<u8>(), 0..8),
    ) {
        let mut bytes = file;
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        bytes.extend(extra);
        let _ = read_checked(&bytes);
    }

    #[test]
    fn untouched_valid_files_read_back(file in valid_file()) {
        prop_assert!(read_checked(&file).is_ok());
    }

    #[test]
    fn lying_shapes_fail_without_allocating_for_them(
        dims in proptest::collection::vec(any::<u64>(), 1..4),
        descr in prop_oneof![Just("<f4"), Just("<f2"), Just("<u2")],
        body in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let shape = dims.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
        let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({shape},), }}");
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend((dict.len() as u16 + 1).to_le_bytes());
        bytes.extend(dict.as_bytes());
        bytes.push(b'\n');
        bytes.extend(&body);
        let announced = dims.iter().try_fold(1u64, |n, &d| n.checked_mul(d));
        let size = if descr == "<f4" { 4 } else { 2 };
        let result = read_checked(&bytes);
        match announced.and_then(|n| n.checked_mul(size)) {
            // A shape no file can hold is refused by the header alone.
            None => prop_assert!(
                matches!(result, Err(NpyError::ShapeOverflows { .. })),
                "{result:?}"
            ),
            Some(bytes) if bytes != body.len() as u64 => prop_assert!(
                matches!(result, Err(NpyError::WrongLength { .. })),
                "{result:?}"
            ),
            Some(_) => {}
        }
    }
}
