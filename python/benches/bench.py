"""The Python binding against the Rust library and the CPU alternatives, side by side
in one run (these machines are shared and noisy: only ratios within a run compare).

Rows: `wgpu_sigmoid.sigmoid(x, out=y)` on N float32 (default 64 Mi) against the Rust
`forward_into` on the same data (the CLI's `bench`, run in alternation with ours),
`sigmoid(x)` allocating, float16 and bfloat16, numpy's `1/(1+np.exp(-x))`,
`scipy.special.expit`, `torch.sigmoid` on the CPU where torch is installed, and the
per-call time at 1 Ki elements. Prints a Markdown table; medians of --reps runs.

    scripts/bench-python.sh            # builds the CLI and the package, then runs this
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import time

import ml_dtypes
import numpy as np
import scipy
import scipy.special

import wgpu_sigmoid


def bench_data(n):
    """The CLI bench's input, bit for bit: (i % 4001) * 0.05 - 100 in f32."""
    i = (np.arange(n, dtype=np.int64) % 4001).astype(np.float32)
    return i * np.float32(0.05) - np.float32(100.0)


def accuracy(f):
    """(max ULP, share exactly rounded) of `f` on every 509th float32 pattern (finite
    inputs), against f64 rounded once."""
    x = np.arange(0, 1 << 32, 509, dtype=np.uint64).astype(np.uint32).view(np.float32)
    x = x[np.isfinite(x)]
    with np.errstate(over="ignore"):
        exact = (1.0 / (1.0 + np.exp(-x.astype(np.float64)))).astype(np.float32)
        result = np.asarray(f(x), dtype=np.float32)
    ulps = np.abs(result.view(np.int32).astype(np.int64) - exact.view(np.int32).astype(np.int64))
    return int(ulps.max()), float(np.mean(ulps == 0))


def numpy_sigmoid(x):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def median_ms(call, reps, warmup=2):
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(reps):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e3


