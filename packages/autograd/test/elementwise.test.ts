import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tg from '../src/index.js';
import { UNARY_CASES, unaryLabel } from '../src/testing/index.js';
import { expectGradientsMatch, rand64 } from './helpers.js';

describe('unary ops', () => {
  for (const c of UNARY_CASES) {
    it(`${unaryLabel(c)}: gradient matches central differences`, () => {
      expectGradientsMatch(c.fn, [rand64([3, 4], c.op.length, ...c.smoothRange)]);
    });
  }

  it('forward values on hand-computed cases', () => {
    const x = tg.tensor([-1, 0, 2], undefined, { dtype: 'float64' });
    expect(tg.relu(x).toArray()).toBeAllClose([0, 0, 2], { rtol: 1e-6, atol: 1e-6 });
    expect(tg.leakyRelu(x, 0.1).toArray()).toBeAllClose([-0.1, 0, 2], { rtol: 1e-6, atol: 1e-6 });
    expect(tg.sigmoid(x).toArray()).toBeAllClose([1 / (1 + Math.E), 0.5, 1 / (1 + Math.exp(-2))], {
      rtol: 1e-6,
      atol: 1e-6,
    });
    expect(tg.tanh(x).toArray()).toBeAllClose([Math.tanh(-1), 0, Math.tanh(2)], {
      rtol: 1e-6,
      atol: 1e-6,
    });
    // GELU(1) = Φ(1) = 0.8413447460685429
    expect(tg.gelu(tg.tensor([1], undefined, { dtype: 'float64' })).toArray()).toBeAllClose(
      [0.8413447460685429],
      { rtol: 1e-12, atol: 1e-12 },
    );
    expect(tg.clamp(x, -0.5, 1).toArray()).toBeAllClose([-0.5, 0, 1], { rtol: 1e-6, atol: 1e-6 });
    expect(tg.abs(x).toArray()).toBeAllClose([1, 0, 2], { rtol: 1e-6, atol: 1e-6 });
  });

  it('sigmoid does not overflow for large |x|', () => {
    const y = tg.sigmoid(tg.tensor([-1000, 1000])).toArray();
    expect([...y]).toEqual([0, 1]);
  });

  it('clamp rejects min > max', () => {
    expect(() => tg.clamp(tg.tensor([1]), 2, 1)).toThrow(/min \(2\) is greater than max \(1\)/);
  });
});

const binaries: [string, (a: tg.Tensor, b: tg.Tensor) => tg.Tensor][] = [
  ['add', tg.add],
  ['sub', tg.sub],
  ['mul', tg.mul],
  ['div', tg.div],
  ['maximum', tg.maximum],
  ['minimum', tg.minimum],
];

describe('binary ops with broadcasting', () => {
  const shapePairs: [number[], number[]][] = [
    [
      [3, 4],
      [3, 4],
    ],
    [[3, 4], [4]],
    [
      [3, 1],
      [1, 4],
    ],
    [
      [2, 3, 4],
      [3, 1],
    ],
    [[4], []],
    [[1], [2, 3]],
  ];
  for (const [name, f] of binaries) {
    for (const [sa, sb] of shapePairs) {
      it(`${name} ${JSON.stringify(sa)} ∘ ${JSON.stringify(sb)}: gradients match`, () => {
        const a = rand64(sa, 1, 0.5, 2);
        const b = rand64(sb, 2, -2, -0.5); // disjoint ranges: no ties for maximum/minimum
        expectGradientsMatch(f, [a, b]);
      });
    }
  }

  it('pow with a tensor exponent: gradients match', () => {
    expectGradientsMatch(tg.pow, [rand64([2, 3], 3, 0.5, 2), rand64([3], 4, -1, 2)]);
  });

  it('maximum splits the gradient evenly at ties', () => {
    const a = tg.tensor([1, 2], undefined, { requiresGrad: true });
    const b = tg.tensor([1, 3], undefined, { requiresGrad: true });
    tg.maximum(a, b).sum().backward();
    expect([...a.grad!.toArray()]).toEqual([0.5, 0]);
    expect([...b.grad!.toArray()]).toEqual([0.5, 1]);
  });

  it('forward broadcasting follows NumPy (property-based)', () => {
    const dim = fc.integer({ min: 1, max: 3 });
    fc.assert(
      fc.property(
        fc.array(dim, { minLength: 0, maxLength: 3 }),
        fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        (shape, ones) => {
          // b takes a's trailing shape with some axes set to 1: always broadcastable to a's shape.
          const bShape = shape.map((d, i) => (ones[i] ? 1 : d));
          const a = rand64(shape, 5);
          const b = rand64(bShape, 6);
          const out = tg.add(a, b);
          expect(out.shape).toEqual(shape);
          // Check every element against explicit indexing.
          const av = a.toArray();
          const bv = b.toArray();
          const ov = out.toArray();
          const strides = tg.stridesOf(shape);
          const bStrides = tg.broadcastStrides(bShape, shape);
          for (let i = 0; i < ov.length; i++) {
            let rem = i;
            let bo = 0;
            for (let k = 0; k < shape.length; k++) {
              const idx = Math.floor(rem / strides[k]);
              rem %= strides[k];
              bo += idx * bStrides[k];
            }
            expect(ov[i]).toBeCloseTo(av[i] + bv[bo], 12);
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('incompatible shapes name the op and both shapes', () => {
    expect(() => tg.add(tg.zeros([2, 3]), tg.zeros([4]))).toThrow(
      'add: shapes [2,3] and [4] cannot be broadcast',
    );
  });

  it('mixing dtypes is an error, not a silent conversion, and names the method that converts', () => {
    const a = tg.tensor([1, 2], undefined, { dtype: 'float32' });
    const b = tg.tensor([3, 4], undefined, { dtype: 'float64' });
    expect(() => tg.mul(a, b)).toThrow(
      "mul: dtypes differ (float32 [2] vs float64 [2]); convert one with .to('float32') or .to('float64')",
    );
    // The method the message names exists and makes the product possible.
    expect([...tg.mul(a.to('float64'), b).toArray()]).toEqual([3, 8]);
    expect(tg.mul(a, b.to('float32')).dtype).toBe('float32');
  });

  it("to(dtype) converts (PyTorch's t.to), returns the tensor itself for its own dtype, and is differentiable", () => {
    const x = tg.tensor([0.5, 2], undefined, { dtype: 'float32', requiresGrad: true });
    expect(x.to('float32')).toBe(x);
    const y = x.to('float64');
    expect(y.dtype).toBe('float64');
    y.square().sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect([...x.grad!.toArray()]).toEqual([1, 4]);
    expect(() => x.to('int32' as never)).toThrow(/cast: unknown dtype "int32"/);
  });

  it('numbers are promoted to the tensor dtype', () => {
    const x = tg.tensor([1, 2], undefined, { dtype: 'float64' });
    const y = tg.add(x, 0.5).mul(2);
    expect(y.dtype).toBe('float64');
    expect([...y.toArray()]).toEqual([3, 5]);
  });
});
