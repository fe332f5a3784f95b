/**
 * `pnpm bench [--quick] [--backend gpu [--gpu-mode cpu|webasm|webgpu|auto]]`: thermograd (reference and fast backends) against TensorFlow.js 4.22 (cpu
 * and wasm backends) in one process, jax-js (wasm, jit) on the MLP configs and PyTorch (CPU, in a
 * Python child process, 1 thread and all cores) where `BENCH_PYTHON` (default python3) imports
 * torch. Training steps of MLPs and of the demo's CNN on MNIST-shaped random data (SGD, lr
 * 0.1, softmax cross-entropy, loss read back every step), then square matmul GFLOP/s. Every
 * thermograd step runs the library's Optimizer; each JSON line names its plugin
 * (`"optimizer":"sgd"`), and the demo config also runs with momentum (μ = 0.9) against tfjs's
 * momentum optimizer (optimizer.ts: both take the same update; the peers run SGD only).
 * Prints tables, one JSON line per measurement, and ratios ours / tfjs-wasm, jax-js, PyTorch.
 * `--backend gpu` (or `--gpu`) adds thermograd on the gpu.js backend (mlp-gpu.ts) to the MLP
 * configs, in the mode `--gpu-mode` asks for (default auto), and prints the mode chosen and why.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { randomBatches } from './data.js';
import { thermogradMlp } from './mlp-thermograd.js';
import { tfjsMlp } from './mlp-tfjs.js';
import { thermogradCnn } from './cnn-thermograd.js';
import { tfjsCnn } from './cnn-tfjs.js';
import { thermogradGflops, tfjsGflops, VARIANTS } from './matmul.js';
import { availableParallelism } from 'node:os';
import { alternate, stepsPerSecond } from './timing.js';
import { SGD, type BenchOptimizer } from './optimizer.js';
import { thermogradGpuMlp } from './mlp-gpu.js';
import type { GpuBackend } from '@thermograd/backend-gpujs';
import { initJax, jaxMlp } from './mlp-jax.js';
import { TorchPeer, benchPython, torchVersion } from './torch-peer.js';
import { checkFirstLosses } from './first-losses.js';

const args = process.argv.slice(2).filter((a) => a !== '--');
const quick = args.includes('--quick');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
/** `--name value` or `--name=value`. */
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
};
const backendArg = option('--backend');
if (backendArg !== undefined && backendArg !== 'gpu') {
  throw new Error(
    `--backend: only 'gpu' can be added (reference and fast always run); got ${JSON.stringify(backendArg)}`,
  );
}
const withGpu = backendArg === 'gpu' || args.includes('--gpu');
const GPU_MODES = ['cpu', 'webasm', 'webgpu', 'auto'] as const;
const gpuMode = (option('--gpu-mode') ?? 'auto') as (typeof GPU_MODES)[number];
if (!GPU_MODES.includes(gpuMode))
  throw new Error(
    `--gpu-mode: expected one of ${GPU_MODES.join(', ')}; got ${JSON.stringify(gpuMode)}`,
  );
// Full: ≥3 s per measurement, 3 rounds. Quick: the whole run in under a minute, one round of short
// measurements (at least one step each: tfjs-cpu's CNN step takes seconds).
const SECONDS = quick ? 0.3 : 3;
const WARMUP_SECONDS = quick ? 0.1 : 1.5;
const ROUNDS = quick ? 1 : 3;
const MIN_STEPS = quick ? 1 : 2;
const MATMUL_SECONDS = quick ? 0.2 : 1.5;

