/**
 * The GPU-machine check for the gpu.js backend (issue 7), one script, run as described in
 * README.md next to it. It prints a table last.
 *
 * 1. Every kernel on WebGPU against the reference, through the real path: a battery of backend
 *    calls (every unary and binary op, where, reductions, matmul in every transpose variant and
 *    with k = 1100, layout, softmax cross-entropy, log-softmax, im2col/col2im, pools) runs on the
 *    reference backend and on `new GpuBackend({ mode: 'webgpu' })`, which runs gpu.js in a worker
 *    thread behind the synchronous bridge (src/bridge.ts; buffers stay on the GPU, read-backs copy
 *    through a SharedArrayBuffer). Tolerance: 1e-4 relative (float32).
 * 2. Training-step timings for the MLP 784-256-256-10 and a small CNN at batch 128 and 1024: the
 *    reference and fast CPU backends, gpu.js webasm in process, and gpu.js webgpu through the
 *    bridge run whole autograd steps (tidy, loss read back, parameters updated on the device with
 *    GpuBackend.assign). As a lower bound without autograd and bridge overheads, one step is also
 *    recorded in webasm and its kernel sequence replayed directly on WebGPU (pipeline handles).
 *
 * Dawn's Node binding serves one thread per process (a second thread that touches it aborts the
 * process; see src/bridge.ts), so this process never loads it in its main thread: the bridge's
 * worker holds it, and the replays run in a child process (this script with CHECK_PART=replay).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { GPU, type IKernelRunShortcut } from 'gpu.js';
import {
  conv2d,
  crossEntropy,
  getBackend,
  linear,
  listBackends,
  maxPool2d,
  noGrad,
  referenceBackend as ref,
  relu,
  tensor,
  tidy,
  type Backend,
  type Conv2dGeometry,
  type MatmulParams,
  type Storage,
  type Tensor,
} from '@thermograd/autograd';
import '@thermograd/backend-wasm';
import { BINARY_OPS, UNARY_CASES } from '@thermograd/autograd/testing';
import {
  GpuBackend,
  kernelSources,
  loopLimit,
  probeWebGpu,
  WorkerDevice,
  type KernelCall,
} from '../src/index.js';

const F = 'float32' as const;
/** QUICK=1: batch 128 only (a dry run on a small machine). */
let QUICK = false;
const RTOL = 1e-4;
const rows: string[][] = [];
const failures: string[] = [];

function rand(size: number, seed: number, lo = -1, hi = 1): Float32Array {
  // A small LCG: the check needs reproducible values, not statistical quality.
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: size }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((hi - lo) * s) / 2 ** 32;
  });
}

/** Worst error in units of the tolerance: ≤ 1 passes (|g − r| ≤ rtol·|r| + rtol·0.1·max|r|). */
function worst(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let scale = 0;
  for (let i = 0; i < want.length; i++)
    if (Number.isFinite(want[i])) scale = Math.max(scale, Math.abs(want[i]));
  let w = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const r = want[i];
    if (!Number.isFinite(r)) {
      if (!(Object.is(g, r) || (Number.isNaN(g) && Number.isNaN(r)))) return Infinity;
      continue;
    }
    w = Math.max(w, Math.abs(g - r) / (RTOL * Math.abs(r) + RTOL * 0.1 * scale + 1e-30));
  }
  return w;
}

// --- replaying recorded kernel launches on WebGPU ------------------------------------------------

const { copyKernel } = kernelSources;

interface Handle {
  /** What gpu.js returned: a pipeline buffer handle on webgpu, an array in the dry-run modes. */
  value: unknown;
  toArray(): Promise<Float32Array>;
  delete(): void;
}

/** gpu.js's handle in webgpu mode; the cpu and webasm modes (dry runs) return arrays, wrapped here. */
function asHandle(result: unknown): Handle {
  if (result instanceof Float32Array)
    return { value: result, toArray: async () => result, delete: () => {} };
  const h = result as { toArray(): Promise<Float32Array>; delete(): void };
  return { value: h, toArray: () => h.toArray(), delete: () => h.delete() };
}

class WebGpuReplayer {
  readonly gpu: GPU;
  private readonly kernels = new Map<string, IKernelRunShortcut>();

  constructor(readonly mode: 'webgpu' | 'webasm' | 'cpu') {
    this.gpu = new GPU({ mode });
    for (const h of kernelSources.HELPERS) this.gpu.addFunction(h as never);
  }

