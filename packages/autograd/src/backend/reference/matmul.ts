/**
 * Reference batched matmul. A transposed operand is read through swapped strides, never copied.
 * Accumulates in float64 locals for both dtypes; the result is rounded once on store.
 */
import type { MatmulParams } from '../backend.js';
import { allocArray, type DType, type TypedArray } from '../../dtype.js';

export function matmul(a: TypedArray, b: TypedArray, p: MatmulParams, dtype: DType): TypedArray {
  const { batch, m, k, n, transA, transB, aBatched, bBatched } = p;
  const out = allocArray(dtype, batch * m * n);
  // Element (i, l) of op(A) is at i*aRow + l*aCol; element (l, j) of op(B) at l*bRow + j*bCol.
  const aRow = transA ? 1 : k;
  const aCol = transA ? m : 1;
  const bRow = transB ? 1 : n;
  const bCol = transB ? k : 1;
  for (let t = 0; t < batch; t++) {
    const aBase = aBatched ? t * m * k : 0;
    const bBase = bBatched ? t * k * n : 0;
    const cBase = t * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let l = 0; l < k; l++)
          s += a[aBase + i * aRow + l * aCol] * b[bBase + l * bRow + j * bCol];
        out[cBase + i * n + j] = s;
      }
    }
  }
  return out;
}
