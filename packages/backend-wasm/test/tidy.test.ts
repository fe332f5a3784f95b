/**
 * tidy / keep / dispose (@thermograd/autograd's src/tidy.ts) and the fast backend's buffer pool
 * (src/buffer-pool.ts): what a scope disposes and what it leaves alone, storage shared
 * by views, and a training step inside tidy that, after warm-up, allocates no new buffers and
 * takes bit for bit the steps it takes without tidy.
 */
import { describe, expect, it } from 'vitest';
import {
  Generator,
  Tensor,
  crossEntropy,
  keep,
  linear,
  nn,
  relu,
  tensor,
  tidy,
  tidyDepth,
} from '@thermograd/autograd';
import { bufferPoolStats, resetBufferPool } from '../src/index.js';
import { setResidentStorage } from '../src/buffer-pool.js';
import { trainer } from './trainer.js';

const f32 = (values: number[], shape: number[], requiresGrad = false) =>
  tensor(values, shape, { dtype: 'float32', requiresGrad });

describe('tidy', () => {
  it('disposes the tensors created inside and not returned; leaves outside tensors and the result alone', () => {
    const x = f32([1, 2, 3, 4], [2, 2]);
    let inner: Tensor | undefined;
    const y = tidy(() => {
      inner = x.mul(2);
      return inner.add(1);
    });
    expect(inner!.isDisposed).toBe(true);
    expect(() => inner!.dataSync()).toThrow(/tensor was disposed/);
    expect(x.isDisposed).toBe(false);
    expect([...y.dataSync()]).toEqual([3, 5, 7, 9]);
    expect(tidyDepth()).toBe(0);
  });

  it('reaches tensors inside arrays, objects and Maps in the result', () => {
    const x = f32([1, 2], [2]);
    const out = tidy(() => ({ list: [x.mul(3)], map: new Map([['a', x.add(1)]]), n: 5 }));
    expect([...out.list[0].dataSync()]).toEqual([3, 6]);
    expect([...out.map.get('a')!.dataSync()]).toEqual([2, 3]);
  });

  it('nests: an inner result moves to the outer scope and is disposed there unless returned', () => {
    const x = f32([1, 2], [2]);
    let fromInner: Tensor | undefined;
    let kept: Tensor | undefined;
    const outer = tidy(() => {
      fromInner = tidy(() => x.mul(2).add(0));
      expect(fromInner.isDisposed).toBe(false);
      kept = keep(fromInner.mul(10));
      return fromInner.sub(1);
    });
    expect(fromInner!.isDisposed).toBe(true);
    expect([...kept!.dataSync()]).toEqual([20, 40]);
    expect([...outer.dataSync()]).toEqual([1, 3]);
  });

  it('a view of an intermediate returned from the scope keeps the shared storage out of the pool', () => {
    resetBufferPool();
    const x = f32([1, 2, 3, 4, 5, 6], [2, 3]);
    let base: Tensor | undefined;
    const view = tidy(() => {
      // x·x, not x·2: a scalar operand would be a tensor of the scope too.
      base = x.mul(x);
      return base.reshape([3, 2]);
    });
    expect(base!.isDisposed).toBe(true);
    expect(bufferPoolStats().released).toBe(0);
    // Same-size work afterwards must not get the view's storage.
    tidy(() => x.add(x).mul(x));
    expect([...view.dataSync()]).toEqual([1, 4, 9, 16, 25, 36]);
    // Disposing the last wrapper releases the storage.
    const before = bufferPoolStats().released;
    view.dispose();
    expect(bufferPoolStats().released).toBe(before + 1);
  });

  it('a raw array returned from the scope is never recycled', () => {
    const x = f32([1, 2, 3], [3]);
    const raw = tidy(() => x.mul(2).dataSync());
    tidy(() => x.add(7).mul(5));
    expect([...raw]).toEqual([2, 4, 6]);
  });

  it('nor is a subarray of one (dataSync copies the recycled storage, resident or not)', () => {
    for (const resident of [true, false]) {
      const was = setResidentStorage(resident);
      try {
        const x = f32(
          Array.from({ length: 1024 }, (_, i) => i),
          [1024],
        );
        const part = tidy(() => x.mul(2).dataSync().subarray(0, 4));
        for (let k = 0; k < 3; k++) tidy(() => x.add(-7).mul(3).dataSync()[0]);
        expect([...part], `resident ${resident}`).toEqual([0, 2, 4, 6]);
      } finally {
        setResidentStorage(was);
      }
    }
  });

  it('disposes .grad tensors produced inside (read gradients inside the scope); a stale grad is a clear error', () => {
    const w = f32([1, 2], [2], true);
    const seen = tidy(() => {
      w.mul(w).sum().backward();
      return [...w.grad!.dataSync()];
    });
    expect(seen).toEqual([2, 4]);
    expect(w.grad!.isDisposed).toBe(true);
    expect(() => w.grad!.dataSync()).toThrow(/tensor was disposed/);
    expect(w.isDisposed).toBe(false);
  });

  it('a returned tensor keeps its graph alive, so backward still runs outside the scope', () => {
    const w = f32([1, 2], [2], true);
    const loss = tidy(() => w.mul(w).mul(3).sum());
    loss.backward();
    expect([...w.grad!.dataSync()]).toEqual([6, 12]);
  });

  it('rejects an async function and disposes the scope when fn throws', () => {
    expect(() => tidy(async () => 1)).toThrow(/must be synchronous/);
    const x = f32([1], [1]);
    let made: Tensor | undefined;
    expect(() =>
      tidy(() => {
        made = x.add(1);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(made!.isDisposed).toBe(true);
    expect(tidyDepth()).toBe(0);
  });

  it('disposing twice is a no-op; each of two wrappers of one storage must go before it is released', () => {
    resetBufferPool();
    const t = f32([1, 2, 3], [3]).mul(1);
    const d = t.detach();
    t.dispose();
    t.dispose();
    expect(bufferPoolStats().released).toBe(0);
    expect([...d.dataSync()]).toEqual([1, 2, 3]);
    d.dispose();
    expect(bufferPoolStats().released).toBe(1);
  });
});

/** One SGD step of an MLP as the bench writes it: linear/relu, cross-entropy, backward, p ← p − lr·∇p. */
function mlp(sizes: number[], batch: number, seed: number) {
  const rng = new Generator(seed);
  const params: Tensor[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const scale = Math.sqrt(2 / sizes[l]);
    const w = Float32Array.from(
      { length: sizes[l + 1] * sizes[l] },
      () => (rng.uniform() * 2 - 1) * scale,
    );
    params.push(tensor(w, [sizes[l + 1], sizes[l]], { dtype: 'float32', requiresGrad: true }));
    params.push(
      tensor(new Float32Array(sizes[l + 1]), [sizes[l + 1]], {
        dtype: 'float32',
        requiresGrad: true,
      }),
    );
  }
  const x = tensor(
    Float32Array.from({ length: batch * sizes[0] }, () => rng.uniform()),
    [batch, sizes[0]],
    { dtype: 'float32' },
  );
  const labels = Int32Array.from({ length: batch }, () => rng.int(sizes.at(-1)!));
  const next = params.map((p) => new Float32Array(p.size));
  const step = (): number => {
    let h = x;
    for (let l = 0; l < params.length; l += 2) {
      h = linear(h, params[l], params[l + 1]);
      if (l + 2 < params.length) h = relu(h);
    }
    const loss = crossEntropy(h, labels);
    loss.backward();
    params.forEach((p, j) => {
      const w = p.dataSync();
      const g = p.grad!.dataSync();
      for (let e = 0; e < w.length; e++) next[j][e] = w[e] - 0.1 * g[e];
      p.assign(next[j]);
      p.zeroGrad();
    });
    return loss.item();
  };
  return { params, step };
}

describe('a training step inside tidy', () => {
  for (const { name, sizes, batch } of [
    { name: 'demo model 784-256-10, batch 64', sizes: [784, 256, 10], batch: 64 },
    { name: 'config b 784-256-256-10, batch 128', sizes: [784, 256, 256, 10], batch: 128 },
  ]) {
    it(`${name}: no new buffers after warm-up, same bits as without tidy`, () => {
      const plain = mlp(sizes, batch, 11);
      const lossesPlain = Array.from({ length: 8 }, () => plain.step());
      const scoped = mlp(sizes, batch, 11);
      const lossesScoped: number[] = [];
      for (let s = 0; s < 3; s++) lossesScoped.push(tidy(scoped.step));
      resetBufferPool();
      // The pool is empty now: one step fills it, the next steps must be served from it.
      lossesScoped.push(tidy(scoped.step));
      const afterWarmUp = bufferPoolStats();
      expect(afterWarmUp.misses).toBeGreaterThan(0);
      for (let s = 0; s < 4; s++) lossesScoped.push(tidy(scoped.step));
      const stats = bufferPoolStats();
      expect(stats.misses - afterWarmUp.misses).toBe(0);
      // Every step's buffers came from the pool (the matmul outputs and gradients among them).
      expect(stats.hits - afterWarmUp.hits).toBeGreaterThanOrEqual(4 * afterWarmUp.misses);
      expect(lossesScoped).toEqual(lossesPlain);
      scoped.params.forEach((p, j) => expect(p.toArray()).toEqual(plain.params[j].toArray()));
    });
  }
});

describe('a CNN training step inside tidy', () => {
  it('gives back every buffer it takes, im2col columns and pooling outputs included', () => {
    const rng = new Generator(5);
    const model = new nn.Sequential(
      new nn.Conv2d(1, 8, 5, { rng }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Flatten(),
      new nn.Linear(8 * 12 * 12, 10, { rng }),
    );
    const train = trainer(model, [32, 1, 28, 28], 6);
    const step = () => tidy(train);
    const taken = () => bufferPoolStats().hits + bufferPoolStats().misses;
    const losses = [step(), step()];
    for (let s = 0; s < 3; s++) {
      const before = { taken: taken(), ...bufferPoolStats() };
      losses.push(step());
      const after = bufferPoolStats();
      // Buffers taken in the step (large im2col columns among them) all came back, from the pool,
      // and nothing else stayed in it: the pool is the same size after every step.
      expect(taken() - before.taken).toBeGreaterThan(10);
      expect(after.released - before.released, `step ${s + 3}`).toBe(taken() - before.taken);
      expect(after.misses - before.misses, `step ${s + 3}`).toBe(0);
      expect(after.pooledBuffers, `step ${s + 3}`).toBe(before.pooledBuffers);
    }
    expect(losses.at(-1)).toBeLessThan(losses[0]);
  });
});
