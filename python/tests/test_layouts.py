"""Any shape and memory layout, in and out: the result has the input's shape and dtype,
C order unless `out` is given, the bits of the contiguous computation, and the input is
never modified unless it is `out`."""

import numpy as np
import pytest

import wgpu_sigmoid
from reference import DTYPE_IDS, DTYPES, bits, expected, round_once, ulps


def values(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 8).astype(dtype)


def unaligned(a):
    """A C-contiguous copy of `a` at an odd address."""
    raw = np.empty(a.nbytes + 1, np.uint8)[1:]
    view = raw.view(a.dtype).reshape(a.shape)
    view[...] = a
    assert not view.flags.aligned
    return view


LAYOUTS = {
    "c": lambda a: a,
    "0-d": lambda a: a[0, 0, 0],
    "0-d array": lambda a: np.array(a[0, 0, 0]),
    "1-d": lambda a: a.reshape(-1),
    "empty": lambda a: a[:, :0],
    "fortran": np.asfortranarray,
    "transposed": lambda a: a.transpose(2, 0, 1),
    "strided": lambda a: a[::2, 1::2],
    "negative strides": lambda a: a[::-1, :, ::-2],
    "broadcast (stride 0)": lambda a: np.broadcast_to(a[:1], (5,) + a.shape[1:]),
    "unaligned": unaligned,
}


def contiguous_result(x):
    return wgpu_sigmoid.sigmoid(np.ascontiguousarray(x))


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout(layout, dtype):
    x = LAYOUTS[layout](values((6, 7, 9), dtype))
    x = np.asarray(x)
    before = bits(x).copy()
    y = wgpu_sigmoid.sigmoid(x)
    # A 0-d input gives a scalar of its dtype, as numpy's ufuncs do.
    assert type(y) is (np.ndarray if x.ndim else x.dtype.type)
    assert y.shape == x.shape and y.dtype == x.dtype
    assert y.flags.c_contiguous
    np.testing.assert_array_equal(bits(x), before)  # input untouched
    np.testing.assert_array_equal(bits(y), bits(contiguous_result(x)))
    if x.size:
        assert ulps(y, expected(np.ascontiguousarray(x))).max() <= 1


@pytest.mark.parametrize("dtype", [np.float32, np.float16], ids=["float32", "float16"])
def test_non_native_byte_order(dtype):
    native = values((4, 5), dtype)
    swapped = native.astype(native.dtype.newbyteorder("S"))
    y = wgpu_sigmoid.sigmoid(swapped)
    assert y.dtype.isnative and y.dtype == native.dtype
    np.testing.assert_array_equal(bits(y), bits(wgpu_sigmoid.sigmoid(native)))


def test_0d_gives_a_scalar_and_a_0d_out_is_returned():
    y = wgpu_sigmoid.sigmoid(np.float32(0.0))
    assert type(y) is np.float32 and y == 0.5
    out = np.empty((), np.float32)
    assert wgpu_sigmoid.sigmoid(np.float32(0.0), out=out) is out and out.shape == ()


def test_lengths_around_workgroup_and_piece_boundaries():
    for n in [1, 2, 3, 255, 256, 257, 1023, 4097, 1 << 20, (1 << 22) + 3]:
        x = values((n,), np.float32, seed=n)
        assert ulps(wgpu_sigmoid.sigmoid(x), expected(x)).max() <= 1
        h = x.astype(np.float16)
        assert ulps(wgpu_sigmoid.sigmoid(h), expected(h)).max() <= 1


