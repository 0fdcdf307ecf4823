// The demo page: runs wgpu-sigmoid on the page's WebGPU, and beside it the page's own
// naive kernel (1 / (1 + exp(-x)) in WGSL, as one would write it), and plots σ(x) and
// both ULP errors against float64 rounded once, across x in [-110, 30].
import init, { Sigmoid } from "./pkg/wgpu_sigmoid.js";

const $ = (id) => document.getElementById(id);
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const bits = (x) => { f32[0] = x; return u32[0]; };
const order = (b) => (b & 0x80000000 ? -(b & 0x7fffffff) : b);
const ulps = (a, b) => Math.abs(order(bits(a)) - order(bits(b)));
const reference = (x) => Math.fround(x < 0 ? Math.exp(x) / (1 + Math.exp(x)) : 1 / (1 + Math.exp(-x)));

const NAIVE_WGSL = `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x < arrayLength(&x)) { y[id.x] = 1.0 / (1.0 + exp(-x[id.x])); }
}`;

// The naive kernel, on a device of the page's own.
async function naiveSigmoid(x) {
  const adapter = await navigator.gpu.requestAdapter();
  const device = await adapter.requestDevice();
  const bytes = Math.max(x.byteLength, 4);
  const input = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const output = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const read = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(input, 0, x);
  const pipeline = device.createComputePipeline({
    layout: "auto", compute: { module: device.createShaderModule({ code: NAIVE_WGSL }), entryPoint: "main" },
  });
  const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [
    { binding: 0, resource: { buffer: input } }, { binding: 1, resource: { buffer: output } }] });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, group);
  pass.dispatchWorkgroups(Math.ceil(x.length / 256));
  pass.end();
  encoder.copyBufferToBuffer(output, 0, read, 0, bytes);
  device.queue.submit([encoder.finish()]);
  await read.mapAsync(GPUMapMode.READ);
  const y = new Float32Array(read.getMappedRange().slice(0, x.byteLength));
  read.unmap();
  device.destroy();
  return y;
}

function plot(xs, ours, naive) {
  const canvas = $("plot");
  const g = canvas.getContext("2d");
  const [w, h] = [canvas.width, canvas.height];
  const pad = { l: 120, r: 40, t: 40, b: 90 };
  const half = (h - pad.t - pad.b) / 2;
  g.fillStyle = "white";
  g.fillRect(0, 0, w, h);
  g.font = "26px system-ui, sans-serif";
  const X = (x) => pad.l + ((x + 110) / 140) * (w - pad.l - pad.r);
  // Top: σ(x) on a log scale, 1e-48 … 1.
  const top = (v) => pad.t + (1 - (Math.log10(Math.max(v, 1e-48)) + 48) / 48) * (half - 30);
  // Bottom: ULP error 0 … max(3, worst), on a log(1 + e) scale.
  const worst = Math.max(3, ...naive.map((e) => (isFinite(e) ? e : 0)));
  const bottom = (e) => pad.t + half + 30 + (1 - Math.log1p(e) / Math.log1p(worst)) * (half - 30);
  g.strokeStyle = "#e1e4ec";
  g.fillStyle = "#5a6072";
  g.lineWidth = 2;
  for (let x = -110; x <= 30; x += 10) {
    g.beginPath(); g.moveTo(X(x), pad.t); g.lineTo(X(x), h - pad.b); g.stroke();
    g.fillText(String(x), X(x) - 18, h - pad.b + 36);
  }
  g.fillText("x", w / 2, h - 18);
  for (const p of [0, -12, -24, -36, -48]) {
    g.fillText(`1e${p}`, 20, top(10 ** p) + 9);
  }
  for (const e of [0, 1, 10, 1e3, 1e5, 1e7].filter((e) => e <= worst)) {
    g.fillText(e >= 1e3 ? e.toExponential(0) : String(e), 20, bottom(e) + 9);
    g.beginPath(); g.moveTo(pad.l, bottom(e)); g.lineTo(w - pad.r, bottom(e)); g.stroke();
  }
  g.fillText("σ(x)", pad.l + 10, pad.t + 26);
  g.fillText("ULP error against float64 rounded once", pad.l + 10, pad.t + half + 60);
  const line = (color, ys, Y) => {
    g.strokeStyle = color; g.lineWidth = 3; g.beginPath();
    xs.forEach((x, i) => (i ? g.lineTo(X(x), Y(ys[i])) : g.moveTo(X(x), Y(ys[i]))));
    g.stroke();
  };
  line("#1d2230", Array.from(xs, reference), top);
  line("#e5484d", naive, bottom);
  line("#3e63dd", ours, bottom);
}

