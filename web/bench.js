// The browser benchmark (BENCHMARKS.md has the command and the figures): at 16 Mi
// float32 elements, wgpu-sigmoid end to end (forward: a host array in, a new one out)
// and on resident buffers, beside the page's own naive kernel (1 / (1 + exp(-x)), one
// invocation per element) end to end and resident, and a copy kernel; then the naive
// kernel's accuracy over every 1021st float32 bit pattern, as the API test measures
// ours. Medians of per-run times, the rows compared taken in turn within each run;
// every run waits for its own work.
import init, { Sigmoid } from "./pkg/wgpu_sigmoid.js";

const N = 16 * 1024 * 1024;
const RUNS = 7;
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

const kernel = (body) => `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = id.x + id.y * groups.x * 256u;
  if (i < arrayLength(&x)) { ${body} }
}`;
const NAIVE = kernel("y[i] = 1.0 / (1.0 + exp(-x[i]));");
const COPY = kernel("y[i] = x[i];");

// A page kernel on buffers of its own: `resident()` times a dispatch alone,
// `endToEnd(x)` an upload, the dispatch and the readback into a new array.
async function pageKernel(device, code, length) {
  const bytes = length * 4;
  const usage = GPUBufferUsage;
  const input = device.createBuffer({ size: bytes, usage: usage.STORAGE | usage.COPY_DST });
  const output = device.createBuffer({ size: bytes, usage: usage.STORAGE | usage.COPY_SRC });
  const read = device.createBuffer({ size: bytes, usage: usage.MAP_READ | usage.COPY_DST });
  const pipeline = await device.createComputePipelineAsync({
    layout: "auto", compute: { module: device.createShaderModule({ code }), entryPoint: "main" },
  });
  const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [
    { binding: 0, resource: { buffer: input } }, { binding: 1, resource: { buffer: output } }] });
  const groups = Math.ceil(length / 256);
  const [gx, gy] = groups > 65535 ? [32768, Math.ceil(groups / 32768)] : [groups, 1];
  const dispatch = (encoder) => {
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(gx, gy);
    pass.end();
  };
  return {
    async resident() {
      const started = performance.now();
      const encoder = device.createCommandEncoder();
      dispatch(encoder);
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      return performance.now() - started;
    },
    async endToEnd(x) {
      const started = performance.now();
      device.queue.writeBuffer(input, 0, x);
      const encoder = device.createCommandEncoder();
      dispatch(encoder);
      encoder.copyBufferToBuffer(output, 0, read, 0, x.byteLength);
      device.queue.submit([encoder.finish()]);
      await read.mapAsync(GPUMapMode.READ, 0, x.byteLength);
      const y = new Float32Array(read.getMappedRange(0, x.byteLength).slice(0));
      read.unmap();
      return [performance.now() - started, y];
    },
  };
}

// Medians of `runs` runs of each of `measures` (each returns milliseconds, or a list of
// them), taken in turn within every run so that whatever slows the machine meanwhile
// slows all alike; one untimed warm-up of each first.
async function interleaved(runs, measures) {
  for (const measure of Object.values(measures)) await measure();
  const times = Object.fromEntries(Object.keys(measures).map((k) => [k, []]));
  for (let r = 0; r < runs; r++) {
    for (const [name, measure] of Object.entries(measures)) times[name].push(...[await measure()].flat());
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}

const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const bitsOf = (x) => { f32[0] = x; return u32[0]; };
const order = (b) => (b & 0x80000000 ? -(b & 0x7fffffff) : b);
const sigmoid64 = (x) => (x < 0 ? Math.exp(x) / (1 + Math.exp(x)) : 1 / (1 + Math.exp(-x)));

export async function run(log) {
  await init();
  const ours = await Sigmoid.create();
  const adapter = await navigator.gpu.requestAdapter();
  const device = await adapter.requestDevice({ requiredLimits: {
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize } });
  const x = new Float32Array(N);
  for (let i = 0; i < N; i++) x[i] = ((i % 4001) - 2000) / 50;
  const naive = await pageKernel(device, NAIVE, N);
  const copy = await pageKernel(device, COPY, N);
  const figures = { elements: N, runs: RUNS, adapter: ours.adapter };

  Object.assign(figures, await interleaved(RUNS, {
    oursEndToEnd: async () => {
      const started = performance.now();
      await ours.forward(x);
      return performance.now() - started;
    },
    naiveEndToEnd: async () => (await naive.endToEnd(x))[0],
  }));
  // Resident: three rounds in turn, each a block of RUNS dispatches (ours reuses its
  // buffers within a block, as the page's kernels do throughout).
  const block = async (resident) => {
    const times = [];
    for (let r = 0; r < RUNS; r++) times.push(await resident());
    return times;
  };
  Object.assign(figures, await interleaved(3, {
    oursResident: async () => Array.from(await ours.timeResident(N, RUNS)),
    naiveResident: () => block(() => naive.resident()),
    copyResident: () => block(() => copy.resident()),
  }));
  figures.residentSpeedVsNaive = figures.naiveResident / figures.oursResident;
  figures.endToEndVsNaive = figures.oursEndToEnd / figures.naiveEndToEnd;
  for (const [k, v] of Object.entries(figures)) log(`${k}: ${typeof v === "number" ? v.toFixed(3) : JSON.stringify(v)}`);

  // The naive kernel's accuracy over every 1021st float32 pattern.
  const step = 1021, count = Math.floor(0xffffffff / step) + 1;
  const patterns = new Uint32Array(count);
  for (let i = 0; i < count; i++) patterns[i] = i * step;
  const sweepKernel = await pageKernel(device, NAIVE, count);
  const [, ys] = await sweepKernel.endToEnd(new Float32Array(patterns.buffer));
  const yBits = new Uint32Array(ys.buffer);
  const xs = new Float32Array(patterns.buffer);
  let max = 0, exact = 0, finite = 0, over1 = 0;
  for (let i = 0; i < count; i++) {
    if (Number.isNaN(xs[i])) continue;
    finite++;
    const d = Math.abs(order(yBits[i]) - order(bitsOf(Math.fround(sigmoid64(xs[i])))));
    if (d === 0) exact++;
    if (d > 1) over1++;
    if (d > max) max = d;
  }
  figures.naiveSweep = { finite, maxUlp: max, exactShare: (100 * exact / finite).toFixed(4), over1Ulp: over1 };
  log(`naive sweep: ${JSON.stringify(figures.naiveSweep)}`);
  return { checks: [{ name: "the benchmark ran", ok: true, detail: "" }], figures };
}
