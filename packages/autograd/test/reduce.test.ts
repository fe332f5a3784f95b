import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { expectGradientsMatch, rand64 } from './helpers.js';

describe('reductions', () => {
  const cases: [string, (x: tg.Tensor) => tg.Tensor][] = [
    ['sum all', (x) => tg.sum(x)],
    ['sum axis 1', (x) => tg.sum(x, 1)],
    ['sum axes [0,2] keepdim', (x) => tg.sum(x, [0, 2], true)],
    ['mean axis -1', (x) => tg.mean(x, -1)],
    ['mean all keepdim', (x) => tg.mean(x, undefined, true)],
    ['max axis 0', (x) => tg.max(x, 0)],
    ['min axes [1,2]', (x) => tg.min(x, [1, 2])],
    ['logsumexp axis 2', (x) => tg.logsumexp(x, 2)],
    ['logsumexp all', (x) => tg.logsumexp(x)],
    ['var axis 1', (x) => tg.variance(x, 1)],
    ['var population keepdim', (x) => tg.variance(x, [0, 1], true, 0)],
  ];
  for (const [name, f] of cases) {
    it(`${name}: gradient matches central differences`, () => {
      expectGradientsMatch(f, [rand64([2, 3, 4], 7)]);
    });
  }

  it('forward values on a hand-computed case', () => {
    const x = tg.tensor(
      [
        [1, 2, 3],
        [4, 5, 7],
      ],
      undefined,
      { dtype: 'float64' },
    );
    expect(tg.sum(x).item()).toBe(22);
    expect([...tg.sum(x, 0).toArray()]).toEqual([5, 7, 10]);
    expect(tg.sum(x, 1, true).shape).toEqual([2, 1]);
    expect([...tg.mean(x, 1).toArray()]).toEqual([2, 16 / 3]);
    expect([...tg.max(x, 1).toArray()]).toEqual([3, 7]);
    expect([...tg.min(x, 0).toArray()]).toEqual([1, 2, 3]);
    expect(tg.logsumexp(x, 1).toArray()).toBeAllClose(
      [
        Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)),
        Math.log(Math.exp(4) + Math.exp(5) + Math.exp(7)),
      ],
      { rtol: 1e-12, atol: 1e-12 },
    );
    // Unbiased variance of [4, 5, 7]: mean 16/3, squared deviations sum 14/3, / 2
    expect(tg.variance(x, 1).toArray()).toBeAllClose([1, 7 / 3], { rtol: 1e-12, atol: 1e-12 });
    expect(tg.variance(x, 1, false, 0).toArray()).toBeAllClose([2 / 3, 14 / 9], {
      rtol: 1e-12,
      atol: 1e-12,
    });
  });

  it('logsumexp is stable for large inputs and handles an all −∞ row', () => {
    const x = tg.tensor(
      [
        [1000, 1000],
        [-Infinity, -Infinity],
      ],
      undefined,
      { dtype: 'float64' },
    );
    const y = tg.logsumexp(x, 1).toArray();
    expect([y[0]]).toBeAllClose([1000 + Math.log(2)], { rtol: 1e-12, atol: 1e-12 });
    expect(y[1]).toBe(-Infinity);
  });

  it('max splits the gradient among ties', () => {
    const x = tg.tensor([3, 1, 3], undefined, { requiresGrad: true });
    tg.max(x).backward();
    expect([...x.grad!.toArray()]).toEqual([0.5, 0, 0.5]);
  });

  it('invalid axes and empty reductions are clear errors', () => {
    const x = tg.zeros([2, 3]);
    expect(() => tg.sum(x, 2)).toThrow('sum: axis 2 is out of range for a tensor of rank 2');
    expect(() => tg.mean(x, [0, -2])).toThrow(/repeated axis/);
    expect(() => tg.variance(tg.zeros([1, 3]), 0)).toThrow(/no degrees of freedom/);
    expect(() => tg.max(tg.zeros([0, 3]), 0)).toThrow(/empty axis/);
  });
});