type Config = { name: string; batch: number; model: string; optimizer: BenchOptimizer } & (
  { kind: 'mlp'; sizes: number[] } | { kind: 'cnn' }
);
const MOMENTUM: BenchOptimizer = { plugin: 'momentum', mu: 0.9 };
const CONFIGS: Config[] = [
  { name: 'a', kind: 'mlp', sizes: [784, 128, 10], batch: 64, model: '784-128-10', optimizer: SGD },
  {
    name: 'b',
    kind: 'mlp',
    sizes: [784, 256, 256, 10],
    batch: 128,
    model: '784-256-256-10',
    optimizer: SGD,
  },
  // The demo's default model (with sgd, and with the demo's default optimizer, momentum) and its
  // CNN (apps/demo/src/models.ts).
  {
    name: 'demo',
    kind: 'mlp',
    sizes: [784, 256, 10],
    batch: 64,
    model: '784-256-10',
    optimizer: SGD,
  },
  {
    name: 'demo-momentum',
    kind: 'mlp',
    sizes: [784, 256, 10],
    batch: 64,
    model: '784-256-10',
    optimizer: MOMENTUM,
  },
  {
    name: 'cnn',
    kind: 'cnn',
    batch: 64,
    model: 'conv5x5(16)-pool-conv5x5(32)-pool-128-10',
    optimizer: SGD,
  },
];
/**
 * The reference backend is left out of the CNN: its callback-per-element im2col takes seconds per
 * step (the kernel conformance tests compare it with the fast backend instead).
 */
const skipImpl = (cfg: Config, impl: string) =>
  cfg.kind === 'cnn' && impl === 'thermograd-reference';
const LR = 0.1;

/** A step run and timed here, or (a peer in another process) a measurement of its own steps per second. */
type Impl = { name: string; tfBackend?: 'cpu' | 'wasm' } & (
  | { step: () => number }
  | { stepsPerSecond: (seconds: number, minSteps: number) => Promise<number> }
);
const measure = (impl: Impl, seconds: number, minSteps: number) =>
  'step' in impl
    ? stepsPerSecond(impl.step, seconds, minSteps)
    : impl.stepsPerSecond(seconds, minSteps);
/** PyTorch runs on one thread and on every core (one child process each). */
const TORCH_THREADS = [1, availableParallelism()];
const torchName = (threads: number) => `pytorch-${threads}thread${threads > 1 ? 's' : ''}`;

const json = (o: object) => console.log(JSON.stringify(o));
const fmt = (x: number, digits = 0) =>
  x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function useTf(impl: Impl) {
  if (impl.tfBackend && tf.getBackend() !== impl.tfBackend) await tf.setBackend(impl.tfBackend);
}