  private kernel(fn: (...a: never[]) => number, maxLoop: number, size: number): IKernelRunShortcut {
    const limit = loopLimit(maxLoop);
    const key = `${fn.name}|${limit}`;
    let k = this.kernels.get(key);
    if (!k) {
      const settings = {
        output: [size],
        dynamicOutput: true,
        dynamicArguments: true,
        loopMaxIterations: limit,
        pipeline: true,
        immutable: true,
      };
      k = this.gpu.createKernel(fn as never, settings as never);
      this.kernels.set(key, k);
    }
    k.setOutput([size]);
    return k;
  }

  /**
   * Replays launches in order. Arrays that an earlier launch produced are passed as its GPU handle;
   * other arrays are uploaded once (through a copy kernel, so that every array argument of every
   * kernel is a handle). Returns the handles of all launches; the caller deletes them.
   */
  async replay(calls: readonly KernelCall[]): Promise<{ all: Handle[]; outputs: Handle[] }> {
    const produced = new Map<Float32Array, Handle>();
    const small = new Map<string, Handle>();
    const handles: Handle[] = [];
    const outputs: Handle[] = [];
    const upload = async (a: Float32Array): Promise<Handle> => {
      const key = a.length <= 16 ? Array.from(a).join(',') : undefined;
      const hit = produced.get(a) ?? (key !== undefined ? small.get(key) : undefined);
      if (hit) return hit;
      const h = asHandle(await this.kernel(copyKernel as never, 1, a.length)(a as never));
      handles.push(h);
      produced.set(a, h);
      if (key !== undefined) small.set(key, h);
      return h;
    };
    for (const call of calls) {
      const args: unknown[] = [];
      for (const a of call.args) args.push(a instanceof Float32Array ? (await upload(a)).value : a);
      const h = asHandle(await this.kernel(call.fn, call.maxLoop, call.size)(...(args as never[])));
      handles.push(h);
      outputs.push(h);
      produced.set(call.out, h);
    }
    return { all: handles, outputs };
  }
}

// --- 1. every kernel ------------------------------------------------------------------------------

