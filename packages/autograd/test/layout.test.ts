import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tg from '../src/index.js';
import { expectGradientsMatch, rand64 } from './helpers.js';

const f64 = { dtype: 'float64' } as const;
/** 0, 1, 2, ... in the given shape: every element is distinct, so values reveal positions. */
const iota = (shape: number[]) =>
  tg
    .arange(
      0,
      shape.reduce((a, b) => a * b, 1),
      1,
      f64,
    )
    .reshape(shape);
const values = (t: tg.Tensor) => [...t.toArray()];

/** Random shapes of rank 1..4 with dims 1..4 (size-1 axes included). */
const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 });
const permArb = (rank: number) =>
  fc.shuffledSubarray(
    Array.from({ length: rank }, (_, i) => i),
    { minLength: rank, maxLength: rank },
  );

describe('where', () => {
  /** A fixed 1/0 condition with the given shape (not a gradcheck input: it is not differentiable). */
  const condOf = (shape: number[], seed: number) => tg.gt(rand64(shape, seed), 0);

  const cases: [number[], number[], number[]][] = [
    [
      [3, 4],
      [3, 4],
      [3, 4],
    ],
    [[3, 1], [1, 4], [4]],
    [[2, 3, 4], [3, 4], []],
    [[4], [2, 1, 4], [2, 3, 1]],
    [[1], [3, 2], [3, 2]],
  ];
  for (const [sc, sa, sb] of cases) {
    it(`cond ${JSON.stringify(sc)}, a ${JSON.stringify(sa)}, b ${JSON.stringify(sb)}: gradients match`, () => {
      const cond = condOf(sc, 7);
      expectGradientsMatch((a, b) => tg.where(cond, a, b), [rand64(sa, 1), rand64(sb, 2)]);
    });
  }

  it('number operands: gradient reaches the tensor operand only where it is picked', () => {
    const cond = tg.tensor([1, 0, 2, 0], [4], f64);
    expectGradientsMatch((b) => tg.where(cond, 5, b), [rand64([2, 4], 3)]);
    const a = rand64([4], 4).requireGrad();
    tg.sum(tg.where(cond, a, -1)).backward();
    expect(values(a.grad!)).toEqual([1, 0, 1, 0]);
  });

  it('forward values with broadcasting, and no gradient to the condition', () => {
    const cond = tg.tensor([[1], [0]], undefined, f64).requireGrad();
    const a = tg.tensor([1, 2, 3], undefined, f64).requireGrad();
    const b = tg
      .tensor(
        [
          [10, 20, 30],
          [40, 50, 60],
        ],
        undefined,
        f64,
      )
      .requireGrad();
    const y = tg.where(cond, a, b);
    expect(y.shape).toEqual([2, 3]);
    expect(values(y)).toEqual([1, 2, 3, 40, 50, 60]);
    tg.sum(y).backward();
    expect(values(a.grad!)).toEqual([1, 1, 1]); // summed over the broadcast axis: row 0 only
    expect(values(b.grad!)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(cond.grad).toBeNull();
    expect(values(tg.where(tg.tensor([0, 3, -1]), 1, 0))).toEqual([0, 1, 1]); // any nonzero picks a
    expect(values(a.where(tg.tensor([1, 0, 1], undefined, f64), 0))).toEqual([1, 0, 3]);
  });

  it('a condition of another dtype is read by its zero pattern', () => {
    const y = tg.where(
      tg.tensor([0, 1], undefined, { dtype: 'float32' }),
      tg.tensor([1, 2], undefined, f64),
      9,
    );
    expect(y.dtype).toBe('float64');
    expect(values(y)).toEqual([9, 2]);
  });

  it('errors name the shapes', () => {
    expect(() => tg.where(tg.zeros([2, 3]), tg.zeros([4]), 0)).toThrow(
      'where: condition [2,3], a [4] and b [] cannot be broadcast together',
    );
    expect(() => tg.where(1 as unknown as tg.Tensor, 1, 2)).toThrow(
      'where: condition must be a Tensor',
    );
    expect(() =>
      tg.where(tg.zeros([2]), tg.zeros([2], f64), tg.zeros([2], { dtype: 'float32' })),
    ).toThrow(/where: dtypes differ/);
  });
});

describe('permute, transpose, t', () => {
  const perms: [number[], number[]][] = [
    [
      [2, 3, 4],
      [2, 0, 1],
    ],
    [
      [2, 3, 4],
      [1, 0, 2],
    ],
    [
      [2, 3, 4],
      [-1, 0, 1],
    ],
    [
      [1, 3, 1, 2],
      [3, 1, 0, 2],
    ],
    [
      [3, 4],
      [1, 0],
    ],
  ];
  for (const [shape, perm] of perms) {
    it(`permute ${JSON.stringify(shape)} by ${JSON.stringify(perm)}: gradient matches`, () => {
      expectGradientsMatch((x) => tg.permute(x, perm), [rand64(shape, 5)]);
    });
  }

  it('transpose and t: gradients match (negative dims too)', () => {
    expectGradientsMatch((x) => tg.transpose(x, 0, -1), [rand64([2, 3, 4], 6)]);
    expectGradientsMatch((x) => tg.transpose(x, -2, 1), [rand64([2, 1, 3], 7)]);
    expectGradientsMatch((x) => tg.t(x), [rand64([3, 4], 8)]);
  });

  it('forward values on hand-computed cases', () => {
    const m = tg.tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      undefined,
      f64,
    );
    expect(m.t().shape).toEqual([3, 2]);
    expect(m.t().toNested()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    const x = iota([2, 3, 4]);
    const y = x.permute(2, 0, 1);
    expect(y.shape).toEqual([4, 2, 3]);
    // y[k][i][j] = x[i][j][k] = 12i + 4j + k
    expect(values(y).slice(0, 7)).toEqual([0, 4, 8, 12, 16, 20, 1]);
    expect(values(x.permute([2, 0, 1]))).toEqual(values(y));
    expect(values(x.transpose(0, 2))).toEqual(values(tg.permute(x, [2, 1, 0])));
    const v = tg.tensor([1, 2, 3]);
    expect(tg.t(v)).toBe(v); // 1-D: returned as is, as PyTorch
  });

  it('property: permuting by the inverse permutation is the identity', () => {
    fc.assert(
      fc.property(
        shapeArb.chain((shape) => fc.tuple(fc.constant(shape), permArb(shape.length))),
        ([shape, perm]) => {
          const x = iota(shape);
          const inverse = new Array<number>(perm.length);
          perm.forEach((p, i) => (inverse[p] = i));
          const y = tg.permute(x, perm);
          expect(y.shape).toEqual(perm.map((p) => shape[p]));
          const back = tg.permute(y, inverse);
          expect(back.shape).toEqual(shape);
          expect(values(back)).toEqual(values(x));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('property: transposing twice is the identity', () => {
    fc.assert(
      fc.property(
        shapeArb.chain((shape) =>
          fc.tuple(
            fc.constant(shape),
            fc.integer({ min: -shape.length, max: shape.length - 1 }),
            fc.integer({ min: -shape.length, max: shape.length - 1 }),
          ),
        ),
        ([shape, d0, d1]) => {
          const x = iota(shape);
          const back = tg.transpose(tg.transpose(x, d0, d1), d1, d0);
          expect(back.shape).toEqual(shape);
          expect(values(back)).toEqual(values(x));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('errors say what is wrong with the permutation', () => {
    const x = tg.zeros([2, 3, 4]);
    expect(() => tg.permute(x, [0, 1])).toThrow(
      'permute: [0,1] is not a permutation of the axes of [2,3,4]: expected 3 axes, got 2',
    );
    expect(() => tg.permute(x, [0, 1, 1])).toThrow(
      'permute: [0,1,1] is not a permutation of the axes of [2,3,4]: axis 1 appears twice',
    );
    expect(() => tg.permute(x, [0, 1, -1, 2].slice(1))).toThrow('axis 2 appears twice');
    expect(() => tg.permute(x, [0, 1, 3])).toThrow('axis 3 is out of range for rank 3');
    expect(() => tg.transpose(x, 0, 3)).toThrow(
      'transpose: axis 3 is out of range for a tensor of rank 3',
    );
    expect(() => tg.t(x)).toThrow('t: expects a tensor of rank <= 2, got [2,3,4]');
  });
});

describe('slice and narrow', () => {
  const cases: [number[], number[], number[]][] = [
    [
      [4, 5],
      [1, -3],
      [3, 100],
    ],
    [[2, 3, 4], [1], [2]], // trailing axes whole
    [
      [1, 5],
      [0, 1],
      [1, -1],
    ],
    [
      [3, 4],
      [-100, 2],
      [-1, 3],
    ],
  ];
  for (const [shape, starts, ends] of cases) {
    it(`slice ${JSON.stringify(shape)} [${starts}]:[${ends}]: gradient matches`, () => {
      expectGradientsMatch((x) => tg.slice(x, starts, ends), [rand64(shape, 9)]);
    });
  }

  it('narrow: gradients match (negative axis and start)', () => {
    expectGradientsMatch((x) => tg.narrow(x, -1, -3, 2), [rand64([2, 3, 4], 10)]);
    expectGradientsMatch((x) => x.narrow(0, 1, 1), [rand64([3, 1], 11)]);
  });

  it('forward values follow Python slices', () => {
    const x = iota([3, 4]); // [[0,1,2,3],[4,5,6,7],[8,9,10,11]]
    expect(tg.slice(x, [1, -3], [3, 100]).toNested()).toEqual([
      [5, 6, 7],
      [9, 10, 11],
    ]);
    expect(tg.slice(x, [-1], [3]).toNested()).toEqual([[8, 9, 10, 11]]);
    expect(tg.slice(x, [2, 0], [1, 4]).shape).toEqual([0, 4]); // empty range, as x[2:1]
    expect(tg.slice(x, [], [])).toBe(x);
    expect(tg.narrow(x, 1, -2, 2).toNested()).toEqual([
      [2, 3],
      [6, 7],
      [10, 11],
    ]);
    expect(tg.narrow(x, 0, 1, 0).shape).toEqual([0, 4]);
  });

  it('the gradient lands in the sliced box, zeros elsewhere', () => {
    const x = iota([3, 4]).requireGrad();
    tg.sum(tg.slice(x, [1, 1], [2, 3])).backward();
    expect(x.grad!.toNested()).toEqual([
      [0, 0, 0, 0],
      [0, 1, 1, 0],
      [0, 0, 0, 0],
    ]);
  });

  it('errors name the op, the bounds and the shape', () => {
    const x = tg.zeros([3, 4]);
    expect(() => tg.slice(x, [0, 0, 0], [1, 1, 1])).toThrow(
      'slice: 3 ranges given for a tensor of shape [3,4] (rank 2)',
    );
    expect(() => tg.slice(x, [0, 1], [1])).toThrow(
      'slice: starts [0,1] and ends [1] have different lengths',
    );
    expect(() => tg.slice(x, [0.5], [2])).toThrow(
      'slice: bounds must be integers, got 0.5:2 on axis 0',
    );
    expect(() => tg.narrow(x, 1, 3, 2)).toThrow(
      'narrow: start 3 with length 2 runs past the end of axis 1 (size 4) in [3,4]',
    );
    expect(() => tg.narrow(x, 0, -4, 1)).toThrow(
      'narrow: start -4 is out of range for axis 0 of size 3 in [3,4]',
    );
    expect(() => tg.narrow(x, 2, 0, 1)).toThrow(
      'narrow: axis 2 is out of range for a tensor of rank 2',
    );
  });
});

describe('cat and stack', () => {
  const catCases: [number[][], number][] = [
    [
      [
        [2, 3],
        [4, 3],
      ],
      0,
    ],
    [
      [
        [2, 3],
        [2, 1],
        [2, 2],
      ],
      1,
    ],
    [
      [
        [2, 1, 3],
        [2, 2, 3],
      ],
      -2,
    ],
    [
      [
        [1, 2],
        [1, 2],
      ],
      -1,
    ],
  ];
  for (const [shapes, axis] of catCases) {
    it(`cat ${JSON.stringify(shapes)} on axis ${axis}: gradients match`, () => {
      expectGradientsMatch(
        (...xs) => tg.cat(xs, axis),
        shapes.map((s, i) => rand64(s, 20 + i)),
      );
    });
  }
  for (const axis of [0, 1, -1, 2]) {
    it(`stack three [2,3] on axis ${axis}: gradients match`, () => {
      expectGradientsMatch(
        (...xs) => tg.stack(xs, axis),
        [0, 1, 2].map((i) => rand64([2, 3], 30 + i)),
      );
    });
  }

  it('forward values on hand-computed cases', () => {
    const a = tg.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      undefined,
      f64,
    );
    const b = tg.tensor([[5, 6]], undefined, f64);
    expect(tg.cat([a, b]).toNested()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(tg.concat([a, tg.tensor([[7], [8]], undefined, f64)], -1).toNested()).toEqual([
      [1, 2, 7],
      [3, 4, 8],
    ]);
    expect(tg.stack([a, a.mul(10)], 1).toNested()).toEqual([
      [
        [1, 2],
        [10, 20],
      ],
      [
        [3, 4],
        [30, 40],
      ],
    ]);
    expect(tg.stack([tg.scalar(1, f64), tg.scalar(2, f64)]).toNested()).toEqual([1, 2]);
  });

  it('only inputs that require grad get one, each its own slab', () => {
    const a = iota([2, 2]).requireGrad();
    const b = iota([1, 2]);
    const w = tg.tensor(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      undefined,
      f64,
    );
    tg.sum(tg.cat([a, b]).mul(w)).backward();
    expect(a.grad!.toNested()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(b.grad).toBeNull();
  });

  it('property: cat of consecutive slices reconstructs the tensor', () => {
    fc.assert(
      fc.property(
        shapeArb.chain((shape) =>
          fc.tuple(
            fc.constant(shape),
            fc.integer({ min: 0, max: shape.length - 1 }),
            fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }),
          ),
        ),
        ([shape, axis, cuts]) => {
          const x = iota(shape);
          const dim = shape[axis];
          const bounds = [0, ...cuts.map((c) => Math.min(c, dim)).sort((p, q) => p - q), dim];
          const pieces = bounds
            .slice(1)
            .map((end, i) => tg.narrow(x, axis, bounds[i], end - bounds[i]));
          const back = tg.cat(pieces, axis);
          expect(back.shape).toEqual(shape);
          expect(values(back)).toEqual(values(x));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('property: stack inserts an axis of length n, and slab i is tensor i', () => {
    fc.assert(
      fc.property(
        shapeArb.chain((shape) =>
          fc.tuple(
            fc.constant(shape),
            fc.integer({ min: -shape.length - 1, max: shape.length }),
            fc.integer({ min: 1, max: 3 }),
          ),
        ),
        ([shape, axis, n]) => {
          const xs = Array.from({ length: n }, (_, i) => iota(shape).add(100 * i));
          const y = tg.stack(xs, axis);
          const a = axis < 0 ? axis + shape.length + 1 : axis;
          expect(y.shape).toEqual([...shape.slice(0, a), n, ...shape.slice(a)]);
          xs.forEach((x, i) => expect(values(tg.narrow(y, a, i, 1))).toEqual(values(x)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('errors name the offending tensor and the shapes', () => {
    const a = tg.zeros([2, 3]);
    expect(() => tg.cat([a, tg.zeros([2, 3]), tg.zeros([3, 3])], 1)).toThrow(
      'cat: tensor 2 has shape [3,3] but tensor 0 has shape [2,3]; all dimensions except axis 1 must match',
    );
    expect(() => tg.cat([a, tg.zeros([6])])).toThrow(
      'cat: tensor 1 has shape [6] but tensor 0 has shape [2,3]',
    );
    expect(() => tg.cat([])).toThrow('cat: expected a non-empty array of tensors');
    expect(() => tg.cat([tg.scalar(1), tg.scalar(2)])).toThrow(
      'cat: 0-d tensors cannot be concatenated; use stack',
    );
    expect(() => tg.cat([a, a], 2)).toThrow('cat: axis 2 is out of range for a tensor of rank 2');
    expect(() => tg.cat([a, 3 as unknown as tg.Tensor])).toThrow('cat: tensor 1 must be a Tensor');
    expect(() => tg.stack([a, tg.zeros([3, 2])])).toThrow(
      'stack: tensor 1 has shape [3,2] but tensor 0 has shape [2,3]; all must be equal',
    );
    expect(() => tg.stack([a, a], 3)).toThrow(
      'stack: axis 3 is out of range for a tensor of rank 3',
    );
  });
});

describe('indexSelect and gather', () => {
  it('indexSelect: gradients match, repeated indices included', () => {
    expectGradientsMatch((x) => tg.indexSelect(x, 0, [2, 0, 2]), [rand64([3, 4], 40)]);
    expectGradientsMatch(
      (x) => tg.indexSelect(x, -1, new Int32Array([1, 1, 0, 3])),
      [rand64([2, 3, 4], 41)],
    );
    expectGradientsMatch((x) => x.indexSelect(1, tg.tensor([0, 0])), [rand64([2, 1, 3], 42)]);
  });

  it('indexSelect: forward values and accumulated gradient of repeats', () => {
    const x = iota([3, 2]).requireGrad(); // [[0,1],[2,3],[4,5]]
    const y = tg.indexSelect(x, 0, [2, 0, 2]);
    expect(y.toNested()).toEqual([
      [4, 5],
      [0, 1],
      [4, 5],
    ]);
    tg.sum(y).backward();
    expect(x.grad!.toNested()).toEqual([
      [1, 1],
      [0, 0],
      [2, 2],
    ]);
    expect(tg.indexSelect(x, 1, []).shape).toEqual([3, 0]);
  });

  const gatherCases: [number[], number, number[]][] = [
    [[3, 4], 0, [2, 4]],
    [[3, 4], 1, [3, 6]],
    [[2, 3, 4], -1, [2, 2, 5]],
    [[2, 3, 4], 1, [1, 3, 4]],
    [[1, 3], 0, [2, 3]],
  ];
  for (const [shape, axis, indexShape] of gatherCases) {
    it(`gather ${JSON.stringify(shape)} axis ${axis} with index ${JSON.stringify(indexShape)}: gradient matches`, () => {
      const dim = shape[axis < 0 ? axis + shape.length : axis];
      const rng = new tg.Generator(indexShape.length + axis);
      const n = indexShape.reduce((p, q) => p * q, 1);
      const index = tg.tensor(
        Array.from({ length: n }, () => rng.int(dim)),
        indexShape,
      );
      expectGradientsMatch((x) => tg.gather(x, axis, index), [rand64(shape, 43)]);
    });
  }

  it('gather: forward values follow torch.gather', () => {
    const x = tg
      .tensor(
        [
          [1, 2],
          [3, 4],
        ],
        undefined,
        f64,
      )
      .requireGrad();
    // torch.gather(t, 1, [[0,0],[1,0]]) = [[1,1],[4,3]]
    const y = tg.gather(
      x,
      1,
      tg.tensor([
        [0, 0],
        [1, 0],
      ]),
    );
    expect(y.toNested()).toEqual([
      [1, 1],
      [4, 3],
    ]);
    tg.sum(y).backward();
    expect(x.grad!.toNested()).toEqual([
      [2, 0],
      [1, 1],
    ]);
    // axis 0: out[i][j] = x[index[i][j]][j]
    expect(
      x
        .gather(
          0,
          tg.tensor([
            [1, 0],
            [1, 1],
            [0, 0],
          ]),
        )
        .toNested(),
    ).toEqual([
      [3, 2],
      [3, 4],
      [1, 2],
    ]);
    // index smaller than x along the other axes reads the leading corner
    const z = iota([2, 3, 4]);
    expect(tg.gather(z, 2, tg.tensor([[[3]], [[0]]])).toNested()).toEqual([[[3]], [[12]]]);
  });

  it('property: gather with an index broadcast along the other axes equals indexSelect', () => {
    fc.assert(
      fc.property(
        shapeArb.chain((shape) =>
          fc.integer({ min: 0, max: shape.length - 1 }).chain((axis) =>
            fc.tuple(
              fc.constant(shape),
              fc.constant(axis),
              fc.array(fc.integer({ min: 0, max: shape[axis] - 1 }), {
                minLength: 1,
                maxLength: 5,
              }),
            ),
          ),
        ),
        ([shape, axis, picks]) => {
          const x = iota(shape);
          const expected = tg.indexSelect(x, axis, picks);
          const lifted = shape.map((_, k) => (k === axis ? picks.length : 1));
          const index = tg.expand(tg.tensor(picks, lifted), expected.shape);
          expect(values(tg.gather(x, axis, index))).toEqual(values(expected));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('errors name the index, its position and the shapes', () => {
    const x = tg.zeros([3, 4]);
    expect(() => tg.indexSelect(x, 1, [0, 4])).toThrow(
      'indexSelect along axis 1 of [3,4]: index 4 at position 1 is out of range [0, 4)',
    );
    expect(() => tg.indexSelect(x, 0, [-1])).toThrow(
      'index -1 at position 0 is out of range [0, 3)',
    );
    expect(() => tg.indexSelect(x, 0, tg.zeros([2, 2]))).toThrow(
      'indexSelect: indices must be 1-D, got shape [2,2]',
    );
    expect(() => tg.indexSelect(x, 2, [0])).toThrow(
      'indexSelect: axis 2 is out of range for a tensor of rank 2',
    );
    expect(() => tg.gather(x, 1, tg.tensor([[0, 5]]))).toThrow(
      'gather: index 5 at [0,1] is out of range [0, 4) for axis 1 of [3,4]',
    );
    expect(() => tg.gather(x, 0, tg.tensor([[0.5]]))).toThrow(
      'gather: index 0.5 at [0,0] is out of range [0, 3)',
    );
    expect(() => tg.gather(x, 0, tg.tensor([0, 1]))).toThrow(
      'gather: index [2] must have the rank of the input [3,4]',
    );
    expect(() => tg.gather(x, 0, tg.zeros([1, 5]))).toThrow(
      'gather: index [1,5] is larger than the input [3,4] along axis 1 (only axis 0 may be)',
    );
  });
});

describe('oneHot', () => {
  it('rows with a 1 at the label, in the default dtype', () => {
    const y = tg.oneHot([2, 0, 1, 2], 3);
    expect(y.shape).toEqual([4, 3]);
    expect(y.dtype).toBe(tg.getDefaultDType());
    expect(y.toNested()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(y.requiresGrad).toBe(false);
  });

  it('takes a dtype, Int32Array labels and label tensors of any shape', () => {
    const y = tg.oneHot(new Int32Array([1, 0]), 2, { dtype: 'float64' });
    expect(y.dtype).toBe('float64');
    expect(y.toNested()).toEqual([
      [0, 1],
      [1, 0],
    ]);
    const z = tg.oneHot(
      tg.tensor([
        [0, 3],
        [1, 1],
      ]),
      4,
    );
    expect(z.shape).toEqual([2, 2, 4]);
    expect(values(z.sum([0, 1]))).toEqual([1, 2, 0, 1]);
    expect(tg.oneHot([], 5).shape).toEqual([0, 5]);
  });

  it('rows sum to one and pick out the label column: a cross-entropy building block', () => {
    const logits = rand64([4, 3], 50);
    const labels = [2, 0, 1, 1];
    const picked = values(tg.sum(logits.mul(tg.oneHot(labels, 3, f64)), 1));
    expect(picked).toBeAllClose(
      labels.map((c, r) => logits.toArray()[r * 3 + c]),
      { rtol: 0, atol: 0 },
    );
  });

  it('out-of-range labels and bad class counts are clear errors', () => {
    expect(() => tg.oneHot([0, 3, 1], 3)).toThrow(
      'oneHot: label 3 at position 1 is out of range [0, 3)',
    );
    expect(() => tg.oneHot([-1], 3)).toThrow(
      'oneHot: label -1 at position 0 is out of range [0, 3)',
    );
    expect(() => tg.oneHot([1.5], 3)).toThrow(
      'oneHot: label 1.5 at position 0 is out of range [0, 3)',
    );
    expect(() => tg.oneHot([0], 0)).toThrow('oneHot: numClasses must be a positive integer, got 0');
  });
});
