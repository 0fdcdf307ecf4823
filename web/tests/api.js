// The JavaScript API in a real browser: every check is a { name, ok, detail } the
// driver (run.py) reports, and fails on. The references are computed here in float64
// and rounded once (Math.fround, Math.f16round, and a bfloat16 rounding below).
// The package by its name, as a user imports it: the page's import map says where it is
// (web/pkg here; node_modules for the installed tarball, scripts/package-check.sh).
import init, { Sigmoid, GpuError, adapters } from "wgpu-sigmoid";

const checks = [];
function check(name, ok, detail = "") {
  checks.push({ name, ok: Boolean(ok), detail: String(detail) });
}

async function throws(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return null;
}

function errorCheck(name, error, kind) {
  check(
    name,
    error instanceof GpuError && error instanceof Error && error.kind === kind &&
      error.name === "GpuError" && error.message.length > 0 && typeof error.stack === "string",
    error ? `${error.name} ${error.kind}: ${error.message}` : "nothing was thrown",
  );
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const bitsOf32 = (x) => { f32[0] = x; return u32[0]; };
const fromBits32 = (b) => { u32[0] = b; return f32[0]; };

function sigmoid64(x) {
  return x < 0 ? Math.exp(x) / (1 + Math.exp(x)) : 1 / (1 + Math.exp(-x));
}

// ULPs between two finite floats of one format, from their bit patterns (sign-magnitude
// made monotonic).
function ulps(a, b, signBit) {
  const order = (bits) => (bits & signBit ? -(bits & (signBit - 1)) : bits);
  return Math.abs(order(a) - order(b));
}

// bfloat16 of a float64, rounded once (to nearest, ties to even).
const f32x = new Float32Array(1);
const u32x = new Uint32Array(f32x.buffer);
function bf16Round(v) {
  f32x[0] = v;
  const low = u32x[0] >>> 16;
  if (!isFinite(v) || Number.isNaN(v)) return low;
  const valueOf = (b) => { u32x[0] = b << 16; return f32x[0]; };
  const high = low + 1;
  const [dl, dh] = [Math.abs(v - valueOf(low)), Math.abs(v - valueOf(high))];
  if (dl < dh) return low;
  if (dh < dl) return high;
  return low % 2 === 0 ? low : high;
}
function bf16Value(b) { u32x[0] = b << 16; return f32x[0]; }

export async function run(log) {
  const wasm = await init();
  const s = await Sigmoid.create();
  const info = s.adapter;
  log(`adapter: ${JSON.stringify(info)}`);
  check("adapter is { vendor, architecture, device, description }",
    ["vendor", "architecture", "device", "description"].every((k) => typeof info[k] === "string"),
    JSON.stringify(info));
  const surface = Object.getOwnPropertyNames(Sigmoid.prototype).filter((k) => k !== "constructor");
  check("the package as shipped has no benchmark hook (timeResident is bench-only)",
    !surface.includes("timeResident"), JSON.stringify(surface));
  const listed = await adapters();
  check("adapters() lists at least one adapter", listed.length >= 1, JSON.stringify(listed));

  // TensorFlow's documented example, bit for bit.
  const tf = [2.0611537e-09, 2.6894143e-01, 5.0000000e-01, 7.3105860e-01, 1.0000000e+00];
  const y = await s.forward(new Float32Array([-20, -1, 0, 1, 20]));
  check("TF's example bit for bit", y instanceof Float32Array &&
    Array.from(y).every((v, i) => bitsOf32(v) === bitsOf32(Math.fround(tf[i]))), Array.from(y));

  // Every 1021st f32 bit pattern (4 Mi values): max ULP and the share exactly rounded.
  const step = 1021;
  const count = Math.floor(0xffffffff / step) + 1;
  const xs = new Uint32Array(count);
  for (let i = 0; i < count; i++) xs[i] = i * step;
  const sweep = await s.forward(new Float32Array(xs.buffer));
  const sweepBits = new Uint32Array(sweep.buffer, sweep.byteOffset, sweep.length);
  let maxUlp = 0, exact = 0, finite = 0, nanWrong = 0;
  for (let i = 0; i < count; i++) {
    const x = fromBits32(xs[i]);
    if (Number.isNaN(x)) {
      if (!Number.isNaN(fromBits32(sweepBits[i]))) nanWrong++;
      continue;
    }
    finite++;
    const d = ulps(sweepBits[i], bitsOf32(Math.fround(sigmoid64(x))), 0x80000000);
    if (d === 0) exact++;
    if (d > maxUlp) maxUlp = d;
  }
  const share = (100 * exact / finite).toFixed(4);
  log(`f32 sweep: ${finite} finite values, max ${maxUlp} ULP, ${share} % exactly rounded`);
  check("f32 sweep (every 1021st pattern) within 1 ULP", maxUlp <= 1, `max ${maxUlp} ULP, ${share} % exact`);
  check("NaN inputs give NaN", nanWrong === 0, `${nanWrong} wrong`);

  // Special values and subnormal results.
  const special = await s.forward(new Float32Array([NaN, Infinity, -Infinity, 0, -0, -100, -87.342]));
  check("NaN, ±inf, ±0 give NaN, 1, 0, 0.5, 0.5",
    Number.isNaN(special[0]) && special[1] === 1 && special[2] === 0 && special[3] === 0.5 && special[4] === 0.5,
    Array.from(special));
  check("subnormal results are kept, not flushed", special[5] > 0 && special[5] < 1.2e-38 &&
    ulps(bitsOf32(special[5]), bitsOf32(Math.fround(sigmoid64(-100))), 0x80000000) <= 1 && special[6] > 0,
    `${special[5]} ${special[6]}`);

  // Float16Array in, Float16Array out: all 65 536 patterns.
  if (typeof Float16Array === "function") {
    const h = new Uint16Array(65536);
    for (let i = 0; i < 65536; i++) h[i] = i;
    const hx = new Float16Array(h.buffer);
    const hy = await s.forward(hx);
    const hyBits = new Uint16Array(hy.buffer, hy.byteOffset, hy.length);
    const ref = new Float16Array(1), refBits = new Uint16Array(ref.buffer);
    let hMax = 0, hNaN = 0;
    for (let i = 0; i < 65536; i++) {
      if (Number.isNaN(hx[i])) { if (!Number.isNaN(hy[i])) hNaN++; continue; }
      ref[0] = sigmoid64(hx[i]);
      hMax = Math.max(hMax, ulps(hyBits[i], refBits[0], 0x8000));
    }
    check("forward(Float16Array) returns a Float16Array", hy instanceof Float16Array, hy.constructor.name);
    check("all 65 536 f16 patterns within 1 ULP, NaN kept", hMax <= 1 && hNaN === 0, `max ${hMax} ULP, ${hNaN} NaN wrong`);
    log(`f16: all 65 536 patterns, max ${hMax} ULP`);
  } else {
    check("this browser has Float16Array", false, "typeof Float16Array is " + typeof Float16Array);
  }

  // bfloat16 bit patterns: all 65 536.
  const b = new Uint16Array(65536);
  for (let i = 0; i < 65536; i++) b[i] = i;
  const by = await s.forwardBf16(b);
  let bMax = 0, bNaN = 0;
  for (let i = 0; i < 65536; i++) {
    const x = bf16Value(i);
    if (Number.isNaN(x)) { if (!Number.isNaN(bf16Value(by[i]))) bNaN++; continue; }
    bMax = Math.max(bMax, ulps(by[i], bf16Round(sigmoid64(x)), 0x8000));
  }
  check("forwardBf16 returns a Uint16Array", by instanceof Uint16Array, by.constructor.name);
  check("all 65 536 bf16 patterns within 1 ULP, NaN kept", bMax <= 1 && bNaN === 0, `max ${bMax} ULP, ${bNaN} NaN wrong`);
  log(`bf16: all 65 536 patterns, max ${bMax} ULP`);

  // forwardInto, backward, length 0.
  const into = new Float32Array(5);
  await s.forwardInto(new Float32Array([-20, -1, 0, 1, 20]), into);
  check("forwardInto fills the caller's array", Array.from(into).every((v, i) => v === y[i]), Array.from(into));
  const dx = await s.backward(new Float32Array([0.5, 0.25]), new Float32Array([1, 2]));
  check("backward gives dy·y·(1−y)", dx instanceof Float32Array && dx[0] === 0.25 && dx[1] === 0.375, Array.from(dx));
  const empty = await s.forward(new Float32Array(0));
  check("length 0 returns an empty array of the type", empty instanceof Float32Array && empty.length === 0, empty.length);

  // Past one storage binding (the browser's default 128 MiB): pieces, as natively.
  const long = 33 * 1024 * 1024 + 5;
  const lx = new Float32Array(long);
  for (let i = 0; i < long; i++) lx[i] = ((i % 4001) - 2000) / 50;
  const memoryBefore = wasm.memory.buffer.byteLength;
  const ly = await s.forward(lx);
  const grown = (wasm.memory.buffer.byteLength - memoryBefore) / 2 ** 20;
  let longBad = 0;
  for (let i = 0; i < long; i += 997) {
    if (ulps(bitsOf32(ly[i]), bitsOf32(Math.fround(sigmoid64(lx[i]))), 0x80000000) > 1) longBad++;
  }
  check("33 Mi + 5 elements (past one 128 MiB binding) within 1 ULP", ly.length === long && longBad === 0,
    `${longBad} sampled values off`);
  // Arrays go through wasm memory in rounds of 12 Mi elements: copying this one whole
  // would grow wasm memory by twice its 132 MiB, for good.
  check("a 132 MiB forward grows wasm memory by one round (96 MiB) and slack", grown <= 100,
    `grew by ${grown} MiB`);
  const sameBits = (a, b, offset = 0) => {
    for (let i = 0; i < b.length; i++) if (!Object.is(a[i + offset], b[i])) return `first difference at ${i}`;
    return "";
  };
  const inPlace = lx.slice();
  await s.forwardInto(inPlace, inPlace);
  const inPlaceDiff = sameBits(inPlace, ly);
  check("forwardInto(x, x) in place over several rounds", inPlaceDiff === "", inPlaceDiff);
  // The output one element past the input in one buffer: a round must not overwrite
  // input that a later round reads.
  const shared = new Float32Array(long + 1);
  shared.set(lx);
  await s.forwardInto(shared.subarray(0, long), shared.subarray(1));
  const shiftedDiff = sameBits(shared, ly, 1);
  check("forwardInto between overlapping views of one buffer", shiftedDiff === "", shiftedDiff);
  // The gradient over several rounds, at sampled places, against a short call on the
  // same values (elementwise: position cannot change a result).
  const ldy = new Float32Array(long).map((_, i) => 1 + (i % 7) / 8);
  const ldx = await s.backward(ly, ldy);
  const picked = Array.from({ length: 4096 }, (_, k) => Math.floor((k * long) / 4096) + (k % 3));
  const shortDx = await s.backward(new Float32Array(picked.map((i) => ly[i])),
    new Float32Array(picked.map((i) => ldy[i])));
  const gradientBad = picked.filter((i, k) => !Object.is(ldx[i], shortDx[k])).length;
  check("backward over several rounds matches short calls", ldx.length === long && gradientBad === 0,
    `${gradientBad} of 4096 sampled values differ`);

  // Errors: a kind each, thrown as GpuError (an Error).
  errorCheck("forwardInto with a wrong length is LengthMismatch",
    await throws(s.forwardInto(new Float32Array(3), new Float32Array(2))), "LengthMismatch");
  errorCheck("forwardInto into another type is InvalidArgument",
    await throws(s.forwardInto(new Float32Array(3), new Float64Array(3))), "InvalidArgument");
  errorCheck("forward of an Int32Array is InvalidArgument",
    await throws(s.forward(new Int32Array(3))), "InvalidArgument");
  errorCheck("forward of a plain array is InvalidArgument (no silent conversion)",
    await throws(s.forward([1, 2, 3])), "InvalidArgument");
  errorCheck("backward of two types is InvalidArgument",
    await throws(s.backward(new Float32Array(2), new Float64Array(2))), "InvalidArgument");
  errorCheck("backward of two lengths is LengthMismatch",
    await throws(s.backward(new Float32Array(2), new Float32Array(3))), "LengthMismatch");
  errorCheck("forwardBf16 of a Float32Array is InvalidArgument",
    await throws(s.forwardBf16(new Float32Array(2))), "InvalidArgument");
  errorCheck("an unknown powerPreference is InvalidArgument",
    await throws(Sigmoid.create({ powerPreference: "fast" })), "InvalidArgument");
  const still = await s.forward(new Float32Array([0]));
  check("the instance stays usable after errors", still[0] === 0.5, still[0]);
  s.free();
  check("a freed instance refuses calls", (await throws(s.forward(new Float32Array([0])))) !== null);
  return { checks, figures: { maxUlp, share, finite } };
}