async function checkKernels(gpu: GpuBackend): Promise<void> {
  const cases: { name: string; run(b: Backend, up: (v: Float32Array) => Storage): Storage[] }[] =
    [];
  for (const {
    op,
    param: p,
    param2: p2,
    range: [lo, hi],
  } of UNARY_CASES) {
    const x = rand(4099, 1, lo, hi);
    const dy = rand(4099, 2);
    cases.push({
      name: `unary ${op}`,
      run: (b, up) => {
        const y = b.unary(op, up(x), x.length, F, p, p2);
        return [y, b.unaryBackward(op, up(x), y, up(dy), x.length, F, p, p2)];
      },
    });
  }
  for (const op of BINARY_OPS) {
    const a = Float32Array.from(rand(64 * 1 * 33, 3, 0.5, 4), Math.round);
    const c = Float32Array.from(rand(5 * 1, 4, 0.5, 4), Math.round);
    cases.push({
      name: `binary ${op}`,
      run: (b, up) => [b.binary(op, up(a), [64, 1, 33], up(c), [5, 1], [64, 5, 33], F)],
    });
  }
  {
    const c = Float32Array.from(rand(40, 5), (v) => (v > 0 ? 1 : 0));
    const a = rand(30, 6);
    const bb = rand(40 * 30, 7);
    cases.push({
      name: 'where',
      run: (b, up) => [b.where(up(c), [40, 1], up(a), [30], up(bb), [40, 30], [40, 30], F)],
    });
  }
  for (const op of ['sum', 'max', 'min'] as const) {
    const x = rand(16 * 33 * 40, 8);
    cases.push({
      name: `reduce ${op}`,
      run: (b, up) =>
        [[0], [2], [1, 2], [0, 2], [0, 1, 2]].map((axes) =>
          b.reduce(op, up(x), [16, 33, 40], axes, F),
        ),
    });
  }
  for (const [m, k, n, batch] of [
    [33, 65, 17, 3],
    [2, 1100, 3, 1],
    [1024, 784, 256, 1],
  ]) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const p: MatmulParams = {
          batch,
          m,
          k,
          n,
          transA,
          transB,
          aBatched: batch > 1,
          bBatched: false,
        };
        const a = rand(batch * m * k, 9);
        const bm = rand(k * n, 10);
        cases.push({
          name: `matmul ${m}x${k}x${n}${batch > 1 ? ` batch ${batch}` : ''} ${transA ? 'Aᵀ' : 'A'}${transB ? 'Bᵀ' : 'B'}`,
          run: (b, up) => [b.matmul(up(a), up(bm), p, F)],
        });
      }
    }
  }
  {
    const x = rand(4 * 5 * 6 * 7, 11);
    const s = rand(2 * 3 * 4 * 5, 12);
    cases.push({
      name: 'permute, slice, unslice',
      run: (b, up) => [
        b.permute(up(x), [4, 5, 6, 7], [3, 1, 0, 2], F),
        b.slice(up(x), [4, 5, 6, 7], [1, 2, 0, 2], [2, 3, 4, 5], F),
        b.unslice(up(s), [2, 3, 4, 5], [1, 2, 0, 2], [4, 5, 6, 7], F),
      ],
    });
  }
  {
    const r = 1024;
    const c = 10;
    const z = rand(r * c, 13, -8, 8);
    const labels = Int32Array.from({ length: r }, (_, i) => (i * 7) % c);
    const dl = rand(r, 14);
    const dy = rand(r * c, 15);
    cases.push({
      name: 'softmaxCrossEntropy, logSoftmax (+ backward)',
      run: (b, up) => {
        const { losses, probs } = b.softmaxCrossEntropy(up(z), labels, r, c, F);
        const ls = b.logSoftmax(up(z), r, c, F);
        return [
          losses,
          probs,
          b.softmaxCrossEntropyBackward(probs, labels, up(dl), r, c, F),
          ls,
          b.logSoftmaxBackward(ls, up(dy), r, c, F),
        ];
      },
    });
  }
  const geos: Conv2dGeometry[] = [
    {
      n: 8,
      c: 3,
      h: 28,
      w: 28,
      kh: 3,
      kw: 3,
      strideH: 1,
      strideW: 1,
      padH: 1,
      padW: 1,
      outH: 28,
      outW: 28,
    },
    {
      n: 4,
      c: 2,
      h: 9,
      w: 8,
      kh: 3,
      kw: 2,
      strideH: 2,
      strideW: 2,
      padH: 1,
      padW: 0,
      outH: 5,
      outW: 4,
    },
  ];
  for (const g of geos) {
    const x = rand(g.n * g.c * g.h * g.w, 16);
    const dc = rand(g.n * g.outH * g.outW * g.c * g.kh * g.kw, 17);
    const dy = rand(g.n * g.c * g.outH * g.outW, 18);
    cases.push({
      name: `im2col, col2im, pools ${g.kh}x${g.kw}/${g.strideH}`,
      run: (b, up) => {
        const mp = b.maxPool2d(up(x), g, F);
        return [
          b.im2col(up(x), g, F),
          b.col2im(up(dc), g, F),
          mp.y,
          b.maxPool2dBackward(up(dy), mp.argmax, g, F),
          b.avgPool2d(up(x), g, F),
          b.avgPool2dBackward(up(dy), g, F),
        ];
      },
    });
  }

  const label = `${gpu.mode}${gpu.bridged ? ' (bridge)' : ''}`;
  for (const c of cases) {
    const want = c.run(ref, (v) => ref.fromValues(v, F)).map((s) => ref.read(s, F));
    let vsRef = Infinity;
    let note = '';
    const t0 = performance.now();
    try {
      const got = tidy(() => c.run(gpu, (v) => gpu.fromValues(v, F)).map((s) => gpu.read(s, F)));
      vsRef = Math.max(...got.map((g, i) => worst(g, want[i])));
    } catch (e) {
      note = (e as Error).message.split('\n')[0].slice(0, 160);
    }
    const ok = vsRef <= 1;
    if (!ok) failures.push(`${c.name}: ${label} vs ref ${vsRef.toFixed(2)} ${note}`);
    rows.push([
      'kernel',
      c.name,
      `${(performance.now() - t0).toFixed(0)} ms`,
      `${label} vs ref ${vsRef.toFixed(2)}`,
      '',
      ok ? 'ok' : `FAIL ${note}`,
    ]);
  }
  // Every case ran inside tidy: nothing may stay behind, here or in the worker (on the GPU).
  const held = gpu.device instanceof WorkerDevice ? gpu.device.workerBuffers() : 0;
  const released = gpu.liveBuffers() === 0 && held === 0;
  if (!released)
    failures.push(
      `buffers left after the kernel battery: backend ${gpu.liveBuffers()}, worker ${held}`,
    );
  rows.push([
    'kernel',
    'buffers left after the battery',
    '',
    `backend ${gpu.liveBuffers()}, worker ${held}`,
    '',
    released ? 'ok' : 'FAIL',
  ]);
}

