/**
 * A tidy training step with the library Optimizer leaves no storage behind on the CPU backends
 * (the gpu backend's own count is checked in packages/backend-gpujs): the backends are wrapped in
 * a counter of live storage, so a leak that the garbage collector would hide is seen.
 */
import { describe, expect, it } from 'vitest';
import {
  crossEntropy,
  Generator,
  nn,
  referenceBackend,
  tensor,
  tidy,
  type Backend,
} from '@thermograd/autograd';
import { countLiveStorage } from '@thermograd/autograd/testing';
import { fastBackend, resetBufferPool, wasmMemoryStats } from '@thermograd/backend-wasm';
import { momentum, Optimizer } from '../src/index.js';

function model(kind: 'mlp' | 'cnn', backend: Backend): nn.Module {
  const where = { rng: new Generator(1), backend, dtype: 'float32' as const };
  return kind === 'mlp'
    ? new nn.Sequential(new nn.Linear(12, 16, where), new nn.ReLU(), new nn.Linear(16, 4, where))
    : new nn.Sequential(
        new nn.Conv2d(1, 4, 3, { ...where, padding: 1 }),
        new nn.ReLU(),
        new nn.MaxPool2d(2),
        new nn.Flatten(),
        new nn.Dropout(0.25, { rng: new Generator(2) }),
        new nn.Linear(36, 4, where),
      );
}

describe.each([
  ['reference', referenceBackend],
  ['fast', fastBackend],
] as const)('live storage after tidy training steps on %s', (_name, inner) => {
  it.each(['mlp', 'cnn'] as const)('%s with the Optimizer: nothing left behind', (kind) => {
    const { backend, live } = countLiveStorage(inner);
    const net = model(kind, backend);
    const shape = kind === 'mlp' ? [8, 12] : [8, 1, 6, 6];
    const size = shape.reduce((a, b) => a * b, 1);
    const rng = new Generator(3);
    const values = Array.from({ length: size }, () => rng.uniform() - 0.5);
    const x = tensor(values, shape, { backend, dtype: 'float32' });
    const labels = [0, 3, 1, 2, 2, 1, 0, 3];
    const opt = new Optimizer(net, momentum({ eta: 0.1, mu: 0.9 }));
    const baseline = live();
    const losses: number[] = [];
    for (let s = 0; s < 5; s++) {
      losses.push(
        tidy(() => {
          const loss = crossEntropy(net.forward(x), labels);
          loss.backward({ perExample: 'norms' });
          opt.step();
          opt.zeroGrad();
          return loss.item();
        }),
      );
      expect(live(), `after step ${s + 1}`).toBe(baseline);
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(opt.hyper.step).toBe(5);
  });
});

describe('the Optimizer on the fast backend', () => {
  it("writes through the backend's assign, which moves float32 parameters into wasm memory once", () => {
    resetBufferPool(); // the parameters below are new plain arrays, not blocks a scope released
    const net = model('mlp', fastBackend);
    const x = tensor(new Array(8 * 12).fill(0.25), [8, 12], { dtype: 'float32' });
    const opt = new Optimizer(net, momentum({ eta: 0.1, mu: 0.9 }));
    const base = wasmMemoryStats().longLivedBytes;
    const step = () =>
      tidy(() => {
        crossEntropy(net.forward(x), [0, 3, 1, 2, 2, 1, 0, 3]).backward();
        opt.step();
        opt.zeroGrad();
      });
    step();
    const moved = wasmMemoryStats().longLivedBytes - base;
    // Each parameter's floats, plus the allocator's slack per block.
    expect(moved).toBeGreaterThanOrEqual(4 * (12 * 16 + 16 + 16 * 4 + 4));
    step();
    expect(wasmMemoryStats().longLivedBytes - base).toBe(moved);
    for (const p of net.parameters()) p.dispose();
    opt.dispose();
    expect(wasmMemoryStats().longLivedBytes).toBe(base);
  });
});
