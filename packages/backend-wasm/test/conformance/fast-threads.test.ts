/**
 * The fast backend's multi-threaded GEMM: worker threads compute their column panels (or row
 * panels, when C has more of those) of C on the shared wasm memory, bit-identical to one thread,
 * for splits that do not divide evenly and for fewer panels than threads, with fused multiply-add
 * and with the plain-SIMD fallback; chunks handed out dynamically, so that workers compute the
 * panels a slow caller has not reached and the caller those of a worker that has not started;
 * `ready()`, which a Web Worker awaits before training; and the property the split convolution and
 * pooling kernels rest on: a call on some of their units writes only those units' outputs.
 */
import { describe, expect, it } from 'vitest';
import { GemmKernel } from '../../src/wasm-module.js';
import { KernelThreads } from '../../src/threads.js';
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
  const pool = new KernelThreads(kernel, 3);

  it('ready() resolves once every worker has started (no warm-up matmul needed)', async () => {
    const fresh = new KernelThreads(kernel, 3);
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
    const pool = new KernelThreads(slow, 3);
    await pool.ready();
    const { c, run, bytes } = fillProduct(kernel, m, k, n, 2);
    run(kernel.gemm, c(0));
    run((...args) => pool.gemm(...args), c(1));
    expect(callerChunks).toBeLessThan(4); // of 24 chunks (0 when the workers are quicker still)
    expect(bytes(1).equals(bytes(0))).toBe(true);
  });

  it('the caller does every chunk when no worker has started', () => {
    // A fresh pool whose workers are still loading: nothing waits for them.
    const pool = new KernelThreads(kernel, 4);
    const { c, run, bytes } = fillProduct(kernel, m, k, n, 2);
    run(kernel.gemm, c(0));
    const started = Date.now();
    run((...args) => pool.gemm(...args), c(1));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(bytes(1).equals(bytes(0))).toBe(true);
  });

  it('1, 2 and 4 threads give the same bits over many jobs in a row', async () => {
    const pools = [1, 2, 4].map((t) => new KernelThreads(kernel, t));
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

describe('fast backend: a split kernel on some of its units writes only theirs', () => {
  // threads.ts shares out im2col/col2im by image and the max pool and its scatter by plane; that
  // is bit-identical only if a call on units [u0, u1) writes nothing outside their outputs (no
  // overshoot of a vector loop into the next thread's part). Each kernel runs here once whole and
  // once on a middle part whose outputs sit in a region full of NaN: the part must equal the whole
  // call's slice and leave the rest (and the floats after it) untouched.
  const kernel = new GemmKernel();
  const ops = new KernelThreads(kernel, 1).ops;
  const region = (at: number, length: number) => kernel.f32.subarray(at, at + length);
  const ints = (at: number, length: number) =>
    new Int32Array(kernel.f32.buffer, at * 4, length).slice();
  const [x, whole, part, after] = [0, 20_000, 40_000, 16];

  it('the 2×2 max pool and its scatter, by plane (pooled width 5: a partial last vector)', () => {
    const [planes, h, w, oh, ow] = [5, 6, 10, 3, 5];
    const [inPlane, outPlane] = [h * w, oh * ow];
    const [p0, p1] = [1, 3];
    kernel.reserve(60_000);
    for (let i = 0; i < planes * inPlane; i++) kernel.f32[x + i] = Math.sin(i * 1.3);
    const [y, am, dy, dx] = [whole, whole + 1000, whole + 2000, whole + 3000];
    ops.maxPool2x2(x * 4, y * 4, am * 4, planes, h, w, oh, ow, 0);
    for (let i = 0; i < planes * outPlane; i++) kernel.f32[dy + i] = Math.cos(i);
    region(dx, planes * inPlane).fill(NaN);
    ops.scatterAdd(dy * 4, am * 4, dx * 4, planes * outPlane, dx * 4, planes * inPlane * 4);

    const [py, pam, pdx] = [part, part + 1000, part + 2000];
    const count = (p1 - p0) * outPlane;
    region(py, count + after).fill(NaN);
    new Int32Array(kernel.f32.buffer, pam * 4, count + after).fill(-7);
    ops.maxPool2x2((x + p0 * inPlane) * 4, py * 4, pam * 4, p1 - p0, h, w, oh, ow, p0 * inPlane);
    expect(Array.from(region(py, count))).toEqual(Array.from(region(y + p0 * outPlane, count)));
    expect(Array.from(ints(pam, count))).toEqual(Array.from(ints(am + p0 * outPlane, count)));
    expect(region(py + count, after).every(Number.isNaN)).toBe(true);
    expect(ints(pam + count, after).every((v) => v === -7)).toBe(true);

    region(pdx, planes * inPlane + after).fill(NaN);
    ops.scatterAdd(
      (dy + p0 * outPlane) * 4,
      (am + p0 * outPlane) * 4,
      pdx * 4,
      count,
      (pdx + p0 * inPlane) * 4,
      (p1 - p0) * inPlane * 4,
    );
    const [from, to] = [p0 * inPlane, p1 * inPlane];
    expect(Array.from(region(pdx + from, to - from))).toEqual(
      Array.from(region(dx + from, to - from)),
    );
    expect(region(pdx, from).every(Number.isNaN)).toBe(true);
    expect(region(pdx + to, planes * inPlane - to + after).every(Number.isNaN)).toBe(true);
  });

  it('im2col and col2im, by image (padded 5×5 windows)', () => {
    const [n, c, h, w, k, pad] = [4, 3, 7, 9, 5, 2];
    const [oh, ow] = [h, w];
    const geometry = [c, h, w, k, k, 1, 1, pad, pad, oh, ow];
    const [image, patches] = [c * h * w, oh * ow * c * k * k];
    const [b0, b1] = [1, 3];
    kernel.reserve(part + n * patches + after);
    for (let i = 0; i < n * image; i++) kernel.f32[x + i] = Math.sin(i * 0.7);
    ops.im2col(x * 4, whole * 4, n, ...geometry);
    region(part, n * patches + after).fill(NaN);
    ops.im2col((x + b0 * image) * 4, (part + b0 * patches) * 4, b1 - b0, ...geometry);
    const [from, to] = [b0 * patches, b1 * patches];
    expect(Array.from(region(part + from, to - from))).toEqual(
      Array.from(region(whole + from, to - from)),
    );
    expect(region(part, from).every(Number.isNaN)).toBe(true);
    expect(region(part + to, n * patches - to + after).every(Number.isNaN)).toBe(true);

    // col2im of those columns back, into images full of NaN (it clears what it adds into).
    const [img, pimg] = [x + n * image + 64, x + 2 * n * image + 128];
    region(img, n * image).fill(NaN);
    ops.col2im(img * 4, whole * 4, n, ...geometry);
    region(pimg, n * image + after).fill(NaN);
    ops.col2im((pimg + b0 * image) * 4, (whole + b0 * patches) * 4, b1 - b0, ...geometry);
    const [i0, i1] = [b0 * image, b1 * image];
    expect(region(img, n * image).some(Number.isNaN)).toBe(false);
    expect(Array.from(region(pimg + i0, i1 - i0))).toEqual(Array.from(region(img + i0, i1 - i0)));
    expect(region(pimg, i0).every(Number.isNaN)).toBe(true);
    expect(region(pimg + i1, n * image - i1 + after).every(Number.isNaN)).toBe(true);
  });
});