// --- 2. training steps ------------------------------------------------------------------------------

interface Model {
  params: Tensor[];
  forward(x: Tensor): Tensor;
}

function mlp(backend: Backend): Model {
  const make = (shape: number[], seed: number, scale: number) =>
    tensor(
      rand(
        shape.reduce((a, b) => a * b, 1),
        seed,
        -scale,
        scale,
      ),
      shape,
      { backend, dtype: F, requiresGrad: true },
    );
  const w1 = make([256, 784], 21, 0.05);
  const b1 = make([256], 22, 0.05);
  const w2 = make([256, 256], 23, 0.08);
  const b2 = make([256], 24, 0.05);
  const w3 = make([10, 256], 25, 0.08);
  const b3 = make([10], 26, 0.05);
  return {
    params: [w1, b1, w2, b2, w3, b3],
    forward: (x) => linear(relu(linear(relu(linear(x, w1, b1)), w2, b2)), w3, b3),
  };
}

/** conv 3x3 1→16 pad 1, relu, maxpool 2, conv 3x3 16→32 pad 1, relu, maxpool 2, linear 32·7·7→10. */
function cnn(backend: Backend): Model {
  const make = (shape: number[], seed: number, scale: number) =>
    tensor(
      rand(
        shape.reduce((a, b) => a * b, 1),
        seed,
        -scale,
        scale,
      ),
      shape,
      { backend, dtype: F, requiresGrad: true },
    );
  const k1 = make([16, 1, 3, 3], 31, 0.3);
  const c1 = make([16], 32, 0.05);
  const k2 = make([32, 16, 3, 3], 33, 0.08);
  const c2 = make([32], 34, 0.05);
  const w = make([10, 32 * 7 * 7], 35, 0.03);
  const b = make([10], 36, 0.05);
  return {
    params: [k1, c1, k2, c2, w, b],
    forward: (x) => {
      const h1 = maxPool2d(relu(conv2d(x, k1, c1, { padding: 1 })), 2);
      const h2 = maxPool2d(relu(conv2d(h1, k2, c2, { padding: 1 })), 2);
      return linear(h2.reshape([x.shape[0], 32 * 7 * 7]), w, b);
    },
  };
}

