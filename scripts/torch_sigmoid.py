"""torch.sigmoid on CUDA, for comparison with wgpu-sigmoid on the same GPU.

1. Accuracy over all 2^32 float32 bit patterns against the correctly rounded reference
   (sigmoid in float64, rounded once to float32), in the same ULP measure as
   `wgpu-sigmoid verify`.
2. Throughput of torch.sigmoid and of a plain device copy (y.copy_(x)) at several
   sizes: medians of CUDA-event timings.
3. torch's host round trip at the same sizes, host clock (the counterpart of
   wgpu-sigmoid's `forward` and `forward_into` rows): from a pageable host tensor,
   `torch.sigmoid(x.to('cuda')).cpu()` (a new host tensor) and
   `out.copy_(torch.sigmoid(x.to('cuda')))` (into a preallocated one).

usage: python3 scripts/torch_sigmoid.py [JSON_OUT]
(JSON_OUT: the same figures for scripts/gpu_targets.py.)
"""
import json
import sys
import time

import torch

dev = "cuda"
print("device:", torch.cuda.get_device_name(0), "torch", torch.__version__)


def ordered(t):
    i = t.view(torch.int32).to(torch.int64)
    mag = i & 0x7FFFFFFF
    return torch.where(i < 0, -mag, mag)


chunk = 1 << 28
count = exact = 0
worst = (0, 0)
hist = [0, 0, 0, 0]  # 0, 1, 2, >2 ULP
for start in range(0, 1 << 32, chunk):
    bits = torch.arange(start, start + chunk, dtype=torch.int64, device=dev)
    bits = torch.where(bits >= (1 << 31), bits - (1 << 32), bits).to(torch.int32)
    x = bits.view(torch.float32)
    keep = torch.isfinite(x)
    y = torch.sigmoid(x)
    ref = torch.sigmoid(x.double()).float()
    d = (ordered(y) - ordered(ref)).abs()[keep]
    count += int(keep.sum())
    for k in range(3):
        hist[k] += int((d == k).sum())
    hist[3] += int((d > 2).sum())
    m = int(d.max())
    if m > worst[0]:
        worst = (m, float(x[keep][int(d.argmax())]))
report = {
    "device": torch.cuda.get_device_name(0),
    "torch": torch.__version__,
    "max_ulp": worst[0],
    "exactly_rounded_percent": 100.0 * hist[0] / count,
    "rows": {},
}
print(f"accuracy over {count} finite inputs: max {worst[0]} ULP (at x = {worst[1]!r}), "
      f"exactly rounded {100.0 * hist[0] / count:.4f} %, 1 ULP {hist[1]}, 2 ULP {hist[2]}, >2 ULP {hist[3]}")
tf = torch.tensor([-20.0, -1.0, 0.0, 1.0, 20.0], device=dev)
print("TF example bits:", [hex(v) for v in torch.sigmoid(tf).view(torch.int32).tolist()])


def median_ms(fn, reps=25):
    for _ in range(3):
        fn()
    times = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        torch.cuda.synchronize()
        times.append(a.elapsed_time(b))
    times.sort()
    return times[len(times) // 2]


print("| elements | torch.sigmoid | copy_ | sigmoid GB/s | copy GB/s |")
for n in [1 << 10, 1 << 20, 1 << 24, 1 << 26, 1 << 28]:
    x = torch.randn(n, device=dev) * 20
    y = torch.empty_like(x)
    s = median_ms(lambda: torch.sigmoid(x, out=y))
    c = median_ms(lambda: y.copy_(x))
    report["rows"][n] = {"sigmoid_ms": s, "copy_ms": c}
    print(f"| {n} | {s:.4f} ms | {c:.4f} ms | {8 * n / s / 1e6:.0f} | {8 * n / c / 1e6:.0f} |")


def median_host_ms(fn, reps):
    fn()
    times = []
    for _ in range(reps):
        torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return times[len(times) // 2]


print("| elements | round trip, new host tensor | round trip into a host tensor | GB/s (into) |")
for n in [1 << 10, 1 << 20, 1 << 24, 1 << 26, 1 << 28]:
    host = torch.randn(n) * 20
    out = torch.empty_like(host)
    reps = 25 if n <= 1 << 24 else 7
    new = median_host_ms(lambda: torch.sigmoid(host.to(dev)).cpu(), reps)
    into = median_host_ms(lambda: out.copy_(torch.sigmoid(host.to(dev))), reps)
    report["rows"][n].update(round_trip_new_ms=new, round_trip_into_ms=into)
    print(f"| {n} | {new:.4f} ms | {into:.4f} ms | {8 * n / into / 1e6:.1f} |")

if len(sys.argv) > 1:
    with open(sys.argv[1], "w") as f:
        json.dump(report, f, indent=1)
