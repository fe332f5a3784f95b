/**
 * The fast backend's multi-threaded GEMM: worker threads compute their column panels (or row
 * panels, when C has more of those) of C on the shared wasm memory, bit-identical to one thread,
 * for splits that do not divide evenly and for fewer panels than threads, with fused multiply-add
 * and with the plain-SIMD fallback; chunks handed out dynamically, so that workers compute the
 * panels a slow caller has not reached and the caller those of a worker that has not started; and
 * `ready()`, which a Web Worker awaits before training.
 */
import { describe, expect, it } from 'vitest';
import { GemmKernel } from '../../src/wasm-module.js';
import { GemmThreads } from '../../src/threads.js';
import { inPlaceGemm } from '../gemm-in-place.js';

/** Fills A and B of an in-place product with fixed values and C with NaN (a panel nobody computes stays NaN). */
function fillProduct(kernel: GemmKernel, m: number, k: number, n: number, outputs: number) {
  const product = inPlaceGemm(kernel, m, k, n);
  const { mp, np, bOff, end } = product;
  const c = (i: number) => end + i * mp * np;
  const mem = kernel.reserve(c(outputs));
  for (let i = 0; i < m * k; i++) mem[i] = Math.sin(i);
  for (let i = 0; i < k * n; i++) mem[bOff + i] = Math.cos(i * 0.7);
  mem.fill(NaN, end, c(outputs));
  const bytes = (i: number) => Buffer.from(kernel.f32.slice(c(i), c(i + 1)).buffer);
  return { ...product, c, bytes };
}

describe.each([true, false])('fast backend: GEMM over worker threads (fma %s)', (fma) => {
  const kernel = new GemmKernel(fma);
  const pool = new GemmThreads(kernel, 3);

  it('ready() resolves once every worker has started (no warm-up matmul needed)', async () => {
    const fresh = new GemmThreads(kernel, 3);
    await fresh.ready();
    // Each worker row's ready slot is set: a second await returns at once.
    const started = Date.now();
    await fresh.ready();
    expect(Date.now() - started).toBeLessThan(50);
  }, 20_000);

  for (const [m, k, n] of [
    [64, 300, 1000], // split by columns
    [200, 513, 40], // split by rows
    [129, 1025, 9], // two column panels for three threads: split by rows
  ]) {
    it(`${m}x${k}x${n} matches one thread bit for bit`, () => {
      const { c, run, bytes } = fillProduct(kernel, m, k, n, 2);
      run(kernel.gemm, c(0));
      run((...args) => pool.gemm(...args), c(1));
      expect(kernel.f32.slice(c(0), c(1)).some(Number.isNaN)).toBe(false);
      expect(bytes(1).equals(bytes(0))).toBe(true);
    });
  }
});

describe('fast backend: GEMM chunks handed out dynamically', () => {
  const kernel = new GemmKernel();
  const [m, k, n] = [203, 301, 517]; // odd everywhere: 51 row panels, 65 column panels

  it('workers take the chunks of a caller that is slow, with the same bits', async () => {
    // The caller's kernel sleeps 30 ms before each chunk; the workers' (the same bytes,
    // instantiated in the worker) do not, so they take most chunks while it sleeps.
    let callerChunks = 0;
    const slow = Object.create(kernel) as GemmKernel;
    Object.defineProperty(slow, 'gemm', {
      value: (...args: Parameters<GemmKernel['gemm']>) => {
        callerChunks++;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30);
        kernel.gemm(...args);
      },
    });
    const pool = new GemmThreads(slow, 3);
    await pool.ready();
    const { c, run, bytes } = fillProduct(kernel, m, k, n, 2);
    run(kernel.gemm, c(0));
    run((...args) => pool.gemm(...args), c(1));
    expect(callerChunks).toBeLessThan(4); // of 24 chunks (0 when the workers are quicker still)
    expect(bytes(1).equals(bytes(0))).toBe(true);
  });

  it('the caller does every chunk when no worker has started', () => {
    // A fresh pool whose workers are still loading: nothing waits for them.
    const pool = new GemmThreads(kernel, 4);
    const { c, run, bytes } = fillProduct(kernel, m, k, n, 2);
    run(kernel.gemm, c(0));
    const started = Date.now();
    run((...args) => pool.gemm(...args), c(1));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(bytes(1).equals(bytes(0))).toBe(true);
  });

  it('1, 2 and 4 threads give the same bits over many jobs in a row', async () => {
    const pools = [1, 2, 4].map((t) => new GemmThreads(kernel, t));
    await Promise.all(pools.map((p) => p.ready()));
    const shapes = [
      [203, 301, 517],
      [37, 1029, 95],
      [517, 129, 13],
    ];
    for (const [mm, kk, nn] of shapes) {
      const { c, run, bytes } = fillProduct(kernel, mm, kk, nn, pools.length);
      // Back-to-back jobs: a worker still finishing one must not run the next with stale arguments.
      for (let rep = 0; rep < 20; rep++) pools.forEach((p, i) => run((...a) => p.gemm(...a), c(i)));
      expect(kernel.f32.slice(c(0), c(1)).some(Number.isNaN)).toBe(false);
      for (let i = 1; i < pools.length; i++) expect(bytes(i).equals(bytes(0))).toBe(true);
    }
  });
});
