/**
 * The fast backend's multi-threaded GEMM: worker threads compute their column panels (or row
 * panels, when C has more of those) of C on the shared wasm memory, bit-identical to one thread,
 * for splits that do not divide evenly and for fewer panels than threads, with fused multiply-add
 * and with the plain-SIMD fallback; and `ready()`, which a Web Worker awaits before training.
 */
import { describe, expect, it } from 'vitest';
import { GemmKernel } from '../../src/wasm-module.js';
import { GemmThreads } from '../../src/threads.js';
import { inPlaceGemm } from '../gemm-in-place.js';

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
      const { mp, np, bOff, end, run } = inPlaceGemm(kernel, m, k, n);
      const c1 = end;
      const c2 = c1 + mp * np;
      const mem = kernel.reserve(c2 + mp * np);
      for (let i = 0; i < m * k; i++) mem[i] = Math.sin(i);
      for (let i = 0; i < k * n; i++) mem[bOff + i] = Math.cos(i * 0.7);
      // NaN everywhere in both outputs: a panel that no thread computes stays NaN and fails.
      mem.fill(NaN, c1, c2 + mp * np);
      run(kernel.gemm, c1);
      run((...args) => pool.gemm(...args), c2);
      const view = kernel.f32;
      const single = view.slice(c1, c1 + mp * np);
      const threaded = view.slice(c2, c2 + mp * np);
      expect(single.some(Number.isNaN)).toBe(false);
      expect(Buffer.from(threaded.buffer).equals(Buffer.from(single.buffer))).toBe(true);
    });
  }
});
