"""Sigmoid over a Dask array larger than one worker's memory limit.

A `dask.distributed` cluster of worker processes (here a `LocalCluster`; a real cluster
is the same code with `Client("scheduler-address")`) applies `wgpu_sigmoid.sigmoid` to
each chunk with `map_blocks`. The function pickles by reference; each worker process
opens its own GPU device at its first chunk and keeps it for the rest. Each chunk is
checked in its worker against an f64 reference (max ULP), and only those numbers and
a sum come back, so neither a worker nor the client ever holds the whole array.

    python python/examples/dask_sigmoid.py --gib 2 --memory-limit 768MiB
"""

import argparse
import resource
import time

import dask.array as da
import numpy as np
from dask.distributed import Client, LocalCluster
from dask.utils import parse_bytes

import wgpu_sigmoid


def max_ulp(x, y):
    """The largest ULP distance of `y` from sigmoid(x) in f64 rounded once, as a
    one-element array (one per chunk)."""
    exact = (1.0 / (1.0 + np.exp(-x.astype(np.float64)))).astype(np.float32)
    distance = np.abs(y.view(np.int32).astype(np.int64) - exact.view(np.int32).astype(np.int64))
    return np.array([distance.max(initial=0)])


def worker_device():
    """The worker's default device and its peak resident memory (Linux: KiB)."""
    default = wgpu_sigmoid._default
    device = None if default is None else f"{default.adapter.name} ({default.adapter.backend})"
    return device, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=2.0, help="array size (float32), GiB")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads-per-worker", type=int, default=1)
    parser.add_argument("--memory-limit", default="768MiB", help="per worker")
    parser.add_argument("--chunk-mib", type=int, default=16)
    args = parser.parse_args()

    elements = int(args.gib * (1 << 30)) // 4
    chunk = args.chunk_mib * (1 << 20) // 4
    limit = parse_bytes(args.memory_limit)
    with LocalCluster(
        n_workers=args.workers,
        threads_per_worker=args.threads_per_worker,
        processes=True,
        memory_limit=limit,
        dashboard_address=None,
    ) as cluster, Client(cluster) as client:
        x = da.random.default_rng(0).standard_normal(elements, chunks=chunk, dtype=np.float32)
        x = x * np.float32(10.0)
        y = da.map_blocks(wgpu_sigmoid.sigmoid, x)
        worst = da.map_blocks(max_ulp, x, y, chunks=((1,) * x.numblocks[0],), dtype=np.int64)
        print(
            f"array: {elements:,} float32 = {x.nbytes / 2**30:.2f} GiB in {x.numblocks[0]} "
            f"chunks of {args.chunk_mib} MiB; {args.workers} workers with a memory limit "
            f"of {limit / 2**20:.0f} MiB each ({x.nbytes / limit:.1f}x one worker's limit)"
        )
        started = time.perf_counter()
        worst_ulp, total = da.compute(worst.max(), y.sum(dtype=np.float64))
        seconds = time.perf_counter() - started
        devices = client.run(worker_device)
        print(f"computed in {seconds:.1f} s ({x.nbytes / seconds / 2**20:.0f} MiB/s of input, "
              "generation and the f64 check included)")
        print(f"max ULP over all chunks: {worst_ulp}; mean sigmoid: {total / elements:.6f}")
        for address, (device, peak) in sorted(devices.items()):
            print(f"worker {address}: {device}, peak resident memory {peak / 2**20:.0f} MiB")
        assert worst_ulp <= 1
        assert all(device for device, _ in devices.values()), "a worker had no device"


if __name__ == "__main__":
    main()
