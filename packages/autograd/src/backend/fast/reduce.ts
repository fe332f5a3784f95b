/**
 * Float32 sums over leading or trailing axes of a tensor viewed as a [rows, cols] matrix: the
 * bias gradient (sum over the batch axis) and row sums. Accumulates in float64 like the reference
 * matmul, so results agree with the reference to float32 rounding. Other reductions return
 * undefined and fall back to the reference.
 */
import type { ReduceOp } from '../backend.js';
import type { Shape } from '../../shape.js';

export function reduceF32(op: ReduceOp, x: Float32Array, shape: Shape, axes: readonly number[]): Float32Array | undefined {
  if (op !== 'sum' || axes.length === 0) return undefined;
  const rank = shape.length;
  // Axes must be one contiguous run touching the front or the back of the shape.
  for (let i = 1; i < axes.length; i++) if (axes[i] !== axes[i - 1] + 1) return undefined;
  const leading = axes[0] === 0;
  const trailing = axes[axes.length - 1] === rank - 1;
  if (!leading && !trailing) return undefined;
  let reduced = 1;
  let kept = 1;
  for (let i = 0; i < rank; i++) {
    if (axes.includes(i)) reduced *= shape[i];
    else kept *= shape[i];
  }
  if (leading) {
    // x is [reduced, kept]: add rows into one float64 row.
    const acc = new Float64Array(kept);
    for (let r = 0; r < reduced; r++) {
      const base = r * kept;
      for (let j = 0; j < kept; j++) acc[j] += x[base + j];
    }
    return Float32Array.from(acc);
  }
  // x is [kept, reduced]: one sum per row.
  const out = new Float32Array(kept);
  for (let i = 0; i < kept; i++) {
    let s = 0;
    const base = i * reduced;
    for (let j = 0; j < reduced; j++) s += x[base + j];
    out[i] = s;
  }
  return out;
}
