/**
 * The fast backend's general kernels called directly against the reference, on the shapes a CNN
 * training step produces and on awkward ones: broadcast binary and where (channel bias
 * [B, O, H, W] + [1, O, 1, 1], rows, columns, scalars, size-1 and missing axes, empty), reductions
 * over any axis set ([0, 2, 3] per-channel sums included, NaN for max/min), permutes, and max/avg
 * pooling with padding, strides, ties, −∞ and NaN. Element-wise, layout and pooling kernels must
 * agree bit for bit; sums to float32 rounding (they accumulate in float64).
 */
import { describe, expect, it } from 'vitest';
import {
  Generator,
  getBackend,
  listBackends,
  referenceBackend as ref,
  type Conv2dGeometry,
} from '@thermograd/autograd';
import '../../src/index.js';
import { geometry } from '../../../autograd/test/helpers.js';
import { BINARY_OPS, conformanceTolerance } from '@thermograd/autograd/testing';

const others = listBackends().filter((b) => b !== 'reference');
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function randomF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = new Generator(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + rng.uniform() * (hi - lo);
  return out;
}

/** Values from a small set, so windows and rows hold ties; some NaN / ±∞ when asked. */
function tiedF32(n: number, seed: number, specials = false): Float32Array {
  const rng = new Generator(seed);
  const pool = specials ? [-1, 0, 0.5, 2, -Infinity, Infinity, NaN] : [-1, 0, 0.5, 2];
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++)
    out[i] = pool[rng.int(specials && rng.uniform() < 0.8 ? 4 : pool.length)];
  return out;
}

const bits = (a: ArrayLike<number>) => Array.from(a);

// [a, b, out]
const BROADCASTS: [number[], number[], number[]][] = [
  [
    [4, 3, 5, 7],
    [1, 3, 1, 1],
    [4, 3, 5, 7],
  ], // conv channel bias, 4-D
  [
    [4, 3, 35],
    [3, 1],
    [4, 3, 35],
  ], // conv channel bias as the op layer passes it
  [
    [1, 3, 1, 1],
    [4, 3, 5, 7],
    [4, 3, 5, 7],
  ],
  [[6, 9], [9], [6, 9]],
  [
    [6, 1],
    [1, 9],
    [6, 9],
  ], // outer product
  [
    [6, 9],
    [6, 1],
    [6, 9],
  ], // column
  [
    [1, 9],
    [6, 1],
    [6, 9],
  ],
  [[6, 9], [], [6, 9]],
  [[], [6, 9], [6, 9]],
  [[], [], []],
  [[1], [1, 1, 1], [1, 1, 1]],
  [
    [2, 1, 9],
    [3, 1],
    [2, 3, 9],
  ],
  [
    [5, 1, 7, 1],
    [1, 4, 1, 3],
    [5, 4, 7, 3],
  ], // alternating broadcasts, inner axis broadcast in a
  [
    [3, 4, 5],
    [3, 4, 5],
    [3, 4, 5],
  ],
  [
    [2, 1, 3],
    [2, 4, 3],
    [2, 4, 3],
  ],
  [[0, 5], [5], [0, 5]],
];

