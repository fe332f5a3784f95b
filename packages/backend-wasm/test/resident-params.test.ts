/**
 * Trained parameters in wasm memory (fast-backend.ts's assign, the Optimizer's update hook): a
 * float32 parameter made outside tidy moves into the memory on its first update and trains to the
 * same bits as one left a plain array; a dataSync() result never changes afterwards; a parameter
 * whose storage another tensor shares stays put (the sharer keeps seeing the updates); dispose()
 * frees the block; and a loop that makes and drops models stays within the long-lived budget,
 * falling back to plain arrays past it, and gets every block back from the collector.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Generator,
  crossEntropy,
  nn,
  noGrad,
  tensor,
  tidy,
  type Tensor,
} from '@thermograd/autograd';
import { fastBackend } from '../src/index.js';
import { resetBufferPool } from '../src/buffer-pool.js';
import { residentOffset, setLongLivedBudget, wasmMemoryStats } from '../src/wasm-memory.js';

/**
 * A new model, its parameters plain arrays: the pool is emptied first, since a take outside tidy
 * may otherwise reuse a block a tidy scope released (resident from the start, and not moved).
 */
function mlp(seed: number, width = 32) {
  resetBufferPool();
  const rng = new Generator(seed);
  return new nn.Sequential(
    new nn.Linear(64, width, { rng }),
    new nn.ReLU(),
    new nn.Linear(width, 10, { rng }),
  );
}

const rng = new Generator(9);
const x = tensor(
  Float32Array.from({ length: 16 * 64 }, () => rng.uniform() - 0.5),
  [16, 64],
);
const labels = Int32Array.from({ length: 16 }, () => rng.int(10));

/** One SGD step inside tidy, the parameters written with the backend's assign; the loss. */
function step(model: nn.Module): number {
  return tidy(() => {
    const loss = crossEntropy(model.forward(x), labels);
    loss.backward();
    noGrad(() => {
      for (const p of model.parameters()) fastBackend.assign(p, p.sub(p.grad!.mul(0.05)));
    });
    model.zeroGrad();
    return loss.item();
  });
}

const resident = (p: Tensor) => residentOffset(p.storage as object) >= 0;
const longLived = () => wasmMemoryStats().longLivedBytes;

afterEach(() => void setLongLivedBudget(undefined));

describe('trained parameters in wasm memory', () => {
  it('move there on their first update and train to the same bits as plain arrays', () => {
    const run = () => {
      const model = mlp(1);
      const losses = [0, 1, 2, 3, 4].map(() => step(model));
      return { model, losses, values: model.parameters().map((p) => Array.from(p.dataSync())) };
    };
    setLongLivedBudget(0);
    const plain = run();
    expect(plain.model.parameters().some(resident)).toBe(false);
    setLongLivedBudget(undefined);
    const moved = run();
    expect(moved.model.parameters().every(resident)).toBe(true);
    expect(moved.losses).toEqual(plain.losses);
    expect(moved.values).toEqual(plain.values);
  });

  it('a dataSync() result taken before an update keeps its values', () => {
    const model = mlp(2);
    const w = model.parameters()[0];
    const before = w.dataSync();
    const copy = Float32Array.from(before);
    step(model);
    expect(resident(w)).toBe(true);
    const after = w.dataSync();
    step(model);
    expect(before).toEqual(copy);
    expect(after).not.toEqual(copy);
    expect(after).not.toEqual(w.dataSync());
  });

  it('a parameter whose storage another tensor shares stays a plain array, and the sharer sees the update', () => {
    const model = mlp(3);
    const w = model.parameters()[0];
    const view = w.detach();
    step(model);
    expect(resident(w)).toBe(false);
    expect(view.dataSync()).toEqual(w.dataSync());
    // Once the sharer is gone, the next update moves it.
    view.dispose();
    step(model);
    expect(resident(w)).toBe(true);
  });

  it('dispose() frees the block', () => {
    const base = longLived();
    const model = mlp(4);
    step(model);
    expect(longLived()).toBeGreaterThan(base);
    for (const p of model.parameters()) p.dispose();
    expect(longLived()).toBe(base);
  });

  it('models made and dropped in a loop stay within the budget, plain arrays past it', () => {
    const budget = 2 ** 20;
    const base = longLived();
    setLongLivedBudget(base + budget);
    // A model of 64·512 + 512 + 512·10 + 10 floats: about 150 KB, so 30 of them pass the budget.
    step(mlp(5, 512));
    const memory = wasmMemoryStats().memoryBytes;
    let plainModels = 0;
    for (let i = 0; i < 30; i++) {
      const model = mlp(6 + i, 512);
      expect(Number.isFinite(step(model))).toBe(true);
      if (!resident(model.parameters()[0])) plainModels++;
      expect(longLived()).toBeLessThanOrEqual(base + budget);
    }
    expect(plainModels).toBeGreaterThan(0);
    expect(wasmMemoryStats().memoryBytes).toBeLessThanOrEqual(memory + budget);
  });

  it('the collector gives the blocks of dropped models back', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const base = longLived();
    for (let i = 0; i < 10; i++) step(mlp(40 + i, 512));
    expect(longLived()).toBeGreaterThan(base);
    for (let tries = 0; tries < 50 && longLived() > base; tries++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(longLived()).toBeLessThanOrEqual(base);
  });
});
