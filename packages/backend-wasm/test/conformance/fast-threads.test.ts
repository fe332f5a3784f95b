/**
 * The fast backend's multi-threaded GEMM: worker threads compute their column panels (or row
 * panels, when C has more of those) of C on the shared wasm memory, bit-identical to one thread,
 * for splits that do not divide evenly and for fewer panels than threads.
 */
import { describe, expect, it } from 'vitest';
import { GemmKernel } from '../../src/wasm-module.js';
import { GemmThreads } from '../../src/threads.js';

describe('fast backend: GEMM over worker threads', () => {
  const kernel = new GemmKernel();
  const pool = new GemmThreads(kernel, 3);

  for (const [m, k, n] of [
    [64, 300, 1000], // split by columns
    [200, 513, 40], // split by rows
    [129, 1025, 9], // two column panels for three threads: split by rows
  ]) {
    it(`${m}x${k}x${n} matches one thread bit for bit`, () => {
      const { mr, nr } = kernel;
      const mPanels = Math.ceil(m / mr);
      const nPanels = Math.ceil(n / nr);
      const [mp, np] = [mPanels * mr, nPanels * nr];
      const aOff = 0;
      const bOff = mp * k + mp + 16;
      const c1 = bOff + k * n + np + 16;
      const c2 = c1 + mp * np;
      const mem = kernel.reserve(c2 + mp * np);
      for (let i = 0; i < m * k; i++) mem[aOff + i] = Math.sin(i);
      for (let i = 0; i < k * n; i++) mem[bOff + i] = Math.cos(i * 0.7);
      // NaN everywhere in both outputs: a panel that no thread computes stays NaN and fails.
      mem.fill(NaN, c1, c2 + mp * np);
      // A and B read in place (row-major), as matmul.ts does for a small row-major product.
      const args = [
        aOff * 4,
        bOff * 4,
        0,
        mPanels,
        nPanels,
        k,
        k * 4,
        4,
        mr * k * 4,
        n * 4,
        nr * 4,
        np * 4,
      ] as const;
      const [a, b, , mP, nP, kk, ars, acs, aps, ldb, bps, ldc] = args;
      kernel.gemm(a, b, c1 * 4, mP, nP, kk, ars, acs, aps, ldb, bps, ldc);
      pool.gemm(a, b, c2 * 4, mP, nP, kk, ars, acs, aps, ldb, bps, ldc);
      const view = kernel.f32;
      const single = view.slice(c1, c1 + mp * np);
      const threaded = view.slice(c2, c2 + mp * np);
      expect(single.some(Number.isNaN)).toBe(false);
      expect(Buffer.from(threaded.buffer).equals(Buffer.from(single.buffer))).toBe(true);
    });
  }
});
