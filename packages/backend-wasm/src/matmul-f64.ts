/**
 * Float64 matmul, C = op(A)·op(B) per batch entry, computed in 2×4 register tiles of C.
 *
 * The reference (packages/autograd/src/backend/reference/matmul.ts) computes each C(i, j) as one
 * dot product, s = 0; s += A(i, l)·B(l, j) for l = 0…k−1, loading two operands per multiply-add.
 * Here eight dot products run side by side, C(i…i+1, j…j+3): each step over l loads two values of
 * op(A) and four of op(B) and does eight multiply-adds, into eight float64 locals the engine keeps
 * in registers. That reuse, not the memory order, is what pays at the lab's sizes (every operand
 * fits in cache). Rows and columns left over from the tiles get one dot product each.
 *
 * Each C(i, j) still starts at +0 and receives the products A(i, l)·B(l, j) in l order, each
 * added in float64 and rounded once on store, exactly the reference's sequence of operations; so
 * the output is bit-identical to it, NaN, infinities and signed zeros included
 * (test/fast-matmul-f64.test.ts). Transposed operands are read through swapped strides, as there.
 */
import type { MatmulParams } from '@thermograd/autograd';
import { take } from './buffer-pool.js';

/** Where op(A) and op(B) of one batch entry live: element (i, l) of op(A) is at a0 + i·aRow + l·aCol. */
interface Operands {
  a: Float64Array;
  b: Float64Array;
  c: Float64Array;
  aRow: number;
  aCol: number;
  bRow: number;
  bCol: number;
}

export function matmulF64(a: Float64Array, b: Float64Array, p: MatmulParams): Float64Array {
  const { batch, m, k, n, transA, transB, aBatched, bBatched } = p;
  const c = take('float64', batch * m * n) as Float64Array;
  const ops: Operands = {
    a,
    b,
    c,
    aRow: transA ? 1 : k,
    aCol: transA ? m : 1,
    bRow: transB ? 1 : n,
    bCol: transB ? k : 1,
  };
  for (let t = 0; t < batch; t++)
    product(ops, aBatched ? t * m * k : 0, bBatched ? t * k * n : 0, t * m * n, m, k, n);
  return c;
}

/** One batch entry: C [m, n] at cBase from op(A) at aBase and op(B) at bBase. */
function product(
  ops: Operands,
  aBase: number,
  bBase: number,
  cBase: number,
  m: number,
  k: number,
  n: number,
): void {
  const { a, b, c, aRow, aCol, bRow, bCol } = ops;
  const mTiled = m - (m % 2);
  const nTiled = n - (n % 4);
  for (let i = 0; i < mTiled; i += 2) {
    const a0 = aBase + i * aRow;
    const a1 = a0 + aRow;
    for (let j = 0; j < nTiled; j += 4) {
      const b0 = bBase + j * bCol;
      const b1 = b0 + bCol;
      const b2 = b1 + bCol;
      const b3 = b2 + bCol;
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0;
      let s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0;
      for (let l = 0; l < k; l++) {
        const x0 = a[a0 + l * aCol];
        const x1 = a[a1 + l * aCol];
        const lb = l * bRow;
        const y0 = b[b0 + lb];
        const y1 = b[b1 + lb];
        const y2 = b[b2 + lb];
        const y3 = b[b3 + lb];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
      }
      const c0 = cBase + i * n + j;
      const c1 = c0 + n;
      c[c0] = s00;
      c[c0 + 1] = s01;
      c[c0 + 2] = s02;
      c[c0 + 3] = s03;
      c[c1] = s10;
      c[c1 + 1] = s11;
      c[c1 + 2] = s12;
      c[c1 + 3] = s13;
    }
    for (let j = nTiled; j < n; j++) {
      dot(ops, a0, bBase + j * bCol, cBase + i * n + j, k);
      dot(ops, a1, bBase + j * bCol, cBase + (i + 1) * n + j, k);
    }
  }
  for (let i = mTiled; i < m; i++)
    for (let j = 0; j < n; j++) dot(ops, aBase + i * aRow, bBase + j * bCol, cBase + i * n + j, k);
}

/** C at `at` ← row of op(A) from aStart · column of op(B) from bStart, the reference's dot product. */
function dot(ops: Operands, aStart: number, bStart: number, at: number, k: number): void {
  const { a, b, aCol, bRow } = ops;
  let s = 0;
  for (let l = 0; l < k; l++) s += a[aStart + l * aCol] * b[bStart + l * bRow];
  ops.c[at] = s;
}
