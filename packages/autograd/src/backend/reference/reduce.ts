/**
 * Reference reductions over any set of axes (kept as size 1 in the result).
 *
 * Sums accumulate in float64 and round once into the result's dtype: adding a million float32
 * values one at a time into a float32 total drifts by parts in a thousand (every add rounds to the
 * total's precision), while a float64 total of float32 values stays exact to float32 rounding far
 * beyond the sizes a float32 tensor holds. max and min need no accumulator; NaN propagates.
 */
import type { ReduceOp } from '../backend.js';
import { allocArray, arrayFrom, type DType, type TypedArray } from '../../dtype.js';
import { forEachStrided, sizeOf, stridesOf, type Shape } from '../../shape.js';

export function reduce(
  op: ReduceOp,
  x: TypedArray,
  shape: Shape,
  axes: readonly number[],
  dtype: DType,
): TypedArray {
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outSize = sizeOf(outShape);
  const acc = op === 'sum' ? new Float64Array(outSize) : allocArray(dtype, outSize);
  if (op !== 'sum') acc.fill(op === 'max' ? -Infinity : Infinity);
  // Walk x in order; a reduced axis has output stride 0, so its elements meet in one slot.
  const outStrides = stridesOf(outShape).map((s, i) => (axes.includes(i) ? 0 : s));
  forEachStrided(shape, outStrides, 0, (i, o) => {
    const v = x[i];
    if (op === 'sum') acc[o] += v;
    else if (op === 'max') acc[o] = v > acc[o] || v !== v ? v : acc[o];
    else acc[o] = v < acc[o] || v !== v ? v : acc[o];
  });
  return op !== 'sum' || dtype === 'float64' ? acc : arrayFrom(dtype, acc);
}

/** One element: 0 when all of x's first `size` elements are finite, NaN otherwise. */
export function finiteProbe(x: TypedArray, size: number, dtype: DType): TypedArray {
  const out = allocArray(dtype, 1);
  for (let i = 0; i < size; i++) {
    if (!Number.isFinite(x[i])) {
      out[0] = NaN;
      break;
    }
  }
  return out;
}
