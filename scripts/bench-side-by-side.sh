#!/usr/bin/env bash
# Two builds of the CLI timed side by side in one run: OLD and NEW (paths to
# `wgpu-sigmoid` binaries) alternate, three rounds each, at 64 Mi and 1 Ki elements, on
# the adapter WGPU_BACKEND etc. choose. Prints Markdown rows of the medians in ms:
# sigmoid kernel, copy-only kernel, f16 kernel, forward_into.
#
#   git worktree add /tmp/old BASE && (cd /tmp/old && CARGO_TARGET_DIR=/tmp/oldtarget \
#     cargo build --release -p wgpu-sigmoid-cli --bin wgpu-sigmoid)
#   OLD=/tmp/oldtarget/release/wgpu-sigmoid NEW=target/release/wgpu-sigmoid \
#     scripts/bench-side-by-side.sh
set -euo pipefail
: "${OLD:?the old binary}" "${NEW:?the new binary}"
out="$(mktemp -d)"
for n in 67108864 1024; do
  iterations=15
  [ "$n" = 1024 ] && iterations=201
  for round in 1 2 3; do
    for which in old new; do
      binary="$OLD"
      [ "$which" = new ] && binary="$NEW"
      "$binary" bench -q --json --elements "$n" --iterations "$iterations" \
        --rows forward-into,kernel-f16 > "$out/$which.json"
      python3 - "$which" "$n" "$round" "$out/$which.json" <<'PY'
import json, sys
which, n, round_, path = sys.argv[1:]
rows = {row["name"]: row["median_ms"] for row in json.load(open(path))["rows"]}
names = ["sigmoid kernel", "copy-only kernel", "f16 kernel", "forward_into (end to end)"]
print(f"| {n} | {round_} | {which} | " + " | ".join(f"{rows[k]:.4f}" for k in names) + " |")
PY
    done
  done
done
rm -r "$out"
