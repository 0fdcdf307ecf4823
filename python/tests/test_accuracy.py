"""Every dtype against the f64 reference rounded once: all 65 536 patterns of float16
and bfloat16, float32 on sweeps across all 2^32 patterns, TensorFlow's doc example bit
for bit, and the defined results for NaN, infinities, zeros and subnormals."""

import ml_dtypes
import numpy as np
import pytest

import wgpu_sigmoid
from reference import accuracy, all_patterns, bits, expected, isnan, quieted, ulps


@pytest.mark.parametrize("dtype", [np.float16, ml_dtypes.bfloat16], ids=["float16", "bfloat16"])
def test_every_16_bit_pattern(dtype):
    x = all_patterns(dtype)
    y = wgpu_sigmoid.sigmoid(x)
    assert y.dtype == np.dtype(dtype)
    worst, exact = accuracy(x, y)
    assert worst <= 1
    assert exact >= 0.999, exact
    nan = isnan(x)
    np.testing.assert_array_equal(bits(y[nan]), quieted(x[nan]))


@pytest.mark.parametrize("start", [0, 1, 97])
def test_float32_sweeps_across_all_patterns(start):
    # Every 509th pattern from `start`: 8.4 M inputs, all exponents, both signs, NaNs.
    patterns = np.arange(start, 1 << 32, 509, dtype=np.uint64).astype(np.uint32)
    x = patterns.view(np.float32)
    y = wgpu_sigmoid.sigmoid(x)
    worst, exact = accuracy(x, y)
    assert worst <= 1
    assert exact >= 0.97, exact  # all 2^32: 97.76 % (README's accuracy table)
    nan = np.isnan(x)
    assert nan.sum() > 10_000
    np.testing.assert_array_equal(bits(y[nan]), quieted(x[nan]))


def test_float32_strided_input_sweep():
    # The same sweep read through a view with a stride (every third of a larger array).
    patterns = np.arange(5, 1 << 32, 1021 * 3, dtype=np.uint64).astype(np.uint32)
    big = np.repeat(patterns.view(np.float32), 3)
    x = big[1::3]
    y = wgpu_sigmoid.sigmoid(x)
    worst, _ = accuracy(np.ascontiguousarray(x), y)
    assert worst <= 1


def test_tensorflow_doc_example_bit_for_bit():
    x = np.array([-20, -1, 0, 1, 20], dtype=np.float32)
    tf = np.array([2.0611537e-09, 2.6894143e-01, 5.0000000e-01, 7.3105860e-01, 1.0000000e00],
                  dtype=np.float32)
    np.testing.assert_array_equal(bits(wgpu_sigmoid.sigmoid(x)), bits(tf))


@pytest.mark.parametrize("dtype", [np.float32, np.float16, ml_dtypes.bfloat16],
                         ids=["float32", "float16", "bfloat16"])
def test_special_values(dtype):
    x = np.array([np.inf, -np.inf, 0.0, -0.0], dtype=dtype)
    y = wgpu_sigmoid.sigmoid(x)
    np.testing.assert_array_equal(y.astype(np.float64), [1.0, 0.0, 0.5, 0.5])
    tiny = np.array([ml_dtypes.finfo(dtype).smallest_subnormal, -ml_dtypes.finfo(dtype).smallest_subnormal],
                    dtype=dtype)
    np.testing.assert_array_equal(wgpu_sigmoid.sigmoid(tiny).astype(np.float64), [0.5, 0.5])


def test_float32_subnormal_results_are_kept():
    x = np.linspace(-103.9, -87.4, 100_001, dtype=np.float32)
    y = wgpu_sigmoid.sigmoid(x)
    assert np.all(y > 0) and np.all(y < np.finfo(np.float32).tiny)
    assert ulps(y, expected(x)).max() <= 1


def test_explicit_instance_gives_the_default_bits(instance):
    x = all_patterns(np.float16)
    np.testing.assert_array_equal(bits(instance.sigmoid(x)), bits(wgpu_sigmoid.sigmoid(x)))
