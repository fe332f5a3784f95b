/**
 * Kernel runs shared by the tests that compare results across storage placements (resident or
 * plain, test/wasm-memory.test.ts; below or above 2³¹, test/above-2gib.test.ts).
 */
import { Generator, type MatmulParams } from '@thermograd/autograd';
import { fastBackend } from '../src/index.js';
import { release, take } from '../src/buffer-pool.js';
import { geometry } from '../../autograd/test/helpers.js';

export function values(n: number, seed: number): Float32Array {
  const rng = new Generator(seed);
  return Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
}

/** Storage the kernels below took (no tensor wraps it, so no scope gives it back). */
const taken: unknown[] = [];

/** Remembers kernel output for `releaseTaken`. */
export function track<T>(storage: T): T {
  taken.push(storage);
  return storage;
}

/** Gives every array taken here back to the pool (resetBufferPool then frees the wasm blocks). */
export function releaseTaken(): void {
  for (const s of taken.splice(0)) release(s);
}

/** `values` in pool storage: resident inside tidy while resident storage is on. */
export function stored(v: Float32Array): Float32Array {
  const out = track(take('float32', v.length) as Float32Array);
  out.set(v);
  return out;
}

/**
 * Every matmul arrangement (stacked A, swapped conv forward, B side by side, one per batch entry;
 * staged, raw and packed operands; C in place and drained, padded and unpadded; the last large
 * enough to go to the worker threads).
 */
export const MATMUL_CASES: MatmulParams[] = [
  { batch: 1, m: 64, k: 40, n: 256, transA: false, transB: false, aBatched: true, bBatched: true },
  { batch: 1, m: 5, k: 7, n: 9, transA: false, transB: false, aBatched: true, bBatched: true },
  { batch: 3, m: 8, k: 30, n: 16, transA: false, transB: true, aBatched: true, bBatched: true },
  { batch: 4, m: 12, k: 25, n: 20, transA: false, transB: false, aBatched: true, bBatched: false },
  { batch: 4, m: 8, k: 25, n: 16, transA: false, transB: true, aBatched: false, bBatched: true },
  { batch: 3, m: 7, k: 30, n: 9, transA: true, transB: true, aBatched: false, bBatched: true },
  { batch: 2, m: 40, k: 9, n: 24, transA: true, transB: false, aBatched: false, bBatched: true },
  { batch: 1, m: 70, k: 33, n: 300, transA: false, transB: true, aBatched: true, bBatched: true },
  { batch: 1, m: 128, k: 72, n: 256, transA: false, transB: false, aBatched: true, bBatched: true },
];

/** One matmul on pool storage, its result as plain numbers. */
export function matmulCase(p: MatmulParams): number[] {
  const a = values((p.aBatched ? p.batch : 1) * p.m * p.k, 1);
  const b = values((p.bBatched ? p.batch : 1) * p.k * p.n, 2);
  return Array.from(track(fastBackend.matmul(stored(a), stored(b), p, 'float32')) as Float32Array);
}

/** im2col, col2im, max pool and its backward, relu and a broadcast add on pool storage. */
export function windowAndElementwiseKernels(): number[][] {
  const g = geometry(20, 3, 12, 12, [3, 3], [1, 1], [1, 1]);
  const pool = geometry(20, 3, 12, 12, [2, 2], [2, 2], [0, 0]);
  const x = values(g.n * g.c * g.h * g.w, 3);
  const bias = values(g.w, 4);
  const cols = fastBackend.im2col(stored(x), g, 'float32');
  const back = fastBackend.col2im(cols, g, 'float32');
  const { y, argmax } = fastBackend.maxPool2d(stored(x), pool, 'float32');
  const dx = fastBackend.maxPool2dBackward(y, argmax, pool, 'float32');
  const r = fastBackend.unary('relu', stored(x), x.length, 'float32', 0, 0);
  const shape = [g.n, g.c, g.h, g.w];
  const sum = fastBackend.binary('add', stored(x), shape, stored(bias), [g.w], shape, 'float32');
  return [cols, back, y, dx, r, sum].map((s) => Array.from(track(s) as Float32Array));
}
