/** Reference reductions over any set of axes (kept as size 1 in the result). */
import type { ReduceOp } from '../backend.js';
import { allocArray, type DType, type TypedArray } from '../../dtype.js';
import { sizeOf, stridesOf, type Shape } from '../../shape.js';

export function reduce(
  op: ReduceOp,
  x: TypedArray,
  shape: Shape,
  axes: readonly number[],
  dtype: DType,
): TypedArray {
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outSize = sizeOf(outShape);
  const out = allocArray(dtype, outSize);
  const init = op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity;
  out.fill(init);
  const outStrides = stridesOf(outShape).map((s, i) => (axes.includes(i) ? 0 : s));
  const rank = shape.length;
  const counter = new Array<number>(rank).fill(0);
  let o = 0;
  const size = sizeOf(shape);
  for (let i = 0; i < size; i++) {
    const v = x[i];
    if (op === 'sum') out[o] += v;
    else if (op === 'max') out[o] = v > out[o] || v !== v ? v : out[o];
    else out[o] = v < out[o] || v !== v ? v : out[o];
    for (let axis = rank - 1; axis >= 0; axis--) {
      counter[axis]++;
      o += outStrides[axis];
      if (counter[axis] < shape[axis]) break;
      o -= outStrides[axis] * shape[axis];
      counter[axis] = 0;
    }
  }
  return out;
}
