/**
 * THERMOGRAD_THREADS=1, 2 and 4 give the same bits through the whole backend: odd-shaped products in
 * every arrangement (A·B, A·Bᵀ, Aᵀ·B, batched) and a CNN's training losses. Each thread count gets
 * a fresh copy of the modules (the thread pool is created once per process, from the variable).
 */
import { afterAll, describe, expect, it, vi } from 'vitest';

const saved = process.env.THERMOGRAD_THREADS;
afterAll(() => {
  if (saved === undefined) delete process.env.THERMOGRAD_THREADS;
  else process.env.THERMOGRAD_THREADS = saved;
});

async function runWithThreads(threads: number): Promise<{ products: Buffer[]; losses: number[] }> {
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
  return { products, losses };
}

describe('fast backend: the same bits for any thread count', () => {
  it('1, 2 and 4 threads: odd-shaped products and CNN losses', async () => {
    const [one, ...more] = [
      await runWithThreads(1),
      await runWithThreads(2),
      await runWithThreads(4),
    ];
    for (const other of more) {
      other.products.forEach((p, i) =>
        expect(p.equals(one.products[i]), `product ${i}`).toBe(true),
      );
      expect(other.losses).toEqual(one.losses);
    }
  }, 30_000);
});