describe('reshape family', () => {
  it('reshape, flatten, squeeze, unsqueeze, expand: gradients match', () => {
    const x = rand64([2, 3, 4], 3);
    expectGradientsMatch(
      (t) => tg.reshape(t, [4, -1]).mul(tg.arange(6, undefined, 1, { dtype: 'float64' })),
      [x],
    );
    expectGradientsMatch(
      (t) => tg.flatten(t).mul(tg.arange(12, undefined, 1, { dtype: 'float64' })),
      [x],
    );
    expectGradientsMatch((t) => tg.unsqueeze(t, 1).squeeze(1).exp(), [x]);
    expectGradientsMatch((t) => tg.expand(t, [5, 2, 3, 4]).mul(rand64([5, 2, 3, 4], 9)), [x]);
    expectGradientsMatch((t) => tg.expand(t, [2, 3, 4]).exp(), [rand64([3, 1], 4)]);
  });

  it('shapes and errors', () => {
    const x = tg.zeros([2, 3, 4]);
    expect(tg.flatten(x).shape).toEqual([2, 12]);
    expect(tg.flatten(x, 0).shape).toEqual([24]);
    expect(x.view(6, 4).shape).toEqual([6, 4]);
    expect(tg.unsqueeze(x, -1).shape).toEqual([2, 3, 4, 1]);
    expect(() => tg.reshape(x, [5, 5])).toThrow(
      'reshape: cannot reshape [2,3,4] (24 elements) into [5,5] (25 elements)',
    );
    expect(() => tg.reshape(x, [-1, -1])).toThrow(/at most one dimension may be -1/);
    expect(() => tg.expand(tg.zeros([2]), [3])).toThrow(/cannot be broadcast/);
  });
});

describe('matmul', () => {
  const variants: [boolean, boolean][] = [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ];
  for (const [tA, tB] of variants) {
    it(`2-D transposeA=${tA} transposeB=${tB}: gradients match`, () => {
      const a = rand64(tA ? [4, 3] : [3, 4], 1);
      const b = rand64(tB ? [5, 4] : [4, 5], 2);
      expectGradientsMatch((x, y) => tg.matmul(x, y, { transposeA: tA, transposeB: tB }), [a, b]);
    });
    it(`batched 3-D transposeA=${tA} transposeB=${tB}, incl. a shared 2-D operand: gradients match`, () => {
      const a = rand64(tA ? [2, 4, 3] : [2, 3, 4], 3);
      const b = rand64(tB ? [2, 5, 4] : [2, 4, 5], 4);
      const w = rand64(tB ? [5, 4] : [4, 5], 5);
      expectGradientsMatch((x, y) => tg.matmul(x, y, { transposeA: tA, transposeB: tB }), [a, b]);
      expectGradientsMatch((x, y) => tg.matmul(x, y, { transposeA: tA, transposeB: tB }), [a, w]);
    });
  }

  it('transposed operands equal explicitly transposed products', () => {
    const a = tg.tensor(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      undefined,
      { dtype: 'float64' },
    ); // [3,2]
    const b = tg.tensor(
      [
        [1, 0, 2],
        [0, 1, 3],
      ],
      undefined,
      { dtype: 'float64' },
    ); // [2,3]
    expect(tg.matmul(a, b).toNested()).toEqual([
      [1, 2, 8],
      [3, 4, 18],
      [5, 6, 28],
    ]);
    // aᵀ·bᵀ = (b·a)ᵀ; b·a = [[11,14],[18,22]]
    expect(tg.matmul(a, b, { transposeA: true, transposeB: true }).toNested()).toEqual([
      [11, 18],
      [14, 22],
    ]);
  });

  it('inner-dimension mismatch names the op and both shapes', () => {
    expect(() => tg.matmul(tg.zeros([64, 784]), tg.zeros([128, 10]))).toThrow(
      'matmul: [64,784] @ [128,10]: inner dimensions 784 and 128 differ',
    );
    expect(() => tg.matmul(tg.zeros([2, 3]), tg.zeros([3]))).toThrow(/2-D or 3-D/);
  });
});

describe('finiteProbe', () => {
  const { referenceBackend } = tg;
  // The same op on a backend without the primitive: the sum(x − x) fallback.
  tg.registerBackend({ ...referenceBackend, name: 'no-finite-probe', finiteProbe: undefined });
  const values = (n: number, at: number, bad: number) =>
    Array.from({ length: n }, (_, i) => (i === at ? bad : Math.sin(i) * 1e30));
  for (const backend of ['reference', 'no-finite-probe']) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${backend}, ${dtype}: 0 when all finite (even when their sum overflows), NaN otherwise`, () => {
        tg.withBackend(backend, () => {
          const probe = (xs: number[]) => {
            const p = tg.finiteProbe(tg.tensor(xs, [xs.length], { dtype, requiresGrad: true }));
            expect(p.shape).toEqual([]);
            expect(p.requiresGrad).toBe(false);
            return p.item();
          };
          // float32 values near 3.4e38: their float32 sum would overflow; the probe does not.
          expect(probe(Array.from({ length: 9 }, () => 3e38))).toBe(0);
          expect(probe(values(7, -1, 0))).toBe(0);
          for (const bad of [NaN, Infinity, -Infinity])
            for (const at of [0, 3, 6]) expect(probe(values(7, at, bad))).toBeNaN();
          expect(probe([])).toBe(0);
        });
      });
    }
  }
});
