/**
 * Kernels called directly on every non-reference backend against the reference kernels: matmul at
 * odd sizes, sizes above 1000 and inner sizes that cross the fast backend's k-blocking, in all four
 * transpose combinations and with batch broadcasting; the broadcast shapes of the element-wise
 * fast paths; sums over leading and trailing axes; im2col/col2im over several geometries.
 */
import { describe, expect, it } from 'vitest';
import {
  Generator,
  getBackend,
  listBackends,
  referenceBackend as ref,
  type BinaryOp,
  type Conv2dGeometry,
  type MatmulParams,
} from '@thermograd/autograd';
import '../../src/index.js';
import { conformanceTolerance } from '@thermograd/autograd/testing';

function randomF32(n: number, seed: number): Float32Array {
  const rng = new Generator(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform() * 2 - 1;
  return out;
}

const others = listBackends().filter((b) => b !== 'reference');

// [m, k, n]: ones, odd sizes, each dimension above 1000 once, k across 256-wide blocks.
const MATMUL_SIZES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 1],
  [7, 1, 33],
  [7, 33, 257],
  [33, 257, 7],
  [257, 7, 33],
  [1025, 33, 7],
  [7, 1100, 9],
  [3, 17, 1031],
  [64, 513, 65],
];

for (const name of others) {
  const backend = getBackend(name);
  describe(`kernels: ${name} against reference`, () => {
    for (const [m, k, n] of MATMUL_SIZES) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          it(`matmul ${m}x${k}x${n} transA=${transA} transB=${transB}`, () => {
            const a = randomF32(m * k, 1);
            const b = randomF32(k * n, 2);
            const p: MatmulParams = {
              batch: 1,
              m,
              k,
              n,
              transA,
              transB,
              aBatched: true,
              bBatched: true,
            };
            const got = backend.read(backend.matmul(a, b, p, 'float32'), 'float32');
            const want = ref.matmul(a, b, p, 'float32') as Float32Array;
            expect(got).toBeAllClose(want, conformanceTolerance(want, 1e-4));
          });
        }
      }
    }

    for (const [aBatched, bBatched] of [
      [true, true],
      [true, false],
      [false, true],
    ]) {
      it(`batched matmul aBatched=${aBatched} bBatched=${bBatched}, all transposes`, () => {
        const [batch, m, k, n] = [3, 5, 19, 10];
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const a = randomF32((aBatched ? batch : 1) * m * k, 3);
            const b = randomF32((bBatched ? batch : 1) * k * n, 4);
            const p: MatmulParams = { batch, m, k, n, transA, transB, aBatched, bBatched };
            const got = backend.read(backend.matmul(a, b, p, 'float32'), 'float32');
            const want = ref.matmul(a, b, p, 'float32') as Float32Array;
            expect(got).toBeAllClose(want, conformanceTolerance(want, 1e-4));
          }
        }
      });
    }

    it('matmul leaves its inputs unchanged and returns fresh storage each call', () => {
      const a = randomF32(6 * 5, 5);
      const b = randomF32(5 * 4, 6);
      const [a0, b0] = [a.slice(), b.slice()];
      const p: MatmulParams = {
        batch: 1,
        m: 6,
        k: 5,
        n: 4,
        transA: false,
        transB: false,
        aBatched: true,
        bBatched: true,
      };
      const first = backend.matmul(a, b, p, 'float32');
      const firstCopy = backend.read(first, 'float32').slice();
      backend.matmul(b, a, { ...p, m: 4, k: 5, n: 6, transA: true, transB: true }, 'float32');
      expect(Array.from(a)).toEqual(Array.from(a0));
      expect(Array.from(b)).toEqual(Array.from(b0));
      expect(Array.from(backend.read(first, 'float32'))).toEqual(Array.from(firstCopy));
    });

    it('matmul in float64 matches the reference exactly', () => {
      const a = Float64Array.from(randomF32(7 * 9, 7));
      const b = Float64Array.from(randomF32(9 * 3, 8));
      const p: MatmulParams = {
        batch: 1,
        m: 7,
        k: 9,
        n: 3,
        transA: false,
        transB: false,
        aBatched: true,
        bBatched: true,
      };
      expect(Array.from(backend.read(backend.matmul(a, b, p, 'float64'), 'float64'))).toEqual(
        Array.from(ref.matmul(a, b, p, 'float64') as Float64Array),
      );
    });

    const shapes: [number[], number[], number[]][] = [
      [
        [5, 9],
        [5, 9],
        [5, 9],
      ],
      [[5, 9], [9], [5, 9]],
      [[9], [5, 9], [5, 9]],
      [
        [5, 9],
        [1, 9],
        [5, 9],
      ],
      [
        [1, 9],
        [5, 9],
        [5, 9],
      ],
      [[5, 9], [], [5, 9]],
      [[], [5, 9], [5, 9]],
      [
        [5, 9],
        [5, 1],
        [5, 9],
      ],
      [
        [2, 1, 9],
        [3, 1],
        [2, 3, 9],
      ],
    ];
    for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'pow'] as BinaryOp[]) {
      it(`binary ${op} under broadcasts`, () => {
        for (const [as, bs, os] of shapes) {
          const a = randomF32(
            as.reduce((x, y) => x * y, 1),
            9,
          ).map((v) => (op === 'pow' ? v + 1.5 : v));
          const b = randomF32(
            bs.reduce((x, y) => x * y, 1),
            10,
          ).map((v) => (op === 'div' ? v + 2 : v));
          const got = backend.read(backend.binary(op, a, as, b, bs, os, 'float32'), 'float32');
          const want = ref.binary(op, a, as, b, bs, os, 'float32') as Float32Array;
          expect(got, `${op} ${JSON.stringify([as, bs])}`).toBeAllClose(
            want,
            conformanceTolerance(want, 1e-6),
          );
        }
      });
    }

    it('relu forward and backward, NaN and signed zero included', () => {
      const x = Float32Array.from([-2, -0, 0, 1e-30, 3, NaN, -Infinity, Infinity]);
      const dy = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
      const y = backend.unary('relu', x, x.length, 'float32', 0, 0);
      expect(Array.from(backend.read(y, 'float32'))).toEqual(
        Array.from(ref.unary('relu', x, x.length, 'float32', 0, 0) as Float32Array),
      );
      const dx = backend.unaryBackward('relu', x, y, dy, x.length, 'float32', 0, 0);
      expect(Array.from(backend.read(dx, 'float32'))).toEqual(
        Array.from(
          ref.unaryBackward(
            'relu',
            x,
            ref.unary('relu', x, 8, 'float32', 0, 0),
            dy,
            8,
            'float32',
            0,
            0,
          ) as Float32Array,
        ),
      );
    });

    const reductions: [number[], number[]][] = [
      [[129, 33], [0]],
      [[129, 33], [1]],
      [
        [3, 4, 5],
        [0, 1],
      ],
      [
        [3, 4, 5],
        [1, 2],
      ],
      [[3, 4, 5], [1]],
      [
        [3, 4, 5],
        [0, 2],
      ],
      [[0, 4], [0]],
      [[4, 0], [1]],
      [[7], [0]],
    ];
    for (const op of ['sum', 'max', 'min'] as const) {
      it(`reduce ${op} over leading, trailing and inner axes, empty tensors included`, () => {
        for (const [shape, axes] of reductions) {
          const x = randomF32(
            shape.reduce((a, b) => a * b, 1),
            11,
          );
          const got = backend.read(backend.reduce(op, x, shape, axes, 'float32'), 'float32');
          const want = ref.reduce(op, x, shape, axes, 'float32') as Float32Array;
          expect(got, `${JSON.stringify([shape, axes])}`).toBeAllClose(
            want,
            conformanceTolerance(want, 1e-5),
          );
        }
      });
    }

    const geometries: Conv2dGeometry[] = [
      {
        n: 2,
        c: 3,
        h: 6,
        w: 5,
        kh: 3,
        kw: 3,
        strideH: 1,
        strideW: 1,
        padH: 1,
        padW: 1,
        outH: 6,
        outW: 5,
      },
      {
        n: 1,
        c: 2,
        h: 7,
        w: 7,
        kh: 3,
        kw: 2,
        strideH: 2,
        strideW: 3,
        padH: 0,
        padW: 1,
        outH: 3,
        outW: 3,
      },
      {
        n: 3,
        c: 1,
        h: 4,
        w: 4,
        kh: 5,
        kw: 5,
        strideH: 1,
        strideW: 1,
        padH: 2,
        padW: 2,
        outH: 4,
        outW: 4,
      },
    ];
    for (const dtype of ['float32', 'float64'] as const) {
      it(`im2col and col2im (${dtype})`, () => {
        for (const g of geometries) {
          const xs = randomF32(g.n * g.c * g.h * g.w, 12);
          const x = dtype === 'float64' ? Float64Array.from(xs) : xs;
          expect(Array.from(backend.read(backend.im2col(x, g, dtype), dtype))).toEqual(
            Array.from(ref.read(ref.im2col(x, g, dtype), dtype)),
          );
          const cs = randomF32(g.n * g.outH * g.outW * g.c * g.kh * g.kw, 13);
          const cols = dtype === 'float64' ? Float64Array.from(cs) : cs;
          const got = backend.read(backend.col2im(cols, g, dtype), dtype);
          const want = ref.read(ref.col2im(cols, g, dtype), dtype);
          expect(got).toBeAllClose(want, conformanceTolerance(want, 1e-6));
        }
      });
    }
  });
}
