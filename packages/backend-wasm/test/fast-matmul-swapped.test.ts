/**
 * The fast backend's swapped conv-forward product (src/backend/fast/matmul.ts: A shared, B batched
 * and transposed, m < k): computed as the stacked Cᵀ and transposed into [batch, m, n] by the wasm
 * kernel module's 4×4-block transpose (gemm-wat.ts). Odd m and n (every remainder mod 4, so blocks
 * that straddle two matrices and columns past m), both A layouts, against a float64 product and,
 * bit for bit, against the same product one matrix at a time (which takes the unswapped path).
 */
import { describe, expect, it } from 'vitest';
import { Generator, type MatmulParams } from '@thermograd/autograd';
import { fastBackend } from '../src/index.js';

function values(n: number, seed: number): Float32Array {
  const rng = new Generator(seed);
  return Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
}

describe('fast matmul: swapped conv-forward product and its transposed drain', () => {
  // [batch, m, k, n] with m < k (the swapped path), m and n covering every remainder mod 4.
  const shapes = [
    [64, 16, 25, 784],
    [3, 5, 9, 7],
    [2, 6, 25, 10],
    [4, 7, 30, 9],
    [1, 9, 40, 13],
    [5, 13, 27, 6],
    [3, 33, 50, 11],
  ];
  for (const [batch, m, k, n] of shapes) {
    for (const transA of [false, true]) {
      it(`batch ${batch}, m ${m}, k ${k}, n ${n}, ${transA ? 'Aᵀ' : 'A'}·Bᵀ`, () => {
        const p: MatmulParams = {
          batch,
          m,
          k,
          n,
          transA,
          transB: true,
          aBatched: false,
          bBatched: true,
        };
        const a = values(m * k, batch + m);
        const b = values(batch * k * n, k + n);
        const got = fastBackend.matmul(a, b, p, 'float32') as Float32Array;
        expect(got.length).toBe(batch * m * n);
        let worst = 0;
        for (let t = 0; t < batch; t++) {
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let s = 0;
              for (let l = 0; l < k; l++)
                s += a[transA ? l * m + i : i * k + l] * b[t * n * k + j * k + l];
              worst = Math.max(worst, Math.abs(got[(t * m + i) * n + j] - s));
            }
          }
        }
        expect(worst).toBeLessThan(1e-5 * k);
        const one = { ...p, batch: 1 };
        for (let t = 0; t < batch; t++) {
          const each = fastBackend.matmul(
            a,
            b.subarray(t * k * n, (t + 1) * k * n),
            one,
            'float32',
          ) as Float32Array;
          expect(Array.from(got.subarray(t * m * n, (t + 1) * m * n))).toEqual(Array.from(each));
        }
      });
    }
  }
});
