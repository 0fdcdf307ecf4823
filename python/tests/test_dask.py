"""Dask: `map_blocks(wgpu_sigmoid.sigmoid, x)` on a LocalCluster of two worker
processes, each of which opens its own device; the gradient and an explicit instance
the same way; a bad dtype fails before any work, and an error in a worker reaches the
client as itself."""

import os

import dask.array as da
import ml_dtypes
import numpy as np
import pytest
from dask.distributed import Client, LocalCluster

import wgpu_sigmoid
from reference import DTYPE_IDS, DTYPES, bits


@pytest.fixture(scope="module")
def client():
    with LocalCluster(
        n_workers=2,
        threads_per_worker=2,
        processes=True,
        memory_limit="1GiB",
        dashboard_address=None,
    ) as cluster, Client(cluster) as client:
        yield client


def worker_state():
    default = wgpu_sigmoid._default
    return os.getpid(), None if default is None else default.adapter.backend


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
def test_map_blocks_on_two_worker_processes(client, dtype):
    local = (np.random.default_rng(3).standard_normal((1500, 1300)) * 12).astype(dtype)
    x = da.from_array(local, chunks=(400, 333))
    y = da.map_blocks(wgpu_sigmoid.sigmoid, x)
    assert y.dtype == np.dtype(dtype)
    result = y.compute()
    np.testing.assert_array_equal(bits(result), bits(wgpu_sigmoid.sigmoid(local)))

    states = client.run(worker_state)
    assert len({pid for pid, _ in states.values()}) == 2
    assert os.getpid() not in {pid for pid, _ in states.values()}
    backend = os.environ.get("WGPU_BACKEND")
    for _, opened in states.values():
        assert opened is not None, states  # each worker opened its own device
        if backend:
            assert opened == backend


def test_gradient_and_an_explicit_instance_on_the_cluster(client, instance):
    local_y = wgpu_sigmoid.sigmoid(np.linspace(-9, 9, 200_000, dtype=np.float32))
    local_dy = np.cos(np.arange(200_000, dtype=np.float32))
    y = da.from_array(local_y, chunks=30_000)
    dy = da.from_array(local_dy, chunks=30_000)
    dx = da.map_blocks(wgpu_sigmoid.sigmoid_backward, y, dy).compute()
    np.testing.assert_array_equal(bits(dx), bits(wgpu_sigmoid.sigmoid_backward(local_y, local_dy)))
    # A Sigmoid pickles as its arguments and becomes one shared instance per worker.
    again = da.map_blocks(instance.sigmoid, y).compute()
    np.testing.assert_array_equal(bits(again), bits(instance.sigmoid(local_y)))


def test_a_bad_dtype_fails_when_the_graph_is_built(client):
    # Dask infers the result's dtype by calling the function on an empty block (no GPU
    # needed for that) and reports our TypeError inside its ValueError.
    with pytest.raises(ValueError, match=r"(?s)TypeError.*float32, float16 and bfloat16"):
        da.map_blocks(wgpu_sigmoid.sigmoid, da.ones(10, chunks=5))


def test_a_worker_error_comes_back_as_itself(client):
    def to_unknown_backend(block):
        return wgpu_sigmoid.Sigmoid(adapter="no such adapter").sigmoid(block)

    x = da.ones(10, chunks=5, dtype=np.float32)
    with pytest.raises(wgpu_sigmoid.NoAdapterError, match="no such adapter"):
        da.map_blocks(to_unknown_backend, x, meta=np.empty(0, np.float32)).compute()


def test_bfloat16_blocks_round_trip_through_workers(client):
    local = np.arange(-1000, 1000, dtype=np.float32).astype(ml_dtypes.bfloat16)
    y = da.map_blocks(wgpu_sigmoid.sigmoid, da.from_array(local, chunks=300)).compute()
    assert y.dtype == np.dtype(ml_dtypes.bfloat16)
    np.testing.assert_array_equal(bits(y), bits(wgpu_sigmoid.sigmoid(local)))
