/** Square matmul throughput, C = op(A)·op(B), ours (the fast backend's kernel) against tfjs-wasm. */
import * as tf from '@tensorflow/tfjs';
import { getBackend, Generator, type MatmulParams } from '@thermograd/autograd';
import '@thermograd/backend-wasm';
import { stepsPerSecond } from './timing.js';

export const VARIANTS = [
  { name: 'A·B', transA: false, transB: false },
  { name: 'A·Bᵀ', transA: false, transB: true },
  { name: 'Aᵀ·B', transA: true, transB: false },
] as const;

function randomMatrix(n: number, seed: number): Float32Array {
  const rng = new Generator(seed);
  const a = new Float32Array(n * n);
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform() * 2 - 1;
  return a;
}

/** GFLOP/s of thermograd's `backend` matmul kernel (packing and the fresh output included). */
export async function thermogradGflops(
  backend: string,
  n: number,
  transA: boolean,
  transB: boolean,
  seconds: number,
) {
  const b = getBackend(backend);
  const A = b.fromValues(randomMatrix(n, 1), 'float32');
  const B = b.fromValues(randomMatrix(n, 2), 'float32');
  const p: MatmulParams = {
    batch: 1,
    m: n,
    k: n,
    n,
    transA,
    transB,
    aBatched: false,
    bBatched: false,
  };
  b.matmul(A, B, p, 'float32');
  const perSecond = await stepsPerSecond(
    () => b.read(b.matmul(A, B, p, 'float32'), 'float32'),
    seconds,
  );
  return (2 * n ** 3 * perSecond) / 1e9;
}

/** GFLOP/s of tf.matMul on the current tfjs backend, result read back. */
export async function tfjsGflops(n: number, transA: boolean, transB: boolean, seconds: number) {
  const A = tf.tensor2d(randomMatrix(n, 1), [n, n]);
  const B = tf.tensor2d(randomMatrix(n, 2), [n, n]);
  const run = () => {
    const c = tf.matMul(A, B, transA, transB);
    c.dataSync();
    c.dispose();
  };
  run();
  const perSecond = await stepsPerSecond(run, seconds);
  A.dispose();
  B.dispose();
  return (2 * n ** 3 * perSecond) / 1e9;
}
