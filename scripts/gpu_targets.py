"""Issue #19's targets, read from what scripts/gpu-check.sh wrote to its output folder.

Prints the dispatch-shape sweep (kernel, copy-only kernel and forward_into per shape and
size) and, for each size the sweep covers, every target with its ratio and MET or
MISSED:

- the kernel against the copy-only kernel, at the default shape (what a user gets) and
  at the kernel's best shape against the copy's best shape (the adapter's ceiling):
  >= 0.9x on a GPU, >= 0.95x on a CPU adapter (lavapipe, llvmpipe);
- where torch.json exists (torch_sigmoid.py ran on CUDA): our best copy against torch's
  copy_ (>= 0.9x), our kernel against torch.sigmoid (not slower), forward_into against
  torch's host round trip into a preallocated tensor (not slower).

Ratios are speeds: the other's time divided by ours, so > 1 means ours is faster.

usage: python3 scripts/gpu_targets.py OUT_DIR [BACKEND]
"""
import glob
import json
import os
import re
import sys


def rows(report):
    return {row["measurement"]: row["median_ms"] for row in report["rows"]}


def verdict(ratio, target):
    return f"{ratio:.3f}x ({'MET' if ratio >= target else 'MISSED'}, target {target}x)"


def main():
    out = sys.argv[1]
    backend = sys.argv[2] if len(sys.argv) > 2 else "vulkan"
    sweep = {}
    device_type = None
    for path in glob.glob(os.path.join(out, f"shape-{backend}-*.json")):
        match = re.search(r"-(\d+)-(\d+)x(\d+)\.json$", path)
        if not match:
            continue
        n, workgroup, vec4 = (int(g) for g in match.groups())
        with open(path) as f:
            report = json.load(f)
        device_type = report["device_type"]
        sweep.setdefault(n, {})[(workgroup, vec4)] = rows(report)
    defaults = {}
    for path in glob.glob(os.path.join(out, f"bench-{backend}-*.json")):
        with open(path) as f:
            report = json.load(f)
        device_type = report["device_type"]
        defaults[report["elements"]] = (
            (report["workgroup_size"], report["vec4_per_invocation"]),
            rows(report),
        )
    torch = None
    torch_path = os.path.join(out, "torch.json")
    if os.path.exists(torch_path):
        with open(torch_path) as f:
            torch = json.load(f)
    if not sweep:
        sys.exit(f"no shape-{backend}-*.json in {out}: run scripts/gpu-check.sh first")

    print("| elements | shape (W x V) | kernel, ms | copy kernel, ms | kernel vs copy | forward_into, ms |")
    print("|---:|---|---:|---:|---:|---:|")
    for n in sorted(sweep):
        for shape, r in sorted(sweep[n].items()):
            print(
                f"| {n} | {shape[0]} x {shape[1]} | {r['SigmoidKernel']:.4f} | {r['CopyKernel']:.4f} "
                f"| {r['CopyKernel'] / r['SigmoidKernel']:.3f}x | {r['ForwardInto']:.3f} |"
            )
    kernel_target = 0.95 if device_type == "Cpu" else 0.9
    for n in sorted(sweep):
        shapes = sweep[n]
        best_kernel = min(shapes, key=lambda s: shapes[s]["SigmoidKernel"])
        best_copy = min(shapes, key=lambda s: shapes[s]["CopyKernel"])
        best_forward = min(shapes, key=lambda s: shapes[s]["ForwardInto"])
        kernel_ms = shapes[best_kernel]["SigmoidKernel"]
        copy_ms = shapes[best_copy]["CopyKernel"]
        forward_ms = shapes[best_forward]["ForwardInto"]
        print(f"\n{n} elements: fastest kernel at {best_kernel[0]} x {best_kernel[1]}, "
              f"fastest copy at {best_copy[0]} x {best_copy[1]}, "
              f"fastest forward_into at {best_forward[0]} x {best_forward[1]}")
        if n in defaults:
            shape, r = defaults[n]
            print(f"- kernel vs copy at the default shape {shape[0]} x {shape[1]}: "
                  + verdict(r["CopyKernel"] / r["SigmoidKernel"], kernel_target))
        print("- best kernel vs best copy: " + verdict(copy_ms / kernel_ms, kernel_target))
        t = (torch or {}).get("rows", {}).get(str(n))
        if t is None:
            print("- torch: no figures (PyTorch with CUDA not installed, or another size)")
            continue
        print("- our best copy vs torch copy_: " + verdict(t["copy_ms"] / copy_ms, 0.9))
        print("- our best kernel vs torch.sigmoid: " + verdict(t["sigmoid_ms"] / kernel_ms, 1.0))
        print("- forward_into (best shape) vs torch's round trip into a host tensor: "
              + verdict(t["round_trip_into_ms"] / forward_ms, 1.0))
    if torch:
        print(f"\ntorch {torch['torch']} on {torch['device']}: torch.sigmoid max "
              f"{torch['max_ulp']} ULP, {torch['exactly_rounded_percent']:.4f} % exactly rounded")


if __name__ == "__main__":
    main()
