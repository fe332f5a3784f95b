/**
 * Walks every element of a broadcast output and yields, for each, the offsets into the inputs.
 * Written once so that binary and where share it; the common cases (equal shapes, scalar operand)
 * are handled by the callers without it.
 */
import { broadcastStrides, sizeOf, type Shape } from '../../shape.js';

/** Fills `offsets[k][i]` with the offset into input k for output element i. */
export function broadcastOffsets(inputShapes: readonly Shape[], outShape: Shape): Int32Array[] {
  const size = sizeOf(outShape);
  const rank = outShape.length;
  const strides = inputShapes.map((s) => broadcastStrides(s, outShape));
  const offsets = inputShapes.map(() => new Int32Array(size));
  const counter = new Array<number>(rank).fill(0);
  const current = inputShapes.map(() => 0);
  for (let i = 0; i < size; i++) {
    for (let k = 0; k < current.length; k++) offsets[k][i] = current[k];
    // Increment the multi-index from the last axis, carrying into earlier ones.
    for (let axis = rank - 1; axis >= 0; axis--) {
      counter[axis]++;
      for (let k = 0; k < current.length; k++) current[k] += strides[k][axis];
      if (counter[axis] < outShape[axis]) break;
      for (let k = 0; k < current.length; k++) current[k] -= strides[k][axis] * outShape[axis];
      counter[axis] = 0;
    }
  }
  return offsets;
}