def rust_rows(cli, elements, reps):
    """The CLI's medians (ms) by measurement, from `wgpu-sigmoid bench --json`."""
    report = subprocess.run(
        [cli, "bench", "--json", "--quiet", "--elements", str(elements), "--iterations", str(reps)],
        check=True, capture_output=True, text=True,
    ).stdout
    report = json.loads(report)
    return report, {row["measurement"]: row["median_ms"] for row in report["rows"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", default="target/release/wgpu-sigmoid")
    parser.add_argument("--elements", type=int, default=64 << 20)
    parser.add_argument("--reps", type=int, default=9)
    parser.add_argument("--small", type=int, default=1024)
    parser.add_argument("--small-reps", type=int, default=2001)
    parser.add_argument("--rounds", type=int, default=2, help="Rust/Python alternations")
    args = parser.parse_args()
    n = args.elements

    instance = wgpu_sigmoid.Sigmoid()
    x = bench_data(n)
    y = np.empty_like(x)
    halves = {"float16": x.astype(np.float16), "bfloat16": x.astype(ml_dtypes.bfloat16)}
    outs = {name: np.empty_like(a) for name, a in halves.items()}
    small = bench_data(args.small)
    small_out = np.empty_like(small)

    rounds = []
    for _ in range(args.rounds):
        report, rust = rust_rows(args.cli, n, args.reps)
        _, rust_small = rust_rows(args.cli, args.small, args.small_reps)
        ours = {
            "out": median_ms(lambda: instance.sigmoid(x, out=y), args.reps),
            "alloc": median_ms(lambda: instance.sigmoid(x), args.reps),
            "float16": median_ms(lambda: instance.sigmoid(halves["float16"], out=outs["float16"]),
                                 args.reps),
            "bfloat16": median_ms(
                lambda: instance.sigmoid(halves["bfloat16"], out=outs["bfloat16"]), args.reps),
            "small": median_ms(lambda: instance.sigmoid(small, out=small_out), args.small_reps),
        }
        rounds.append((rust, rust_small, ours))

    cpu = {
        "numpy `1/(1+np.exp(-x))`": median_ms(lambda: numpy_sigmoid(x), args.reps),
        "`scipy.special.expit(x, out=y)`": median_ms(
            lambda: scipy.special.expit(x, out=y), args.reps),
    }
    cpu_small = {
        "numpy `1/(1+np.exp(-x))`": median_ms(lambda: numpy_sigmoid(small), args.small_reps),
        "`scipy.special.expit(x, out=y)`": median_ms(
            lambda: scipy.special.expit(small, out=small_out), args.small_reps),
    }
    accurate = {
        "numpy `1/(1+np.exp(-x))`": accuracy(numpy_sigmoid),
        "`scipy.special.expit(x, out=y)`": accuracy(scipy.special.expit),
    }
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        accurate["`torch.sigmoid(x, out=y)` (CPU)"] = accuracy(
            lambda v: torch.sigmoid(torch.from_numpy(v)).numpy())
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        cpu["`torch.sigmoid(x, out=y)` (CPU)"] = median_ms(
            lambda: torch.sigmoid(tx, out=ty), args.reps)
        ts, tso = torch.from_numpy(small), torch.from_numpy(small_out)
        cpu_small["`torch.sigmoid(x, out=y)` (CPU)"] = median_ms(
            lambda: torch.sigmoid(ts, out=tso), args.small_reps)

    mib = n * 4 / 2**20
    print(f"adapter: {instance.adapter.name} ({instance.adapter.backend}, "
          f"{instance.adapter.driver_info}); transfer: {report['transfer_path']}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}"
          f"{'' if torch is None else ', torch ' + torch.__version__}; {os.cpu_count()} CPUs; "
          f"{n:,} float32 elements ({mib:.0f} MiB); medians of {args.reps} "
          f"({args.small_reps} at {args.small} elements)")
    print()
    print("| round | what | median ms | vs Rust `forward_into` |")
    print("|---|---|---:|---:|")
    for index, (rust, rust_small, ours) in enumerate(rounds, 1):
        base = rust["ForwardInto"]
        rows = [
            ("Rust `forward_into` (CLI `bench`)", base, base),
            ("`sigmoid(x, out=y)`", ours["out"], base),
            ("`sigmoid(x)` (new array)", ours["alloc"], base),
            ("Rust `forward_into` float16", rust["ForwardIntoF16"], rust["ForwardIntoF16"]),
            ("`sigmoid(x16, out=y16)` float16", ours["float16"], rust["ForwardIntoF16"]),
            ("Rust `forward_into` bfloat16", rust["ForwardIntoBf16"], rust["ForwardIntoBf16"]),
            ("`sigmoid(xb, out=yb)` bfloat16", ours["bfloat16"], rust["ForwardIntoBf16"]),
            (f"Rust `forward_into`, {args.small} elements", rust_small["ForwardInto"],
             rust_small["ForwardInto"]),
            (f"`sigmoid(x, out=y)`, {args.small} elements", ours["small"],
             rust_small["ForwardInto"]),
        ]
        for name, ms, reference in rows:
            print(f"| {index} | {name} | {ms:.3f} | {reference / ms:.2f}x |")
    print()
    base = statistics.median(r[2]["out"] for r in rounds)
    base_small = statistics.median(r[2]["small"] for r in rounds)
    print("| CPU alternative | median ms | its time / ours | "
          f"at {args.small} elements, ms | its time / ours | max ULP | exactly rounded |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    worst, exact = accuracy(instance.sigmoid)
    print(f"| wgpu_sigmoid (for reference) | {base:.3f} | 1 | {base_small:.4f} | 1 | {worst} | "
          f"{exact:.4%} |")
    for name, ms in cpu.items():
        worst, exact = accurate[name]
        print(f"| {name} | {ms:.3f} | {ms / base:.2f} | {cpu_small[name]:.4f} | "
              f"{cpu_small[name] / base_small:.2f} | {worst} | {exact:.4%} |")
    print("\n(accuracy: every 509th float32 bit pattern, finite inputs, against f64 rounded once)")


if __name__ == "__main__":
    main()
