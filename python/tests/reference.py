"""The f64 reference and ULP distances the tests measure against.

The reference is computed in f64 and rounded once to the array's type: for bfloat16
(where ml_dtypes converts f64 through f32, rounding twice) the nearest of the rounded
value and its two neighbours is taken, so every type gets a correctly rounded value.
"""

import ml_dtypes
import numpy as np

BITS = {
    np.dtype(np.float32): np.uint32,
    np.dtype(np.float16): np.uint16,
    np.dtype(ml_dtypes.bfloat16): np.uint16,
}

DTYPES = [np.float32, np.float16, ml_dtypes.bfloat16]
DTYPE_IDS = ["float32", "float16", "bfloat16"]


def bits(a):
    return np.ascontiguousarray(a).view(BITS[np.dtype(a.dtype)])


def ordinal(a):
    """Bit patterns as integers in the order of the values (-0 and +0 both 0)."""
    b = bits(a).astype(np.int64)
    sign = np.int64(1) << (8 * a.dtype.itemsize - 1)
    magnitude = b & (sign - 1)
    return np.where(b & sign, -magnitude, magnitude)


def round_once(exact, dtype):
    """`exact` (finite f64 values) correctly rounded to `dtype`."""
    dtype = np.dtype(dtype)
    negative = np.signbit(exact)
    exact = np.abs(exact)
    rounded = exact.astype(dtype)
    kind = BITS[dtype]
    b = bits(rounded).astype(np.int64)
    top = int(bits(np.array([np.inf], dtype))[0]) - 1
    candidates = [np.clip(b + step, 0, top).astype(kind).view(dtype) for step in (-1, 0, 1)]
    errors = np.stack([np.abs(c.astype(np.float64) - exact) for c in candidates])
    best = np.choose(np.argmin(errors, axis=0), candidates)
    return np.where(negative, -best, best).astype(dtype)


def sigmoid64(x):
    with np.errstate(over="ignore", invalid="ignore"):
        x = np.asarray(x, dtype=np.float64)
        return 1.0 / (1.0 + np.exp(-x))


def expected(x):
    """sigmoid(x) correctly rounded to x's dtype; NaN where x is NaN."""
    return round_once(sigmoid64(x), x.dtype)


def ulps(result, reference):
    return np.abs(ordinal(result) - ordinal(reference))


def isnan(x):
    with np.errstate(invalid="ignore"):
        return np.isnan(x.astype(np.float32))


def accuracy(x, result):
    """(max ULP, share exactly rounded) over the non-NaN inputs."""
    keep = ~isnan(x)
    distance = ulps(result[keep], expected(x[keep]))
    return int(distance.max()), float(np.mean(distance == 0))


def quieted(x):
    """The NaN bit patterns of x with the quiet bit set."""
    dtype = np.dtype(x.dtype)
    quiet = {
        np.dtype(np.float32): 0x0040_0000,
        np.dtype(np.float16): 0x0200,
        np.dtype(ml_dtypes.bfloat16): 0x0040,
    }[dtype]
    return bits(x) | BITS[dtype](quiet)


def all_patterns(dtype):
    """Every 16-bit pattern as an array of `dtype`."""
    return np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(dtype)
