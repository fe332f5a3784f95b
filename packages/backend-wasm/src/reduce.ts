/**
 * Float32 and float64 sum / max / min over any set of axes, without the reference's per-element odometer.
 * Adjacent axes that are both reduced or both kept are merged and size-1 axes dropped, so the
 * input becomes a few alternating runs (the conv bias gradient [B, O, H·W] over [0, 2] is
 * reduced-kept-reduced); the walk then goes row by row over the innermost run: a reduced inner run
 * folds into one output element, a kept inner run adds element-wise into a row of the output.
 *
 * Sums accumulate in float64 and round once at the end, as the reference does, each output's terms
 * in memory order as there: float64 sums agree bit for bit, float32 sums to float32 rounding
 * (where several outputs are summed side by side, each keeps its order). max and min follow the
 * reference exactly (NaN propagates).
 */
import type { ReduceOp, Shape } from '@thermograd/autograd';
import { release, take } from './buffer-pool.js';
import type { Floats } from './elementwise.js';

export function reduceFloats<A extends Floats>(
  op: ReduceOp,
  x: A,
  shape: Shape,
  axes: readonly number[],
): A {
  const dtype = x instanceof Float32Array ? 'float32' : 'float64';
  // Collapsed dims with their kind; outStride is the output step along a kept dim (0 if reduced).
  const dims: number[] = [];
  const reduced: boolean[] = [];
  let outSize = 1;
  let size = 1;
  for (let axis = 0; axis < shape.length; axis++) {
    const d = shape[axis];
    size *= d;
    const r = axes.includes(axis);
    if (!r) outSize *= d;
    if (d === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && reduced[last] === r) dims[last] *= d;
    else {
      dims.push(d);
      reduced.push(r);
    }
  }
  const init = op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity;
  if (size === 0) return take(dtype, outSize).fill(init) as A;
  if (dims.length === 0) {
    dims.push(1);
    reduced.push(false);
  }
  const rank = dims.length;
  const outStrides = new Array<number>(rank).fill(0);
  for (let axis = rank - 1, step = 1; axis >= 0; axis--) {
    if (!reduced[axis]) {
      outStrides[axis] = step;
      step *= dims[axis];
    }
  }
  const acc = op === 'sum' ? take('float64', outSize).fill(0) : take(dtype, outSize).fill(init);
  const n = dims[rank - 1];
  const innerReduced = reduced[rank - 1];
  const counter = new Array<number>(rank).fill(0);
  // Rows of a reduced inner run that land on consecutive outputs (the next axis out is kept and
  // innermost among the kept): their sums are independent, so four are summed side by side, each
  // in its own order as before (same bits); one chain of dependent float64 adds is latency-bound.
  const side =
    op === 'sum' && innerReduced && rank >= 2 && !reduced[rank - 2] && outStrides[rank - 2] === 1
      ? dims[rank - 2]
      : 0;
  let o = 0;
  for (let i = 0; i < size; i += n) {
    if (side > 0 && counter[rank - 2] + 4 <= side) {
      let s0 = acc[o];
      let s1 = acc[o + 1];
      let s2 = acc[o + 2];
      let s3 = acc[o + 3];
      for (let j = 0, i1 = i + n, i2 = i1 + n, i3 = i2 + n; j < n; j++) {
        s0 += x[i + j];
        s1 += x[i1 + j];
        s2 += x[i2 + j];
        s3 += x[i3 + j];
      }
      acc[o] = s0;
      acc[o + 1] = s1;
      acc[o + 2] = s2;
      acc[o + 3] = s3;
      // Three of the four rows' steps here (no carry: the kept axis has four more), the last below.
      i += 3 * n;
      o += 3;
      counter[rank - 2] += 3;
    } else if (innerReduced) {
      let s = acc[o];
      if (op === 'sum') for (let j = 0; j < n; j++) s += x[i + j];
      else if (op === 'max') {
        for (let j = 0; j < n; j++) {
          const v = x[i + j];
          if (v > s || v !== v) s = v;
        }
      } else {
        for (let j = 0; j < n; j++) {
          const v = x[i + j];
          if (v < s || v !== v) s = v;
        }
      }
      acc[o] = s;
    } else if (op === 'sum') {
      for (let j = 0; j < n; j++) acc[o + j] += x[i + j];
    } else if (op === 'max') {
      for (let j = 0; j < n; j++) {
        const v = x[i + j];
        if (v > acc[o + j] || v !== v) acc[o + j] = v;
      }
    } else {
      for (let j = 0; j < n; j++) {
        const v = x[i + j];
        if (v < acc[o + j] || v !== v) acc[o + j] = v;
      }
    }
    for (let axis = rank - 2; axis >= 0; axis--) {
      o += outStrides[axis];
      if (++counter[axis] < dims[axis]) break;
      o -= outStrides[axis] * dims[axis];
      counter[axis] = 0;
    }
  }
  if (op !== 'sum' || dtype === 'float64') return acc as A;
  // The float64 sums round once into the float32 result; the accumulator goes back to the pool.
  const out = take('float32', outSize);
  for (let i = 0; i < outSize; i++) out[i] = acc[i];
  release(acc);
  return out as A;
}
