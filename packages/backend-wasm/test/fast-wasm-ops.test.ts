/**
 * The fast backend's wasm SIMD kernels (wasm-ops.ts, ops-wat.ts) called directly against the
 * reference backend, bit for bit: relu and its backward, add/sub/mul/div under the broadcasts they
 * take (equal shapes, channel bias, rows, columns, scalars), im2col and col2im (5×5 windows wholly
 * inside the image, padding, strides, other kernel sizes), the 2×2 max pool and its backward.
 * Sizes leave remainders after the four-wide loops (odd lengths, rows and pooled widths that are
 * not multiples of four), values include ±0, ±∞, NaN, subnormals and ties, and outputs start dirty
 * (NaN), so an element the kernel fails to write shows. The backend-level calls check the routing.
 */
import { describe, expect, it } from 'vitest';
import {
  Generator,
  getBackend,
  referenceBackend as ref,
  type BinaryOp,
  type Conv2dGeometry,
} from '@thermograd/autograd';
import '../src/index.js';
import {
  binaryWasm,
  col2imWasm,
  im2colWasm,
  maxPool2x2Wasm,
  reluBackwardWasm,
  reluWasm,
  scatterAddWasm,
} from '../src/wasm-ops.js';
import type { WasmBinaryOp } from '../src/ops-wat.js';
import { geometry } from '../../autograd/test/helpers.js';

const fast = getBackend('fast');
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const bits = (a: ArrayLike<number>) => Array.from(a);
const dirty = (n: number) => new Float32Array(n).fill(NaN);

function values(n: number, seed: number, specials = true): Float32Array {
  const rng = new Generator(seed);
  const pool = [0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-45, 2, -2];
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++)
    out[i] = specials && rng.uniform() < 0.1 ? pool[rng.int(pool.length)] : rng.uniform() * 4 - 2;
  return out;
}