function inputValues() {
  if (document.querySelector("input[name=input]:checked").value === "paste") {
    const words = $("numbers").value.split(/[\s,;]+/).filter((w) => w.length);
    const values = words.map(Number);
    const bad = words.find((w, i) => Number.isNaN(values[i]) && w.toLowerCase() !== "nan");
    if (bad !== undefined) throw new Error(`"${bad}" is not a number`);
    return new Float32Array(values);
  }
  const n = Number($("size").value);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = (Math.random() * 2 - 1) * 30;
  return x;
}

async function runOnce(sigmoid) {
  const result = $("result");
  result.className = "";
  const x = inputValues();
  const started = performance.now();
  const y = await sigmoid.forward(x);
  const ms = performance.now() - started;
  let worst = 0, exact = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i])) continue;
    const d = ulps(y[i], reference(x[i]));
    worst = Math.max(worst, d);
    if (d === 0) exact++;
  }
  const shown = Array.from(y.slice(0, 8), (v) => v.toExponential(7)).join(", ");
  result.textContent = `σ of ${x.length.toLocaleString("en")} values in ${ms.toFixed(1)} ms: ` +
    `max ${worst} ULP, ${(100 * exact / Math.max(1, x.length)).toFixed(2)} % exactly rounded`;
  $("details").textContent = `first results: [${shown}${y.length > 8 ? ", …" : ""}]`;
  return worst;
}

async function main() {
  const result = $("result");
  try {
    await init();
    const sigmoid = await Sigmoid.create();
    const a = sigmoid.adapter;
    $("adapter").textContent = `adapter: ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(" · ") || "(the browser hides its name)"}`;
    const xs = new Float32Array(4096);
    for (let i = 0; i < xs.length; i++) xs[i] = -110 + (140 * i) / (xs.length - 1);
    const [ours, naive] = await Promise.all([sigmoid.forward(xs), naiveSigmoid(xs)]);
    plot(Array.from(xs), Array.from(xs, (x, i) => ulps(ours[i], reference(x))),
      Array.from(xs, (x, i) => ulps(naive[i], reference(x))));
    const button = $("run");
    button.onclick = async () => {
      button.disabled = true;
      try { await runOnce(sigmoid); } catch (e) { result.className = "error"; result.textContent = `${e.name}: ${e.message}`; }
      button.disabled = false;
    };
    const worst = await runOnce(sigmoid);
    const naiveWorst = Math.max(...Array.from(xs, (x, i) => ulps(naive[i], reference(x))));
    return { checks: [
      { name: "the demo page's result line", ok: worst <= 1, detail: result.textContent },
      { name: "the plot: ours within 1 ULP over [-110, 30]",
        ok: Array.from(xs).every((x, i) => ulps(ours[i], reference(x)) <= 1), detail: "" },
    ], figures: { naiveWorst } };
  } catch (e) {
    result.className = "error";
    result.textContent = `${e.name}: ${e.message}`;
    return { checks: [{ name: "the demo page", ok: false, detail: result.textContent }] };
  }
}

// What the browser test (web/tests/run.py) waits for.
window.__report = main();
