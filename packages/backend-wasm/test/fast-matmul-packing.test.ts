/**
 * The fast backend's matmul with packed operands (src/backend/fast/matmul.ts): every transpose
 * variant and batch arrangement, at sizes that take the packed paths (n ≥ 256, m ≥ 64) and leave
 * partial panels at the edges, against a float64 product of the same float32 operands.
 */
import { describe, expect, it } from 'vitest';
import { Generator, type MatmulParams } from '@thermograd/autograd';
import { fastBackend } from '../src/index.js';

function values(n: number, seed: number): Float32Array {
  const rng = new Generator(seed);
  return Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
}

/** C[t] = op(A[t])·op(B[t]) in float64. */
function naive(a: Float32Array, b: Float32Array, p: MatmulParams): Float64Array {
  const { batch, m, k, n, transA, transB, aBatched, bBatched } = p;
  const out = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    const ab = aBatched ? t * m * k : 0;
    const bb = bBatched ? t * k * n : 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let l = 0; l < k; l++)
          s += a[ab + (transA ? l * m + i : i * k + l)] * b[bb + (transB ? j * k + l : l * n + j)];
        out[(t * m + i) * n + j] = s;
      }
    }
  }
  return out;
}

describe('fast matmul: packed operands', () => {
  const cases: [string, Omit<MatmulParams, 'transA' | 'transB'>][] = [
    ['one product', { batch: 1, m: 131, k: 300, n: 261, aBatched: false, bBatched: false }],
    // Under 64 rows a row-major A stays in place even for wide products (a conv weight gradient).
    ['few rows, wide', { batch: 1, m: 37, k: 300, n: 262, aBatched: false, bBatched: false }],
    ['A batched, B shared', { batch: 3, m: 30, k: 70, n: 259, aBatched: true, bBatched: false }],
    ['A shared, B batched', { batch: 3, m: 66, k: 90, n: 37, aBatched: false, bBatched: true }],
    ['both batched', { batch: 2, m: 65, k: 41, n: 257, aBatched: true, bBatched: true }],
  ];
  for (const [name, shape] of cases) {
    for (const [transA, transB] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ]) {
      it(`${name}, ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'}: matches the float64 product to float32 rounding`, () => {
        const p: MatmulParams = { ...shape, transA, transB };
        const a = values((shape.aBatched ? shape.batch : 1) * shape.m * shape.k, 1);
        const b = values((shape.bBatched ? shape.batch : 1) * shape.k * shape.n, 2);
        const got = fastBackend.matmul(a, b, p, 'float32') as Float32Array;
        const want = naive(a, b, p);
        expect(got.length).toBe(want.length);
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
        // k terms of magnitude ≤ 1 summed in float32: rounding error of order √k·2⁻²⁴·|C|, far below this bound;
        // a misplaced or missing panel row/column is off by O(1).
        expect(worst).toBeLessThan(1e-4 * Math.sqrt(shape.k));
        expect(got.some(Number.isNaN)).toBe(false);
      });
    }
  }
});