describe('fast backend: wasm kernels against the reference', () => {
  it('relu and its backward, every length remainder, bit for bit', () => {
    for (const n of [1, 3, 4, 5, 2047, 2048, 2049, 2050, 2051, 10_007]) {
      const x = values(n, n);
      const dy = values(n, n + 1);
      const y = dirty(n);
      reluWasm(x, y, n);
      expect(bits(y), `relu ${n}`).toEqual(
        bits(ref.unary('relu', x, n, 'float32', 0, 0) as Float32Array),
      );
      const dx = dirty(n);
      reluBackwardWasm(x, dy, dx, n);
      // The fast backend's relu gradient (elementwise.ts) is dy where x > 0, NaN where x is NaN,
      // else +0; the reference's dy·0 differs only in the sign of that zero and for non-finite dy.
      expect(bits(dx), `relu backward ${n}`).toEqual(
        Array.from(x, (v, i) => (v > 0 ? dy[i] : Number.isNaN(v) ? NaN : 0)),
      );
      const finite = dy.map((v) => (Number.isFinite(v) ? v : 1));
      const want = ref.unaryBackward(
        'relu',
        x,
        ref.unary('relu', x, n, 'float32', 0, 0),
        finite,
        n,
        'float32',
        0,
        0,
      ) as Float32Array;
      reluBackwardWasm(x, finite, dx, n);
      expect(
        Array.from(dx, (v, i) => v === want[i] || (v !== v && want[i] !== want[i])).every(Boolean),
        `relu backward vs reference ${n}`,
      ).toBe(true);
      // Through the backend (wasm from WASM_MIN_ELEMENTS on, JavaScript below): the same bits.
      expect(bits(fast.read(fast.unary('relu', x, n, 'float32', 0, 0), 'float32'))).toEqual(
        bits(y),
      );
    }
  });

  // [a, b, out]: equal shapes, the conv bias (rows with a stride-0 scalar b), [m, n] + [n],
  // a column [m, 1] (b scalar per row), a scalar a (stride-0 a), odd row lengths.
  const BROADCASTS: [number[], number[], number[]][] = [
    [[2051], [2051], [2051]],
    [
      [4, 16, 35],
      [16, 1],
      [4, 16, 35],
    ],
    [
      [3, 8, 784],
      [8, 1],
      [3, 8, 784],
    ],
    [[130, 17], [17], [130, 17]],
    [
      [65, 33],
      [65, 1],
      [65, 33],
    ],
    [[], [70, 31], [70, 31]],
    [
      [70, 1],
      [1, 31],
      [70, 31],
    ],
  ];
  for (const op of ['add', 'sub', 'mul', 'div'] as const) {
    it(`binary ${op} under broadcasts, bit for bit`, () => {
      for (const [as, bs, os] of BROADCASTS) {
        const a = values(size(as), 1);
        const b = values(size(bs), 2);
        const want = bits(ref.binary(op as BinaryOp, a, as, b, bs, os, 'float32') as Float32Array);
        expect(
          bits(fast.read(fast.binary(op, a, as, b, bs, os, 'float32'), 'float32')),
          `${op} ${JSON.stringify([as, bs])}`,
        ).toEqual(want);
      }
      // Directly, one row per call with each stride pattern, below the backend's threshold too.
      for (const n of [1, 5, 8, 19]) {
        const a = values(n, 3);
        const b = values(n, 4);
        const s = values(1, 5, false);
        const cases: [Float32Array, number, Float32Array, number, Float32Array][] = [
          [a, 1, b, 1, ref.binary(op, a, [n], b, [n], [n], 'float32') as Float32Array],
          [a, 1, s, 0, ref.binary(op, a, [n], s, [], [n], 'float32') as Float32Array],
          [s, 0, b, 1, ref.binary(op, s, [], b, [n], [n], 'float32') as Float32Array],
        ];
        for (const [x, jx, y, jy, want] of cases) {
          const out = dirty(n);
          binaryWasm(op as WasmBinaryOp, x, y, out, (emit) => emit(0, jx, 0, jy, 0, n));
          expect(bits(out), `${op} n=${n} strides ${jx}${jy}`).toEqual(bits(want));
        }
      }
    });
  }

  const CONVS: Conv2dGeometry[] = [
    geometry(3, 1, 28, 28, [5, 5], [1, 1], [2, 2]), // the bench CNN's first convolution (padded edges)
    geometry(3, 16, 14, 14, [5, 5], [1, 1], [0, 0]), // its second (every window inside)
    geometry(2, 3, 9, 11, [5, 5], [1, 1], [1, 2]), // odd sizes, uneven padding
    geometry(2, 5, 13, 12, [5, 5], [2, 3], [0, 1]), // strides
    geometry(2, 4, 10, 9, [3, 3], [1, 1], [1, 1]),
    geometry(1, 3, 7, 9, [3, 4], [2, 3], [1, 2]),
    geometry(2, 2, 6, 7, [7, 6], [1, 1], [1, 0]), // windows wider than four, not 5×5
    geometry(1, 2, 3, 3, [5, 5], [1, 1], [2, 2]), // every window reaches into the padding
    geometry(4, 2, 5, 5, [5, 5], [1, 1], [0, 0]), // one window per image
  ];
  it('im2col and col2im: full windows, padding, strides, other kernels, bit for bit', () => {
    for (const g of CONVS) {
      const label = JSON.stringify(g);
      const x = values(g.n * g.c * g.h * g.w, 6, false);
      const patches = g.n * g.outH * g.outW * g.c * g.kh * g.kw;
      const cols = im2colWasm(x, g, dirty(patches));
      const want = ref.read(ref.im2col(x, g, 'float32'), 'float32');
      expect(bits(cols), `im2col ${label}`).toEqual(bits(want));
      expect(
        bits(fast.read(fast.im2col(x, g, 'float32'), 'float32')),
        `backend im2col ${label}`,
      ).toEqual(bits(want));
      const dc = values(patches, 7, false);
      const img = col2imWasm(dc, g, dirty(x.length));
      const wantImg = ref.read(ref.col2im(dc, g, 'float32'), 'float32');
      expect(bits(img), `col2im ${label}`).toEqual(bits(wantImg));
      expect(
        bits(fast.read(fast.col2im(dc, g, 'float32'), 'float32')),
        `backend col2im ${label}`,
      ).toEqual(bits(wantImg));
    }
  });

  it('2×2 max pool and its backward: widths not a multiple of four, ties, −∞ and NaN, bit for bit', () => {
    const rng = new Generator(8);
    for (const g of [
      geometry(3, 16, 28, 28, [2, 2], [2, 2], [0, 0]), // outW 14
      geometry(3, 32, 10, 10, [2, 2], [2, 2], [0, 0]), // outW 5
      geometry(2, 3, 9, 11, [2, 2], [2, 2], [0, 0]), // odd: last row and column dropped
      geometry(5, 7, 2, 16, [2, 2], [2, 2], [0, 0]),
      geometry(4, 1, 6, 2, [2, 2], [2, 2], [0, 0]), // outW 1
    ]) {
      const label = JSON.stringify(g);
      const pool = [-1, 0, 0.5, 2, -Infinity, Infinity, NaN];
      const x = new Float32Array(g.n * g.c * g.h * g.w);
      for (let i = 0; i < x.length; i++)
        x[i] = pool[rng.int(rng.uniform() < 0.8 ? 4 : pool.length)];
      const outSize = g.n * g.c * g.outH * g.outW;
      const y = dirty(outSize);
      const argmax = new Int32Array(outSize).fill(-7);
      maxPool2x2Wasm(x, g, y, argmax);
      const want = ref.maxPool2d(x, g, 'float32');
      expect(bits(y), label).toEqual(bits(ref.read(want.y, 'float32')));
      expect(bits(argmax), label).toEqual(bits(want.argmax));
      const dy = values(outSize, 9, false);
      const dx = dirty(x.length);
      scatterAddWasm(dy, argmax, dx, x.length, g.n * g.c);
      const wantDx = bits(
        ref.read(ref.maxPool2dBackward(dy, want.argmax, g, 'float32'), 'float32'),
      );
      expect(bits(dx), label).toEqual(wantDx);
      const viaBackend = fast.maxPool2d(x, g, 'float32');
      expect(bits(fast.read(viaBackend.y, 'float32')), label).toEqual(bits(y));
      expect(
        bits(fast.read(fast.maxPool2dBackward(dy, viaBackend.argmax, g, 'float32'), 'float32')),
        label,
      ).toEqual(wantDx);
    }
  });

  it('the scatter skips negative indices and adds repeated ones in order', () => {
    const dy = Float32Array.from([1, 2, 0.1, 0.2, 1e8]);
    const argmax = Int32Array.from([0, -1, 3, 3, 3]);
    const dx = dirty(5);
    scatterAddWasm(dy, argmax, dx, 5, 1);
    // 0 + 0.1 + 0.2 + 1e8 in float32, left to right.
    const acc = Math.fround(Math.fround(Math.fround(0 + 0.1) + Math.fround(0.2)) + 1e8);
    expect(bits(dx)).toEqual([1, 0, 0, acc, 0]);
  });
});
