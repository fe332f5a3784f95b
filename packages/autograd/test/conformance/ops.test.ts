/**
 * Every op case of cases.ts, forward and backward, on every registered backend other than the
 * reference, against the reference, in float32 (tfjs-core's describeWithFlags(ALL_ENVS) pattern).
 */
import { describe, expect, it } from 'vitest';
import { Generator, listBackends, tensor, withBackend, type Tensor } from '../../src/index.js';
import { CASES, type OpCase } from './cases.js';
import { mismatch } from './compare.js';

interface Run {
  backend: string;
  y: number[];
  shape: readonly number[];
  grads: (number[] | null)[];
}

function randomValues(n: number, seed: number, low: number, high: number): number[] {
  const rng = new Generator(seed);
  return Array.from({ length: n }, () => low + (high - low) * rng.uniform());
}

function runCase(c: OpCase, backend: string): Run {
  return withBackend(backend, () => {
    const xs: Tensor[] = c.inputs.map((spec, i) => {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const values = randomValues(n, 1000 + i, spec.low ?? -1, spec.high ?? 1);
      return tensor(values, spec.shape, { dtype: 'float32', requiresGrad: spec.grad ?? true });
    });
    const y = c.fn(...xs);
    expect(y.backend.name, `${c.name}: output computed on another backend`).toBe(backend);
    if (y.requiresGrad) {
      const dy = tensor(randomValues(y.size, 7, -1, 1), y.shape, { dtype: 'float32' });
      y.backward(dy);
    }
    return {
      backend,
      y: Array.from(y.dataSync()),
      shape: y.shape,
      grads: xs.map((x) => (x.requiresGrad && x.grad ? Array.from(x.grad.dataSync()) : null)),
    };
  });
}

const others = listBackends().filter((b) => b !== 'reference');

describe('conformance: backends registered besides the reference', () => {
  it('includes the fast backend', () => {
    expect(others).toContain('fast');
  });
});

for (const backend of others) {
  describe(`conformance: ${backend} against reference (float32)`, () => {
    for (const c of CASES) {
      it(c.name, () => {
        const expected = runCase(c, 'reference');
        const actual = runCase(c, backend);
        const tol = c.tol ?? 1e-4;
        expect(actual.shape).toEqual(expected.shape);
        const forward = mismatch(actual.y, expected.y, tol);
        expect(forward, `forward: ${forward}`).toBeUndefined();
        expected.grads.forEach((g, i) => {
          expect(actual.grads[i] === null, `input ${i}: gradient presence`).toBe(g === null);
          if (g === null) return;
          const bad = mismatch(actual.grads[i]!, g, tol);
          expect(bad, `gradient of input ${i}: ${bad}`).toBeUndefined();
        });
      });
    }
  });
}