for (const name of others) {
  const backend = getBackend(name);
  describe(`fast kernels: ${name} against reference`, () => {
    for (const op of BINARY_OPS) {
      it(`binary ${op} under every broadcast, bit for bit`, () => {
        for (const [as, bs, os] of BROADCASTS) {
          // Ties and specials matter for comparisons and maximum; pow wants positive bases.
          const a = op === 'pow' ? randomF32(size(as), 1, 0.1, 3) : tiedF32(size(as), 1, true);
          const b = op === 'pow' ? randomF32(size(bs), 2, -2, 2) : tiedF32(size(bs), 2, true);
          const got = backend.read(backend.binary(op, a, as, b, bs, os, 'float32'), 'float32');
          const want = ref.binary(op, a, as, b, bs, os, 'float32') as Float32Array;
          expect(bits(got), `${op} ${JSON.stringify([as, bs])}`).toEqual(bits(want));
        }
      });
    }

    it('binary add of a hand-computed channel bias', () => {
      // y[b, o, p] = x[b, o, p] + bias[o]
      const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      const bias = Float32Array.from([100, 200]);
      const got = backend.read(
        backend.binary('add', x, [2, 2, 3], bias, [2, 1], [2, 2, 3], 'float32'),
        'float32',
      );
      expect(bits(got)).toEqual([101, 102, 103, 204, 205, 206, 107, 108, 109, 210, 211, 212]);
    });

    it('where under broadcasts, bit for bit', () => {
      const cases: [number[], number[], number[], number[]][] = [
        [
          [4, 3, 5],
          [4, 3, 5],
          [4, 3, 5],
          [4, 3, 5],
        ],
        [[3, 5], [5], [3, 1], [3, 5]],
        [[1, 3, 1], [4, 3, 5], [], [4, 3, 5]],
        [
          [4, 1, 5],
          [1, 3, 1],
          [4, 3, 5],
          [4, 3, 5],
        ],
        [[], [2, 2], [2, 2], [2, 2]],
      ];
      for (const [cs, as, bs, os] of cases) {
        const c = tiedF32(size(cs), 3).map((v) => (v > 0 ? 1 : 0));
        const a = randomF32(size(as), 4);
        const b = randomF32(size(bs), 5);
        const got = backend.read(backend.where(c, cs, a, as, b, bs, os, 'float32'), 'float32');
        expect(bits(got), JSON.stringify([cs, as, bs])).toEqual(
          bits(ref.where(c, cs, a, as, b, bs, os, 'float32') as Float32Array),
        );
      }
    });

    const REDUCTIONS: [number[], number[]][] = [
      [
        [8, 16, 13, 11],
        [0, 2, 3],
      ], // conv bias gradient
      [
        [8, 16, 143],
        [0, 2],
      ],
      [[8, 16, 13, 11], [0]],
      [[8, 16, 13, 11], [3]],
      [
        [8, 16, 13, 11],
        [1, 2],
      ],
      [
        [8, 16, 13, 11],
        [0, 1, 2, 3],
      ],
      [
        [8, 16, 13, 11],
        [1, 3],
      ],
      [
        [5, 1, 7, 1],
        [1, 3],
      ], // only size-1 axes reduced
      [
        [5, 1, 7, 1],
        [0, 1],
      ],
      [[1, 1], [0]],
      [[3, 0, 2], [1]],
      [
        [3, 0, 2],
        [0, 2],
      ],
      [[257, 3], [0]],
    ];
    for (const op of ['sum', 'max', 'min'] as const) {
      it(`reduce ${op} over any axis set${op === 'sum' ? '' : ', NaN and ties, bit for bit'}`, () => {
        for (const [shape, axes] of REDUCTIONS) {
          const x = op === 'sum' ? randomF32(size(shape), 6) : tiedF32(size(shape), 6, true);
          const got = backend.read(backend.reduce(op, x, shape, axes, 'float32'), 'float32');
          const want = ref.reduce(op, x, shape, axes, 'float32') as Float32Array;
          if (op === 'sum')
            expect(got, JSON.stringify([shape, axes])).toBeAllClose(
              want,
              conformanceTolerance(want, 1e-5),
            );
          else expect(bits(got), JSON.stringify([shape, axes])).toEqual(bits(want));
        }
      });
    }

    it('reduce sum over [0, 2, 3] equals hand-computed channel sums', () => {
      // x[b, c, h, w] = c + 1 everywhere: each channel sums to (c + 1)·B·H·W.
      const shape = [3, 2, 5, 7];
      const x = new Float32Array(size(shape)).map((_, i) => (Math.floor(i / 35) % 2) + 1);
      expect(
        bits(backend.read(backend.reduce('sum', x, shape, [0, 2, 3], 'float32'), 'float32')),
      ).toEqual([105, 210]);
    });

    it('permute over 2-D to 5-D patterns (NCHW↔NHWC included), bit for bit', () => {
      const cases: [number[], number[]][] = [
        [
          [4, 3, 5, 7],
          [0, 2, 3, 1],
        ],
        [
          [4, 5, 7, 3],
          [0, 3, 1, 2],
        ],
        [
          [4, 3, 35],
          [1, 0, 2],
        ],
        [
          [4, 3, 5, 7],
          [1, 0, 2, 3],
        ],
        [
          [33, 70],
          [1, 0],
        ],
        [
          [2, 1, 3, 1, 4],
          [4, 3, 2, 1, 0],
        ],
        [
          [3, 4],
          [0, 1],
        ],
        [[1], [0]],
        [
          [0, 3],
          [1, 0],
        ],
      ];
      for (const dtype of ['float32', 'float64'] as const) {
        for (const [shape, perm] of cases) {
          const xs = randomF32(size(shape), 7);
          const x = dtype === 'float64' ? Float64Array.from(xs) : xs;
          const got = backend.read(backend.permute(x, shape, perm, dtype), dtype);
          expect(bits(got), JSON.stringify([shape, perm])).toEqual(
            bits(ref.read(ref.permute(x, shape, perm, dtype), dtype)),
          );
        }
      }
    });

    const POOLS: Conv2dGeometry[] = [
      geometry(4, 3, 28, 28, [2, 2], [2, 2], [0, 0]), // the demo CNN's pools
      geometry(2, 3, 9, 11, [2, 2], [2, 2], [0, 0]), // odd sizes: last row/column dropped
      geometry(2, 2, 7, 6, [3, 3], [2, 2], [1, 1]), // padding
      geometry(1, 2, 5, 8, [3, 2], [1, 3], [1, 1]), // overlapping rows, strided columns
      geometry(1, 1, 6, 6, [4, 4], [1, 1], [2, 2]), // windows that are mostly padding
      geometry(3, 1, 1, 1, [1, 1], [1, 1], [0, 0]),
    ];
    for (const dtype of ['float32', 'float64'] as const) {
      it(`maxPool2d and its backward: padding, strides, ties, −∞ and NaN (${dtype}), bit for bit`, () => {
        for (const g of POOLS) {
          for (const specials of [false, true]) {
            const xs = tiedF32(g.n * g.c * g.h * g.w, 8, specials);
            const x = dtype === 'float64' ? Float64Array.from(xs) : xs;
            const got = backend.maxPool2d(x, g, dtype);
            const want = ref.maxPool2d(x, g, dtype);
            const label = JSON.stringify(g);
            expect(bits(backend.read(got.y, dtype)), label).toEqual(bits(ref.read(want.y, dtype)));
            expect(bits(got.argmax), label).toEqual(bits(want.argmax));
            const dy = randomF32(g.n * g.c * g.outH * g.outW, 9);
            const d = dtype === 'float64' ? Float64Array.from(dy) : dy;
            expect(
              bits(backend.read(backend.maxPool2dBackward(d, got.argmax, g, dtype), dtype)),
              label,
            ).toEqual(bits(ref.read(ref.maxPool2dBackward(d, want.argmax, g, dtype), dtype)));
          }
        }
      });

      it(`avgPool2d and its backward: padding counted as zeros (${dtype}), bit for bit`, () => {
        for (const g of POOLS) {
          const xs = randomF32(g.n * g.c * g.h * g.w, 10);
          const x = dtype === 'float64' ? Float64Array.from(xs) : xs;
          const label = JSON.stringify(g);
          expect(bits(backend.read(backend.avgPool2d(x, g, dtype), dtype)), label).toEqual(
            bits(ref.read(ref.avgPool2d(x, g, dtype), dtype)),
          );
          const dy = randomF32(g.n * g.c * g.outH * g.outW, 11);
          const d = dtype === 'float64' ? Float64Array.from(dy) : dy;
          expect(bits(backend.read(backend.avgPool2dBackward(d, g, dtype), dtype)), label).toEqual(
            bits(ref.read(ref.avgPool2dBackward(d, g, dtype), dtype)),
          );
        }
      });
    }

    it('maxPool2d picks the first of tied maxima and lets NaN win (hand-computed)', () => {
      // One 2×4 plane, 2×2 windows: [[1, 3, NaN, 0], [3, 2, 5, 9]] -> windows {1,3,3,2}, {NaN,0,5,9}.
      const x = Float32Array.from([1, 3, NaN, 0, 3, 2, 5, 9]);
      const g = geometry(1, 1, 2, 4, [2, 2], [2, 2], [0, 0]);
      const { y, argmax } = backend.maxPool2d(x, g, 'float32');
      expect(bits(backend.read(y, 'float32'))).toEqual([3, NaN]);
      expect(bits(argmax)).toEqual([1, 2]);
    });

    it('batched matmul with one side shared equals the per-matrix products bit for bit', () => {
      // [batch, m, k, n]: conv-shaped (m < k, swapped; m ≥ k, B side by side), odd sizes, and one
      // large enough to be split across threads.
      for (const [batch, m, k, n] of [
        [5, 16, 25, 36],
        [3, 9, 4, 13],
        [4, 32, 400, 100],
        [2, 7, 300, 5],
      ]) {
        for (const [aBatched, bBatched] of [
          [true, false],
          [false, true],
        ]) {
          for (const transA of [false, true]) {
            for (const transB of [false, true]) {
              const a = randomF32((aBatched ? batch : 1) * m * k, 14);
              const b = randomF32((bBatched ? batch : 1) * k * n, 15);
              const p = { batch, m, k, n, transA, transB, aBatched, bBatched };
              const got = backend.read(backend.matmul(a, b, p, 'float32'), 'float32');
              const label = JSON.stringify(p);
              const want = ref.matmul(a, b, p, 'float32') as Float32Array;
              expect(got, label).toBeAllClose(want, conformanceTolerance(want, 1e-4));
              const one = { ...p, batch: 1, aBatched: true, bBatched: true };
              const each = Array.from({ length: batch }, (_, t) => {
                const at = aBatched ? a.subarray(t * m * k, (t + 1) * m * k) : a;
                const bt = bBatched ? b.subarray(t * k * n, (t + 1) * k * n) : b;
                return bits(backend.read(backend.matmul(at, bt, one, 'float32'), 'float32'));
              });
              expect(bits(got), label).toEqual(each.flat());
            }
          }
        }
      }
    });

    it('im2col and col2im for the demo CNN geometries and odd ones, bit for bit', () => {
      for (const g of [
        geometry(2, 1, 28, 28, [5, 5], [1, 1], [2, 2]),
        geometry(2, 16, 14, 14, [5, 5], [1, 1], [0, 0]),
        geometry(1, 3, 7, 9, [3, 4], [2, 3], [1, 2]),
        geometry(2, 3, 6, 7, [3, 3], [1, 1], [1, 1]), // 3×3: the unrolled interior rows
        geometry(1, 2, 9, 8, [3, 3], [2, 2], [0, 1]),
        geometry(1, 2, 11, 12, [5, 5], [2, 3], [1, 2]),
        geometry(1, 2, 3, 3, [5, 5], [1, 1], [2, 2]), // kernel wider than the image
      ]) {
        const x = randomF32(g.n * g.c * g.h * g.w, 12);
        expect(bits(backend.read(backend.im2col(x, g, 'float32'), 'float32'))).toEqual(
          bits(ref.read(ref.im2col(x, g, 'float32'), 'float32')),
        );
        const cols = randomF32(g.n * g.outH * g.outW * g.c * g.kh * g.kw, 13);
        expect(bits(backend.read(backend.col2im(cols, g, 'float32'), 'float32'))).toEqual(
          bits(ref.read(ref.col2im(cols, g, 'float32'), 'float32')),
        );
      }
    });
  });
}
