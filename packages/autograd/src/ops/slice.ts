/**
 * slice (Python-style ranges per axis) and narrow (torch.narrow). Both take a box out of the
 * tensor; the backward writes the output gradient back into a zero tensor of the input's shape
 * (backend.unslice).
 */
import { fromOp } from '../autograd.js';
import { normalizeAxis, ShapeError, shapesEqual, shapeToString } from '../shape.js';
import { Tensor } from '../tensor.js';
import { assertTensor, installMethods, wrap } from './op-utils.js';

/** The box [begin, begin + size) of x, as a differentiable op. Callers validate the box. */
function sliceBox(
  op: string,
  x: Tensor,
  begin: readonly number[],
  size: readonly number[],
): Tensor {
  if (shapesEqual(size, x.shape)) return x;
  const storage = x.backend.slice(x.storage, x.shape, begin, size, x.dtype);
  const fullShape = x.shape;
  return fromOp(op, wrap(x, storage, size), [x], (dy) => [
    wrap(dy, dy.backend.unslice(dy.storage, size, begin, fullShape, dy.dtype), fullShape),
  ]);
}

/** Python's rule for one slice bound: negative counts from the end, then clamp to [0, dim]. */
function clampBound(v: number, dim: number): number {
  const i = v < 0 ? v + dim : v;
  return Math.min(Math.max(i, 0), dim);
}

/**
 * x[starts[0]:ends[0], starts[1]:ends[1], ...] with Python slice semantics (step 1): negative
 * indices count from the end, bounds are clamped to the axis, an empty range gives size 0. Axes
 * past the end of the arrays are taken whole.
 */
export function slice(x: Tensor, starts: readonly number[], ends: readonly number[]): Tensor {
  assertTensor('slice', x);
  if (!Array.isArray(starts) || !Array.isArray(ends))
    throw new TypeError('slice: starts and ends must be arrays of integers');
  if (starts.length !== ends.length) {
    throw new ShapeError(
      `slice: starts [${starts.join(',')}] and ends [${ends.join(',')}] have different lengths`,
    );
  }
  if (starts.length > x.rank) {
    throw new ShapeError(
      `slice: ${starts.length} ranges given for a tensor of shape ${shapeToString(x.shape)} (rank ${x.rank})`,
    );
  }
  const begin: number[] = [];
  const size: number[] = [];
  x.shape.forEach((dim, axis) => {
    const [s, e] = axis < starts.length ? [starts[axis], ends[axis]] : [0, dim];
    if (!Number.isInteger(s) || !Number.isInteger(e)) {
      throw new TypeError(`slice: bounds must be integers, got ${s}:${e} on axis ${axis}`);
    }
    const b = clampBound(s, dim);
    begin.push(b);
    size.push(Math.max(clampBound(e, dim) - b, 0));
  });
  return sliceBox('slice', x, begin, size);
}

/** The `length` entries of `axis` starting at `start` (negative start counts from the end). */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  assertTensor('narrow', x);
  if (x.rank === 0) throw new ShapeError('narrow: cannot narrow a 0-d tensor');
  const a = normalizeAxis('narrow', axis, x.rank);
  const dim = x.shape[a];
  if (!Number.isInteger(start) || start < -dim || start > dim) {
    throw new RangeError(
      `narrow: start ${start} is out of range for axis ${axis} of size ${dim} in ${shapeToString(x.shape)}`,
    );
  }
  const s = start < 0 ? start + dim : start;
  if (!Number.isInteger(length) || length < 0 || s + length > dim) {
    throw new RangeError(
      `narrow: start ${start} with length ${length} runs past the end of axis ${axis} (size ${dim}) in ${shapeToString(x.shape)}`,
    );
  }
  const begin = x.shape.map((_, i) => (i === a ? s : 0));
  const size = x.shape.map((d, i) => (i === a ? length : d));
  return sliceBox('narrow', x, begin, size);
}

declare module '../tensor.js' {
  interface Tensor {
    narrow(axis: number, start: number, length: number): Tensor;
  }
}
installMethods({ narrow });
