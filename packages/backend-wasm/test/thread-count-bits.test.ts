/**
 * THERMOGRAD_THREADS=1, 2 and 4 give the same bits through the whole backend: odd-shaped products in
 * every arrangement (A·B, A·Bᵀ, Aᵀ·B, batched), the convolution and pooling kernels that are split
 * by image or plane (im2col, col2im, the 2×2 max pool, the max-pool backward scatter; large enough
 * to be split, with counts that do not divide evenly and pooled widths that are not multiples of
 * four; relu and its gradient over an odd length; a conv bias gradient's channel sums; the
 * [B, O, P] → [O, B, P] permute), which must also equal the reference backend's, and a CNN's
 * training losses. Each thread count gets a fresh copy of the modules (the thread pool is created
 * once per process, from the variable).
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { geometry } from '../../autograd/test/helpers.js';

const saved = process.env.THERMOGRAD_THREADS;
afterAll(() => {
  if (saved === undefined) delete process.env.THERMOGRAD_THREADS;
  else process.env.THERMOGRAD_THREADS = saved;
});

const asBuffer = (a: ArrayLike<number>) =>
  Buffer.from((a instanceof Int32Array ? a : Float32Array.from(a)).buffer);

async function runWithThreads(
  threads: number,
): Promise<{ products: Buffer[]; kernels: Buffer[]; reference: Buffer[]; losses: number[] }> {
  vi.resetModules();
  process.env.THERMOGRAD_THREADS = String(threads);
  const ag = await import('@thermograd/autograd');
  const { wasmBackendReady } = await import('../src/index.js');
  const { trainer } = await import('./trainer.js');
  await wasmBackendReady();
  const rng = new ag.Generator(7);
  const random = (shape: number[]) =>
    ag.tensor(
      Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.normal()),
      shape,
    );
  const [m, k, n] = [203, 301, 517];
  const a = random([m, k]);
  const b = random([k, n]);
  const bt = random([n, k]);
  const at = random([k, m]);
  const batchedA = random([3, 67, 129]);
  const batchedB = random([3, 129, 95]);
  const products = ag.tidy(() =>
    [
      ag.matmul(a, b),
      ag.matmul(a, bt, { transposeB: true }),
      ag.matmul(at, b, { transposeA: true }),
      ag.matmul(batchedA, batchedB),
    ].map((p) => Buffer.from(Float32Array.from(p.dataSync() as Float32Array).buffer)),
  );
  // Each kernel on the fast backend (inside tidy, so on resident storage) and on the reference.
  const { referenceBackend: ref, getBackend } = ag;
  const fast = getBackend('fast');
  const values = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const conv = [
    geometry(9, 3, 31, 29, [5, 5], [1, 1], [2, 1]),
    geometry(13, 6, 23, 21, [3, 3], [2, 1], [1, 0]),
  ];
  const pools = [
    geometry(7, 9, 45, 39, [2, 2], [2, 2], [0, 0]), // pooled width 19
    geometry(7, 9, 45, 39, [3, 3], [2, 2], [1, 1]), // overlapping windows (the scatter only)
  ];
  // The pool hands out recycled buffers by length: leave one full of NaN for an output about to be
  // made, so an element a kernel fails to write (or to clear before adding into) shows.
  const dirtyNext = (b: typeof fast, size: number) => {
    if (b === fast) b.dispose(b.fromValues(new Float32Array(size).fill(NaN), 'float32'));
  };
  const kernels: Buffer[] = [];
  const reference: Buffer[] = [];
  ag.tidy(() => {
    for (const g of conv) {
      const x = values(g.n * g.c * g.h * g.w);
      const cols = values(g.n * g.outH * g.outW * g.c * g.kh * g.kw);
      const on = (b: typeof fast) => {
        const xs = b.fromValues(x, 'float32');
        const colsIn = b.fromValues(cols, 'float32');
        dirtyNext(b, cols.length);
        const im2col = b.read(b.im2col(xs, g, 'float32'), 'float32');
        dirtyNext(b, x.length);
        return [im2col, b.read(b.col2im(colsIn, g, 'float32'), 'float32')];
      };
      kernels.push(...on(fast).map(asBuffer));
      reference.push(...on(ref).map(asBuffer));
    }
    for (const g of pools) {
      const x = values(g.n * g.c * g.h * g.w);
      const dy = values(g.n * g.c * g.outH * g.outW);
      const on = (b: typeof fast) => {
        const [xs, dys] = [b.fromValues(x, 'float32'), b.fromValues(dy, 'float32')];
        dirtyNext(b, dy.length);
        const { y, argmax } = b.maxPool2d(xs, g, 'float32');
        dirtyNext(b, x.length);
        const dx = b.maxPool2dBackward(dys, argmax, g, 'float32');
        return [b.read(y, 'float32'), argmax, b.read(dx, 'float32')];
      };
      kernels.push(...on(fast).map(asBuffer));
      reference.push(...on(ref).map(asBuffer));
    }
    // relu and its gradient over an odd length (split by vectors of four; a ragged last one).
    const size = 300_001;
    const [x, dy] = [values(size), values(size)];
    const [xs, dys] = [fast.fromValues(x, 'float32'), fast.fromValues(dy, 'float32')];
    dirtyNext(fast, size);
    const y = fast.unary('relu', xs, size, 'float32', 0, 0);
    dirtyNext(fast, size);
    const dx = fast.unaryBackward('relu', xs, y, dys, size, 'float32', 0, 0);
    kernels.push(asBuffer(fast.read(y, 'float32')), asBuffer(fast.read(dx, 'float32')));
    reference.push(
      asBuffer(ref.read(ref.unary('relu', x, size, 'float32', 0, 0), 'float32')),
      asBuffer(Float32Array.from(x, (v, i) => (v > 0 ? dy[i] : 0))), // x has no NaN here
    );
    // A conv bias gradient's sums ([B, C, P] over B and P; 4k + 3 channels, split by channel).
    for (const shape of [
      [7, 15, 3001],
      [64, 16, 784],
    ]) {
      const x = values(shape[0] * shape[1] * shape[2]);
      const xs = fast.fromValues(x, 'float32');
      dirtyNext(fast, shape[1]);
      kernels.push(
        asBuffer(fast.read(fast.reduce('sum', xs, shape, [0, 2], 'float32'), 'float32')),
      );
      reference.push(asBuffer(ref.read(ref.reduce('sum', x, shape, [0, 2], 'float32'), 'float32')));
    }
    // A conv weight gradient's permute of dy, [B, O, P] → [O, B, P] (split by row of O).
    for (const shape of [[7, 13, 1001]]) {
      const x = values(shape[0] * shape[1] * shape[2]);
      const xs = fast.fromValues(x, 'float32');
      dirtyNext(fast, x.length);
      kernels.push(asBuffer(fast.read(fast.permute(xs, shape, [1, 0, 2], 'float32'), 'float32')));
      reference.push(asBuffer(ref.read(ref.permute(x, shape, [1, 0, 2], 'float32'), 'float32')));
    }
  });
  const rngModel = new ag.Generator(3);
  const model = new ag.nn.Sequential(
    new ag.nn.Conv2d(1, 8, 5, { rng: rngModel }),
    new ag.nn.ReLU(),
    new ag.nn.MaxPool2d(2),
    new ag.nn.Conv2d(8, 16, 5, { rng: rngModel }),
    new ag.nn.ReLU(),
    new ag.nn.Flatten(),
    new ag.nn.Linear(16 * 8 * 8, 10, { rng: rngModel }),
  );
  const step = trainer(model, [33, 1, 28, 28], 4);
  const losses = [step(), ag.tidy(step), ag.tidy(step)];
  return { products, kernels, reference, losses };
}

describe('fast backend: the same bits for any thread count', () => {
  it('1, 2 and 4 threads: odd-shaped products, split kernels and CNN losses', async () => {
    const [one, ...more] = [
      await runWithThreads(1),
      await runWithThreads(2),
      await runWithThreads(4),
    ];
    one.kernels.forEach((k, i) => expect(k.equals(one.reference[i]), `kernel ${i}`).toBe(true));
    for (const other of more) {
      other.products.forEach((p, i) =>
        expect(p.equals(one.products[i]), `product ${i}`).toBe(true),
      );
      other.kernels.forEach((k, i) => expect(k.equals(one.kernels[i]), `kernel ${i}`).toBe(true));
      expect(other.losses).toEqual(one.losses);
    }
  }, 30_000);
});
