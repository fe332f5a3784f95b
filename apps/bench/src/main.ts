/**
 * `pnpm bench [--quick]`: thermograd (reference and fast backends) against TensorFlow.js 4.22 (cpu
 * and wasm backends) in one process. MLP training steps on MNIST-shaped random data (plain SGD,
 * lr 0.1, softmax cross-entropy, loss read back every step), then square matmul GFLOP/s.
 * Prints a table, one JSON line per measurement, and ratios ours / tfjs-wasm.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { randomBatches } from './data.js';
import { thermogradMlp } from './mlp-thermograd.js';
import { tfjsMlp } from './mlp-tfjs.js';
import { thermogradGflops, tfjsGflops, VARIANTS } from './matmul.js';
import { availableParallelism } from 'node:os';
import { alternate, stepsPerSecond } from './timing.js';

const args = process.argv.slice(2).filter((a) => a !== '--');
const quick = args.includes('--quick');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
// Full: ≥3 s per measurement, 3 rounds. Quick: the whole run in well under a minute.
const SECONDS = quick ? 0.4 : 3;
const WARMUP_SECONDS = quick ? 0.3 : 1.5;
const ROUNDS = quick ? 2 : 3;
const MATMUL_SECONDS = quick ? 0.3 : 1.5;

const CONFIGS = [
  { name: 'a', sizes: [784, 128, 10], batch: 64 },
  { name: 'b', sizes: [784, 256, 256, 10], batch: 128 },
];
const LR = 0.1;

type Impl = { name: string; tfBackend?: 'cpu' | 'wasm'; step: () => number };

const json = (o: object) => console.log(JSON.stringify(o));
const fmt = (x: number, digits = 0) => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function useTf(impl: Impl) {
  if (impl.tfBackend && tf.getBackend() !== impl.tfBackend) await tf.setBackend(impl.tfBackend);
}

async function main() {
  tf.env().set('PROD', true);
  await tf.setBackend('wasm');
  await tf.ready();
  const threads = process.env.THERMOGRAD_THREADS ?? `default (${Math.min(4, availableParallelism())})`;
  console.log(
    `# thermograd bench (${quick ? 'quick' : 'full'}): node ${process.version}, ${availableParallelism()} cores, ` +
      `fast-backend matmul threads ${threads}, ${SECONDS} s per measurement, ${ROUNDS} rounds`,
  );

  const mlpRows: { config: string; batch: number; impl: string; examplesPerSec: number }[] = [];
  for (const cfg of CONFIGS) {
    if (only && only !== cfg.name) continue;
    const batches = randomBatches(4, cfg.batch);
    const impls: Impl[] = [];
    for (const backend of ['reference', 'fast']) impls.push({ name: `thermograd-${backend}`, step: thermogradMlp(backend, cfg.sizes, LR, batches) });
    for (const tfBackend of ['cpu', 'wasm'] as const) {
      await tf.setBackend(tfBackend);
      impls.push({ name: `tfjs-${tfBackend}`, tfBackend, step: tfjsMlp(cfg.sizes, LR, batches) });
    }
    for (const impl of impls) {
      await useTf(impl);
      await stepsPerSecond(impl.step, WARMUP_SECONDS);
    }
    const results = await alternate(impls, ROUNDS, async (impl) => {
      await useTf(impl);
      return (await stepsPerSecond(impl.step, SECONDS)) * cfg.batch;
    });
    for (const r of results) {
      mlpRows.push({ config: cfg.name, batch: cfg.batch, impl: r.item.name, examplesPerSec: r.median });
      json({ bench: 'mlp', impl: r.item.name, config: cfg.name, sizes: cfg.sizes.join('-'), batch: cfg.batch, examplesPerSec: Math.round(r.median), samples: r.samples.map(Math.round) });
    }
  }

  await tf.setBackend('wasm');
  const mmRows: { n: number; variant: string; impl: string; gflops: number }[] = [];
  for (const n of [256, 1024]) {
    for (const v of VARIANTS) {
      const ours = await thermogradGflops('fast', n, v.transA, v.transB, MATMUL_SECONDS);
      const theirs = await tfjsGflops(n, v.transA, v.transB, MATMUL_SECONDS);
      for (const [impl, gflops] of [
        ['thermograd-fast', ours],
        ['tfjs-wasm', theirs],
      ] as const) {
        mmRows.push({ n, variant: v.name, impl, gflops });
        json({ bench: 'matmul', impl, n, variant: v.name, gflops: Number(gflops.toFixed(2)) });
      }
    }
  }

  console.log('\n## MLP training, examples/s (median of rounds)\n');
  console.log('| config | batch | impl | examples/s | ours / tfjs-wasm |');
  console.log('|---|---|---|---|---|');
  for (const r of mlpRows) {
    const base = mlpRows.find((x) => x.config === r.config && x.impl === 'tfjs-wasm')!.examplesPerSec;
    console.log(`| ${r.config} | ${r.batch} | ${r.impl} | ${fmt(r.examplesPerSec)} | ${fmt(r.examplesPerSec / base, 2)}× |`);
  }
  console.log('\n## Square matmul, GFLOP/s\n');
  console.log('| n | variant | thermograd-fast | tfjs-wasm | ratio | ours / tfjs-wasm A·B |');
  console.log('|---|---|---|---|---|---|');
  for (const n of [256, 1024]) {
    const tfPlain = mmRows.find((x) => x.n === n && x.impl === 'tfjs-wasm' && x.variant === 'A·B')!.gflops;
    for (const v of VARIANTS) {
      const ours = mmRows.find((x) => x.n === n && x.variant === v.name && x.impl === 'thermograd-fast')!.gflops;
      const theirs = mmRows.find((x) => x.n === n && x.variant === v.name && x.impl === 'tfjs-wasm')!.gflops;
      console.log(`| ${n} | ${v.name} | ${fmt(ours, 1)} | ${fmt(theirs, 1)} | ${fmt(ours / theirs, 2)}× | ${fmt(ours / tfPlain, 2)}× |`);
    }
  }
  for (const cfg of CONFIGS) {
    const rows = mlpRows.filter((r) => r.config === cfg.name);
    const fast = rows.find((r) => r.impl === 'thermograd-fast');
    const wasm = rows.find((r) => r.impl === 'tfjs-wasm');
    if (fast && wasm) json({ bench: 'ratio', config: cfg.name, impl: 'thermograd-fast', over: 'tfjs-wasm', ratio: Number((fast.examplesPerSec / wasm.examplesPerSec).toFixed(3)) });
  }
}

await main();
