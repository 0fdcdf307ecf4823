"""Threads: one instance shared by 8 threads at once gives every thread its own right
answer, the first calls of 8 threads open one default device, the GIL is free while the
GPU works, and a forked child opens its own device."""

import multiprocessing
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import ml_dtypes
import numpy as np

import wgpu_sigmoid
from reference import bits
from test_errors import run_python


def inputs(count):
    rng = np.random.default_rng(7)
    dtypes = [np.float32, np.float16, ml_dtypes.bfloat16]
    return [
        (rng.standard_normal(1000 + 37_000 * i) * 10).astype(dtypes[i % 3]) for i in range(count)
    ]


def test_eight_threads_share_one_instance(instance):
    arrays = inputs(8)
    want = [bits(instance.sigmoid(a)).copy() for a in arrays]
    grads = [bits(instance.sigmoid_backward(instance.sigmoid(a), a)).copy() for a in arrays]

    def work(i):
        for _ in range(5):
            np.testing.assert_array_equal(bits(instance.sigmoid(arrays[i])), want[i])
            out = np.empty_like(arrays[i])
            instance.sigmoid(arrays[i], out=out)
            np.testing.assert_array_equal(bits(out), want[i])
            y = instance.sigmoid(arrays[i])
            np.testing.assert_array_equal(
                bits(instance.sigmoid_backward(y, arrays[i])), grads[i]
            )
        return i

    with ThreadPoolExecutor(8) as pool:
        assert sorted(pool.map(work, range(8))) == list(range(8))


def test_eight_threads_reading_one_array(instance):
    x = inputs(2)[1]
    want = bits(instance.sigmoid(x)).copy()
    with ThreadPoolExecutor(8) as pool:
        for result in pool.map(lambda _: instance.sigmoid(x), range(32)):
            np.testing.assert_array_equal(bits(result), want)


def test_first_calls_of_eight_threads_open_one_default_device():
    out = run_python(
        "import threading, numpy as np, wgpu_sigmoid\n"
        "barrier = threading.Barrier(8)\n"
        "seen = []\n"
        "def first_call():\n"
        "    barrier.wait()\n"
        "    y = wgpu_sigmoid.sigmoid(np.zeros(4096, np.float32))\n"
        "    seen.append((id(wgpu_sigmoid._default), bool(np.all(y == 0.5))))\n"
        "threads = [threading.Thread(target=first_call) for _ in range(8)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(len(seen), len({s[0] for s in seen}), all(s[1] for s in seen))\n"
    )
    assert out.split() == ["8", "1", "True"]


def test_the_gil_is_released_while_the_gpu_works(instance):
    x = np.zeros(1 << 24, np.float32)
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    thread = threading.Thread(target=ticker)
    thread.start()
    time.sleep(0.02)
    try:
        start = time.perf_counter()
        instance.sigmoid(x, out=x)
        end = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    during = [t for t in ticks if start < t < end]
    # Holding the GIL would leave the ticker 0 ticks (1 per 5 ms switch interval at best).
    assert end - start > 0.01
    assert len(during) >= max(3, 0.25 * (end - start) / 0.001), (len(during), end - start)


def child_sigmoid(values):
    try:
        return wgpu_sigmoid.sigmoid(values)
    except wgpu_sigmoid.GpuError as error:
        return str(error)


def test_a_forked_child_opens_its_own_device(instance):
    # `instance` and the default device are open in this process when it forks.
    x = np.linspace(-30, 30, 10_001, dtype=np.float32)
    want = bits(wgpu_sigmoid.sigmoid(x)).copy()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = pool.map(child_sigmoid, [x, x[::-1]], chunksize=1)
    if instance.adapter.backend == "gl":
        # Mesa's GL cannot open a device in such a child: an error that says what to
        # do, not a hang.
        assert all("'spawn'" in result for result in results), results
    else:
        np.testing.assert_array_equal(bits(results[0]), want)
        np.testing.assert_array_equal(bits(results[1]), want[::-1])
    np.testing.assert_array_equal(bits(wgpu_sigmoid.sigmoid(x)), want)  # the parent's still works


def test_a_spawned_child_opens_its_own_device():
    x = np.linspace(-30, 30, 10_001, dtype=np.float32)
    want = bits(wgpu_sigmoid.sigmoid(x)).copy()
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.map(wgpu_sigmoid.sigmoid, [x, x[::-1]], chunksize=1)
    np.testing.assert_array_equal(bits(results[0]), want)
    np.testing.assert_array_equal(bits(results[1]), want[::-1])
