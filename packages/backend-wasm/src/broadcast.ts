/**
 * Broadcast iteration without per-element offset tables: the output's axes are collapsed into as
 * few as possible (an axis merges with the next one when every operand steps through both alike:
 * contiguously, or not at all), size-1 axes vanish, and what remains is walked as rows of the
 * innermost axis. A kernel then runs one tight loop per row with each operand's inner stride 0 or 1.
 *
 * [B, O, H·W] + [O, 1] (the conv bias) becomes rows of H·W with the bias as a stride-0 scalar;
 * [m, n] + [n] becomes m rows against one stride-1 row; a scalar operand is stride 0 everywhere.
 */
import type { Shape } from '@thermograd/autograd';

export interface BroadcastPlan {
  /** Collapsed output dims, outermost first; never empty (a scalar output is [1]). */
  dims: number[];
  /** strides[k][axis]: element step of operand k along each collapsed axis (0 where it broadcasts). */
  strides: number[][];
}

/** Element strides of `shape` broadcast to `out` (right-aligned; 0 on broadcast and missing axes). */
function stridesIn(shape: Shape, out: Shape): number[] {
  const rank = out.length;
  const lead = rank - shape.length;
  const strides = new Array<number>(rank).fill(0);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1) strides[lead + i] = step;
    step *= shape[i];
  }
  return strides;
}

export function broadcastPlan(shapes: readonly Shape[], out: Shape): BroadcastPlan {
  const all = shapes.map((s) => stridesIn(s, out));
  const dims: number[] = [];
  const strides: number[][] = shapes.map(() => []);
  for (let axis = 0; axis < out.length; axis++) {
    const d = out[axis];
    if (d === 1) continue;
    const last = dims.length - 1;
    // Merge into the previous collapsed axis when, for every operand, one step of the previous
    // axis equals d steps of this one (0 = 0 included).
    if (last >= 0 && all.every((s, k) => strides[k][last] === s[axis] * d)) {
      dims[last] *= d;
      for (let k = 0; k < all.length; k++) strides[k][last] = all[k][axis];
    } else {
      dims.push(d);
      for (let k = 0; k < all.length; k++) strides[k].push(all[k][axis]);
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    for (const s of strides) s.push(0);
  }
  return { dims, strides };
}

/**
 * Visits the rows of a collapsed iteration space in ascending order (an odometer over the outer
 * axes): `visit(offsets, row)` for each row of the innermost axis, where offsets[k] is operand k's
 * element offset at the row's start (stepping by strides[k]) and `row` counts rows, so an operand
 * stored contiguously in this order starts at row · dims[last]. `offsets` is one array updated in
 * place: read it during the call.
 */
export function forEachRow(
  dims: readonly number[],
  strides: readonly (readonly number[])[],
  visit: (offsets: readonly number[], row: number) => void,
): void {
  const r = dims.length;
  let rows = 1;
  for (let axis = 0; axis < r - 1; axis++) rows *= dims[axis];
  const counter = new Array<number>(r).fill(0);
  const offsets = new Array<number>(strides.length).fill(0);
  for (let row = 0; row < rows; row++) {
    visit(offsets, row);
    for (let axis = r - 2; axis >= 0; axis--) {
      for (let k = 0; k < offsets.length; k++) offsets[k] += strides[k][axis];
      if (++counter[axis] < dims[axis]) break;
      for (let k = 0; k < offsets.length; k++) offsets[k] -= strides[k][axis] * dims[axis];
      counter[axis] = 0;
    }
  }
}
