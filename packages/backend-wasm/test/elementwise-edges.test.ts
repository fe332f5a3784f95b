/**
 * Edge cases of element-wise ops on both CPU backends (the fast backend's wasm loops as well as
 * the reference): NaN through relu, pow's gradient limits at a zero base.
 */
import { expect, it } from 'vitest';
import * as tg from '@thermograd/autograd';
import '../src/index.js';

for (const backend of ['reference', 'fast']) {
  it(`${backend}: pow's gradients at a zero base are their limits, not NaN`, () =>
    tg.withBackend(backend, () => {
      // d(x^y)/dy = x^y·log x → 0 as x → 0 for y > 0 (and x^0 = 1 is constant in y at x = 0);
      // d(x^y)/dx = y·x^(y−1): 0 at y = 2, ∞ at y = 0.5, and 0 at y = 0 (x^0 is constant).
      const x = tg.tensor([0, 0, 2, 0], undefined, { requiresGrad: true });
      const y = tg.tensor([2, 0.5, 3, 0], undefined, { requiresGrad: true });
      tg.pow(x, y).sum().backward();
      expect(y.grad!.toArray()).toBeAllClose([0, 0, 8 * Math.log(2), 0], { rtol: 1e-6 });
      expect([...x.grad!.toArray()]).toEqual([0, Infinity, 12, 0]);
    }));

  it(`${backend}: relu propagates NaN, forward and backward`, () =>
    tg.withBackend(backend, () => {
      // 2051 elements: the fast backend's wasm loop (with its remainder) as well as the JS one.
      for (const n of [3, 2051]) {
        const values = Array.from({ length: n }, (_, i) => [NaN, -1, 2][i % 3]);
        const x = tg.tensor(values, undefined, { requiresGrad: true });
        const y = tg.relu(x);
        y.sum().backward();
        const pick = (row: number[]) => values.map((_, i) => row[i % 3]);
        expect([...y.toArray()]).toEqual(pick([NaN, 0, 2]));
        expect([...x.grad!.toArray()]).toEqual(pick([NaN, 0, 1]));
      }
    }));
}