async function main() {
  tf.env().set('PROD', true);
  await tf.setBackend('wasm');
  await tf.ready();
  const threads =
    process.env.THERMOGRAD_THREADS ?? `default (${Math.min(4, availableParallelism())})`;
  console.log(
    `# thermograd bench (${quick ? 'quick' : 'full'}): node ${process.version}, ${availableParallelism()} cores, ` +
      `fast-backend matmul threads ${threads}, ${SECONDS} s per measurement, ${ROUNDS} rounds`,
  );

  await initJax();
  const torch = torchVersion();
  console.log(
    torch.version
      ? `# PyTorch ${torch.version} (${benchPython()}): threads ${TORCH_THREADS.join(' and ')}`
      : `# PyTorch skipped: ${torch.why}; set BENCH_PYTHON to a Python with torch (see README)`,
  );
  const peers: TorchPeer[] = [];

  let gpu: GpuBackend | undefined;
  if (withGpu) {
    // Loaded only when asked: the default bench never loads gpu.js.
    const { createGpuBackend } = await import('@thermograd/backend-gpujs');
    gpu = await createGpuBackend({ mode: gpuMode });
    console.log(
      `# gpu backend: mode ${gpu.mode}${gpu.bridged ? ' (in a worker thread)' : ''}: ${gpu.choice.reason}`,
    );
    json({
      bench: 'gpu-mode',
      requested: gpuMode,
      mode: gpu.mode,
      bridged: gpu.bridged,
      reason: gpu.choice.reason,
    });
  }

  const mlpRows: {
    config: string;
    model: string;
    batch: number;
    impl: string;
    examplesPerSec: number;
  }[] = [];
  for (const cfg of CONFIGS) {
    if (only && only !== cfg.name) continue;
    const batches = randomBatches(4, cfg.batch);
    const impls: Impl[] = [];
    for (const backend of ['reference', 'fast']) {
      const name = `thermograd-${backend}`;
      if (skipImpl(cfg, name)) continue;
      impls.push({
        name,
        step:
          cfg.kind === 'mlp'
            ? thermogradMlp(backend, cfg.sizes, LR, batches, cfg.optimizer)
            : thermogradCnn(backend, LR, batches, cfg.optimizer),
      });
    }
    // The gpu backend runs the MLP configs only (its CNN step without a GPU takes seconds).
    if (gpu && cfg.kind === 'mlp')
      impls.push({
        name: 'thermograd-gpu',
        step: thermogradGpuMlp(gpu, cfg.sizes, LR, batches, cfg.optimizer),
      });
    for (const tfBackend of ['cpu', 'wasm'] as const) {
      await tf.setBackend(tfBackend);
      impls.push({
        name: `tfjs-${tfBackend}`,
        tfBackend,
        step:
          cfg.kind === 'mlp'
            ? tfjsMlp(cfg.sizes, LR, batches, cfg.optimizer)
            : tfjsCnn(LR, batches, cfg.optimizer),
      });
    }
    // Peers: each checks its first losses against a fresh thermograd-fast run of the same config.
    // They run plain SGD, so they join the sgd configs only.
    const ours = () =>
      cfg.kind === 'mlp'
        ? thermogradMlp('fast', cfg.sizes, LR, batches)
        : thermogradCnn('fast', LR, batches);
    const sgdConfig = cfg.optimizer.plugin === 'sgd';
    if (cfg.kind === 'mlp' && sgdConfig) {
      checkFirstLosses('jax-js', cfg.name, ours(), jaxMlp(cfg.sizes, LR, batches));
      impls.push({ name: 'jax-js-wasm', step: jaxMlp(cfg.sizes, LR, batches) });
    }
    for (const threads of torch.version && sgdConfig ? TORCH_THREADS : []) {
      const peer = new TorchPeer(threads);
      peers.push(peer);
      await peer.setup(cfg.kind === 'mlp' ? cfg : { kind: 'cnn' }, LR, batches);
      checkFirstLosses(torchName(threads), cfg.name, ours(), await peer.losses(3));
      impls.push({
        name: torchName(threads),
        stepsPerSecond: (seconds, minSteps) => peer.stepsPerSecond(seconds, minSteps),
      });
    }
    for (const impl of impls) {
      await useTf(impl);
      await measure(impl, WARMUP_SECONDS, MIN_STEPS);
    }
    const results = await alternate(impls, ROUNDS, async (impl) => {
      await useTf(impl);
      return (await measure(impl, SECONDS, MIN_STEPS)) * cfg.batch;
    });
    for (const r of results) {
      mlpRows.push({
        config: cfg.name,
        model: cfg.model,
        batch: cfg.batch,
        impl: r.item.name,
        examplesPerSec: r.median,
      });
      json({
        bench: cfg.kind,
        impl: r.item.name,
        config: cfg.name,
        model: cfg.model,
        batch: cfg.batch,
        optimizer: cfg.optimizer.plugin,
        examplesPerSec: Math.round(r.median),
        samples: r.samples.map(Math.round),
      });
    }
  }

  await tf.setBackend('wasm');
  const mmRows: { n: number; variant: string; impl: string; gflops: number }[] = [];
  const mmPeers = torch.version ? TORCH_THREADS.map((t) => new TorchPeer(t)) : [];
  peers.push(...mmPeers);
  for (const n of [256, 1024]) {
    for (const v of VARIANTS) {
      const ours = await thermogradGflops('fast', n, v.transA, v.transB, MATMUL_SECONDS);
      const theirs = await tfjsGflops(n, v.transA, v.transB, MATMUL_SECONDS);
      const measured: [string, number][] = [
        ['thermograd-fast', ours],
        ['tfjs-wasm', theirs],
      ];
      for (const peer of mmPeers)
        measured.push([
          `pytorch-${peer.threads}t`,
          await peer.matmulGflops(n, v.transA, v.transB, MATMUL_SECONDS),
        ]);
      for (const [impl, gflops] of measured) {
        mmRows.push({ n, variant: v.name, impl, gflops });
        json({ bench: 'matmul', impl, n, variant: v.name, gflops: Number(gflops.toFixed(2)) });
      }
    }
  }

  console.log('\n## Training, examples/s (median of rounds)\n');
  console.log('| config | model | batch | impl | examples/s | ours / tfjs-wasm |');
  console.log('|---|---|---|---|---|---|');
  for (const r of mlpRows) {
    const base = mlpRows.find(
      (x) => x.config === r.config && x.impl === 'tfjs-wasm',
    )!.examplesPerSec;
    console.log(
      `| ${r.config} | ${r.model} | ${r.batch} | ${r.impl} | ${fmt(r.examplesPerSec)} | ${fmt(r.examplesPerSec / base, 2)}× |`,
    );
  }
  console.log('\n## Against the peers (examples/s, median of rounds)\n');
  const peerNames = ['jax-js-wasm', ...(torch.version ? TORCH_THREADS.map(torchName) : [])];
  console.log(
    `| config | thermograd-fast | ${peerNames.map((p) => `${p} | ours / ${p}`).join(' | ')} |`,
  );
  console.log(`|---|---|${peerNames.map(() => '---|---|').join('')}`);
  for (const cfg of CONFIGS) {
    const rate = (impl: string) =>
      mlpRows.find((r) => r.config === cfg.name && r.impl === impl)?.examplesPerSec;
    const fast = rate('thermograd-fast');
    if (fast === undefined) continue;
    const cells = peerNames.map((p) => {
      const theirs = rate(p);
      if (theirs === undefined) return '– | –';
      json({
        bench: 'ratio',
        config: cfg.name,
        optimizer: cfg.optimizer.plugin,
        impl: 'thermograd-fast',
        over: p,
        ratio: Number((fast / theirs).toFixed(3)),
      });
      return `${fmt(theirs)} | ${fmt(fast / theirs, 2)}×`;
    });
    console.log(`| ${cfg.name} | ${fmt(fast)} | ${cells.join(' | ')} |`);
  }
  const mmPeerNames = mmPeers.map((p) => `pytorch-${p.threads}t`);
  console.log('\n## Square matmul, GFLOP/s\n');
  console.log(
    `| n | variant | thermograd-fast | tfjs-wasm | ratio | ours / tfjs-wasm A·B |${mmPeerNames.map((p) => ` ${p} |`).join('')}`,
  );
  console.log(`|---|---|---|---|---|---|${mmPeerNames.map(() => '---|').join('')}`);
  for (const n of [256, 1024]) {
    const tfPlain = mmRows.find(
      (x) => x.n === n && x.impl === 'tfjs-wasm' && x.variant === 'A·B',
    )!.gflops;
    for (const v of VARIANTS) {
      const ours = mmRows.find(
        (x) => x.n === n && x.variant === v.name && x.impl === 'thermograd-fast',
      )!.gflops;
      const theirs = mmRows.find(
        (x) => x.n === n && x.variant === v.name && x.impl === 'tfjs-wasm',
      )!.gflops;
      const peerCells = mmPeerNames.map(
        (p) =>
          ` ${fmt(mmRows.find((x) => x.n === n && x.variant === v.name && x.impl === p)!.gflops, 1)} |`,
      );
      console.log(
        `| ${n} | ${v.name} | ${fmt(ours, 1)} | ${fmt(theirs, 1)} | ${fmt(ours / theirs, 2)}× | ${fmt(ours / tfPlain, 2)}× |${peerCells.join('')}`,
      );
    }
  }
  for (const cfg of CONFIGS) {
    const rows = mlpRows.filter((r) => r.config === cfg.name);
    const fast = rows.find((r) => r.impl === 'thermograd-fast');
    const wasm = rows.find((r) => r.impl === 'tfjs-wasm');
    if (fast && wasm)
      json({
        bench: 'ratio',
        config: cfg.name,
        optimizer: cfg.optimizer.plugin,
        impl: 'thermograd-fast',
        over: 'tfjs-wasm',
        ratio: Number((fast.examplesPerSec / wasm.examplesPerSec).toFixed(3)),
      });
  }
  for (const peer of peers) peer.close();
}

await main();