OUTS = {
    "c": lambda shape, dtype: np.empty(shape, dtype),
    "fortran": lambda shape, dtype: np.empty(shape, dtype, order="F"),
    "strided": lambda shape, dtype: np.empty((shape[0] * 2,) + shape[1:], dtype)[::2],
    "negative strides": lambda shape, dtype: np.empty(shape, dtype)[::-1, ::-1],
    "unaligned": lambda shape, dtype: unaligned(np.zeros(shape, dtype)),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("in_layout", ["c", "fortran", "strided", "negative strides"])
@pytest.mark.parametrize("out_layout", OUTS)
def test_out_of_every_layout(out_layout, in_layout, dtype):
    x = LAYOUTS[in_layout](values((6, 7, 9), dtype))
    out = OUTS[out_layout](x.shape, dtype)
    before = bits(x).copy()
    result = wgpu_sigmoid.sigmoid(x, out=out)
    assert result is out
    np.testing.assert_array_equal(bits(out), bits(contiguous_result(x)))
    np.testing.assert_array_equal(bits(x), before)


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("layout", ["c", "fortran", "strided", "negative strides", "unaligned"])
def test_in_place(layout, dtype):
    x = LAYOUTS[layout](values((6, 7, 9), dtype))
    expected_bits = bits(contiguous_result(x)).copy()
    result = wgpu_sigmoid.sigmoid(x, out=x)
    assert result is x
    np.testing.assert_array_equal(bits(x), expected_bits)


def test_in_place_through_another_view_object():
    a = values((1000,), np.float32)
    want = bits(contiguous_result(a)).copy()
    wgpu_sigmoid.sigmoid(a[:], out=a[:])
    np.testing.assert_array_equal(bits(a), want)


def test_out_overlapping_the_input():
    buffer = values((1001,), np.float32)
    x, out = buffer[:-1], buffer[1:]
    want = bits(contiguous_result(x)).copy()
    wgpu_sigmoid.sigmoid(x, out=out)
    np.testing.assert_array_equal(bits(buffer[1:]), want)


def test_empty_out_is_returned():
    out = np.empty((0, 4), np.float32)
    assert wgpu_sigmoid.sigmoid(np.empty((0, 4), np.float32), out=out) is out


# The gradient: dx = dy * y * (1 - y).


def gradient_inputs(shape, dtype):
    y = wgpu_sigmoid.sigmoid(values(shape, dtype, seed=1))
    dy = values(shape, dtype, seed=2)
    return y, dy


def gradient_reference(y, dy):
    y64, dy64 = y.astype(np.float64), dy.astype(np.float64)
    return dy64 * (y64 * (1.0 - y64))


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("layout", ["c", "fortran", "strided", "negative strides", "0-d", "empty"])
def test_backward_every_layout(layout, dtype):
    y, dy = gradient_inputs((6, 7, 9), dtype)
    y, dy = np.asarray(LAYOUTS[layout](y)), np.asarray(LAYOUTS[layout](dy))
    before = (bits(y).copy(), bits(dy).copy())
    dx = wgpu_sigmoid.sigmoid_backward(y, dy)
    assert dx.shape == y.shape and dx.dtype == y.dtype and dx.flags.c_contiguous
    np.testing.assert_array_equal(bits(y), before[0])
    np.testing.assert_array_equal(bits(dy), before[1])
    contiguous = wgpu_sigmoid.sigmoid_backward(np.ascontiguousarray(y), np.ascontiguousarray(dy))
    np.testing.assert_array_equal(bits(dx), bits(contiguous))
    # The stated bounds: 3 ULP for float32 (three roundings), 1 ULP for the 16-bit types.
    bound = 3 if dtype is np.float32 else 1
    assert ulps(dx, round_once(gradient_reference(y, dy), dtype)).max(initial=0) <= bound


@pytest.mark.parametrize("target", ["y", "dy", "fortran", "strided"])
def test_backward_out(target):
    y, dy = gradient_inputs((6, 7, 9), np.float32)
    want = bits(wgpu_sigmoid.sigmoid_backward(y, dy)).copy()
    out = {"y": y, "dy": dy, "fortran": np.empty(y.shape, np.float32, order="F"),
           "strided": np.empty((12, 7, 9), np.float32)[::2]}[target]
    assert wgpu_sigmoid.sigmoid_backward(y, dy, out=out) is out
    np.testing.assert_array_equal(bits(out), want)


def test_backward_fortran_inputs_into_fortran_out():
    y, dy = gradient_inputs((6, 7, 9), np.float16)
    want = bits(wgpu_sigmoid.sigmoid_backward(y, dy)).copy()
    out = np.empty(y.shape, np.float16, order="F")
    wgpu_sigmoid.sigmoid_backward(np.asfortranarray(y), np.asfortranarray(dy), out=out)
    np.testing.assert_array_equal(bits(out), want)