function step(model: Model, x: Tensor, labels: Int32Array): number {
  const loss = crossEntropy(model.forward(x), labels);
  loss.backward();
  const backend = model.params[0].backend;
  noGrad(() => {
    // On the gpu backend the update stays on the device (Tensor.assign reads back and re-uploads).
    for (const p of model.params) {
      if (backend instanceof GpuBackend) backend.assign(p, p.sub(p.grad!.mul(0.01)));
      else p.assign(p.sub(p.grad!.mul(0.01)));
    }
  });
  for (const p of model.params) p.zeroGrad();
  return loss.item();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const CONFIGS = [
  { name: 'MLP 784-256-256-10', build: mlp, input: (n: number) => [n, 784] },
  { name: 'CNN (2 conv, 2 pool, linear)', build: cnn, input: (n: number) => [n, 1, 28, 28] },
];

function stepCases(): { cfg: (typeof CONFIGS)[number]; batch: number; key: string }[] {
  return CONFIGS.flatMap((cfg) =>
    (QUICK ? [128] : [128, 1024]).map((batch) => ({
      cfg,
      batch,
      key: `${cfg.name} batch ${batch}`,
    })),
  );
}

function stepData(
  cfg: (typeof CONFIGS)[number],
  batch: number,
): { shape: number[]; xs: Float32Array; labels: Int32Array } {
  const shape = cfg.input(batch);
  return {
    shape,
    xs: rand(
      shape.reduce((a, b) => a * b, 1),
      41,
    ),
    labels: Int32Array.from({ length: batch }, (_, i) => (i * 3) % 10),
  };
}

/** Whole autograd steps on every backend, the bridged one included; median ms per step by backend. */
function timeSteps(bridged: GpuBackend): Map<string, Record<string, number>> {
  const all = new Map<string, Record<string, number>>();
  for (const { cfg, batch, key } of stepCases()) {
    const { shape, xs, labels } = stepData(cfg, batch);
    const times: Record<string, number> = {};
    const backends: [string, Backend, number][] = [['reference', ref, batch > 128 ? 1 : 2]];
    if (listBackends().includes('fast')) backends.push(['fast', getBackend('fast'), 3]);
    const webasm = new GpuBackend({ mode: 'webasm', name: 'gpu-webasm-timing' });
    backends.push(['gpu.js webasm', webasm, 2]);
    backends.push([`gpu.js ${bridged.mode} (bridge)`, bridged, 7]);
    for (const [name, backend, reps] of backends) {
      try {
        const model = cfg.build(backend);
        const x = tensor(xs, shape, { backend, dtype: F });
        const run = () => tidy(() => step(model, x, labels));
        run(); // warm-up: kernel compilation, wasm instantiation
        const t: number[] = [];
        for (let r = 0; r < reps; r++) {
          const t0 = performance.now();
          run();
          t.push(performance.now() - t0);
        }
        times[name] = median(t);
      } catch (e) {
        console.log(`${key}: the ${name} backend failed: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    all.set(key, times);
  }
  return all;
}

interface ReplayResult {
  key: string;
  launches: number;
  loss: number;
  /** Median ms per replayed step, absent when the replay failed. */
  ms?: number;
  note: string;
  failed: boolean;
}

/**
 * The child process's part: records one step's kernel launches in webasm, then replays them
 * directly on WebGPU (or in the dry-run mode). Prints one `REPLAY {json}` line per case.
 */
async function replaySteps(mode: 'webgpu' | 'webasm' | 'cpu'): Promise<void> {
  if (mode === 'webgpu') {
    // Dawn in this process's main thread (Dawn serves one thread per process): no worker here loads it.
    const { create, globals } = (await import('webgpu')) as unknown as {
      create(f: string[]): unknown;
      globals: object;
    };
    Object.assign(globalThis, globals);
    (globalThis as { navigator?: unknown }).navigator = { gpu: create([]) };
  }
  const replayer = new WebGpuReplayer(mode);
  for (const { cfg, batch, key } of stepCases()) {
    const { shape, xs, labels } = stepData(cfg, batch);
    // Arrays that no launch produced (parameters, data) are copied when recorded: the step's
    // assign() overwrites the parameters in place afterwards.
    const calls: KernelCall[] = [];
    const produced = new Set<Float32Array>();
    const recorder = new GpuBackend({
      mode: 'webasm',
      name: 'gpu-record-step',
      observe: (c) => {
        calls.push({
          ...c,
          args: c.args.map((a) => (a instanceof Float32Array && !produced.has(a) ? a.slice() : a)),
        });
        produced.add(c.out);
      },
    });
    const model = cfg.build(recorder);
    const x = tensor(xs, shape, { backend: recorder, dtype: F });
    const loss = tidy(() => {
      calls.length = 0;
      return step(model, x, labels);
    });
    const lossCall = calls.findIndex((c) => c.fn === kernelSources.pickLossKernel);
    const result: ReplayResult = { key, launches: calls.length, loss, note: '', failed: false };
    try {
      const t: number[] = [];
      for (let r = 0; r < 7; r++) {
        const t0 = performance.now();
        const { all, outputs } = await replayer.replay(calls);
        const lastOut = await outputs[outputs.length - 1].toArray(); // waits for the whole queue
        t.push(performance.now() - t0);
        if (r === 0) {
          // Check the replayed step: the per-example losses and the last launch (a parameter update).
          const losses = await outputs[lossCall].toArray();
          const err = Math.max(
            worst(losses, calls[lossCall].out),
            worst(lastOut, calls[calls.length - 1].out),
          );
          result.note = `replay vs webasm ${err.toFixed(2)}`;
          if (!(err <= 1)) result.failed = true;
        }
        for (const h of all) h.delete();
      }
      result.ms = median(t.slice(2));
    } catch (e) {
      result.note = `${mode} replay failed: ${(e as Error).message.split('\n')[0].slice(0, 100)}`;
      result.failed = true;
    }
    console.log(`REPLAY ${JSON.stringify(result)}`);
  }
  if (mode === 'webgpu') {
    // Dawn keeps Node alive while its device is reachable: destroy it, let its lost-promise settle.
    const { WebGPUContext } = createRequire(import.meta.url)('gpu.js') as {
      WebGPUContext: { destroy(): Promise<void> };
    };
    await WebGPUContext.destroy();
    for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 1));
    delete (globalThis as { navigator?: unknown }).navigator;
  }
}

/** Runs the replays in a child process (Dawn in its main thread); their results by case. */
function replayInChild(mode: string): Map<string, ReplayResult> {
  const child = spawnSync(process.execPath, [process.argv[1]], {
    env: { ...process.env, CHECK_PART: 'replay', REPLAY_MODE: mode },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: 400_000,
  });
  const results = new Map<string, ReplayResult>();
  for (const line of child.stdout.split('\n')) {
    if (line.startsWith('REPLAY ')) {
      const r = JSON.parse(line.slice(7)) as ReplayResult;
      results.set(r.key, r);
    } else if (line.trim()) console.log(`[replay] ${line}`);
  }
  if (child.status !== 0 || results.size === 0) {
    const why = child.error?.message ?? `exit ${child.status ?? child.signal}`;
    failures.push(
      `the replay child process failed (${why}): ${(child.stderr ?? '')
        .split('\n')
        .filter((l) => l && !l.includes('maxDynamic'))
        .slice(-3)
        .join(' | ')}`,
    );
  }
  return results;
}

function stepRows(
  times: Map<string, Record<string, number>>,
  replays: Map<string, ReplayResult>,
  bridgedMode: string,
  replayMode: string,
): void {
  for (const { key } of stepCases()) {
    const t = { ...(times.get(key) ?? {}) };
    const replay = replays.get(key);
    if (replay?.ms !== undefined) t[`gpu.js ${replayMode} (replay)`] = replay.ms;
    if (replay?.failed) failures.push(`${key}: ${replay.note}`);
    const best = Math.min(t.fast ?? Infinity, t.reference ?? Infinity);
    const gpuTime = t[`gpu.js ${bridgedMode} (bridge)`];
    rows.push([
      'step',
      key,
      replay ? `${replay.launches} launches, loss ${replay.loss.toFixed(4)}` : '',
      Object.entries(t)
        .map(([k, v]) => `${k} ${v.toFixed(1)} ms`)
        .join('; '),
      [
        gpuTime
          ? `${bridgedMode} bridge speed-up vs best CPU ${(best / gpuTime).toFixed(1)}x`
          : `no ${bridgedMode} bridge time`,
        replay?.ms ? `replay ${(best / replay.ms).toFixed(1)}x` : 'no replay time',
      ].join('; '),
      replay?.note ?? '',
    ]);
  }
}

// --- main ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (process.env.QUICK) QUICK = true;
  // DRY_RUN=webasm (or cpu) runs the bridge and the replays in that mode: checks this script on a
  // machine without a GPU.
  const dry = process.env.DRY_RUN as 'webasm' | 'cpu' | undefined;
  if (process.env.CHECK_PART === 'replay') {
    await replaySteps((process.env.REPLAY_MODE ?? 'webgpu') as 'webgpu' | 'webasm' | 'cpu');
    return;
  }
  const probe = await probeWebGpu();
  console.log(`webgpu probe: ${probe.available ? 'available' : 'unavailable'}: ${probe.detail}`);
  console.log(`backends: ${listBackends().join(', ')}`);
  if (!probe.available && !dry) {
    console.log(
      'no WebGPU adapter: nothing to check on the GPU (see device/README.md for the driver set-up)',
    );
    process.exitCode = 2;
    return;
  }
  const t0 = performance.now();
  // The real path: gpu.js in a worker thread behind the synchronous bridge.
  const bridged = new GpuBackend({ mode: dry ?? 'webgpu', bridge: true, name: 'gpu-bridge' });
  console.log(
    `bridge started in ${((performance.now() - t0) / 1000).toFixed(1)} s: gpu.js ${bridged.mode} in a worker thread`,
  );
  await checkKernels(bridged);
  console.log(
    `kernel checks done in ${((performance.now() - t0) / 1000).toFixed(1)} s; kernels ran in ${bridged.kernelModes().join(', ')}`,
  );
  const times = timeSteps(bridged);
  const bridgedMode = bridged.mode;
  bridged.destroy();
  console.log(
    `bridged steps timed at ${((performance.now() - t0) / 1000).toFixed(1)} s; replaying in a child process`,
  );
  const replays = replayInChild(dry ?? 'webgpu');
  stepRows(times, replays, bridgedMode, dry ?? 'webgpu');
  console.log(
    '\n| what | case | launches | result | comparison | status |\n|---|---|---|---|---|---|',
  );
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(
    failures.length
      ? `\nFAILURES (${failures.length}):\n${failures.join('\n')}`
      : '\nall checks passed',
  );
  process.exitCode = failures.length ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
