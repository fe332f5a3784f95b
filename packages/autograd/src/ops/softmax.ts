/**
 * softmax and logSoftmax along one axis (PyTorch's dim, default the last).
 *
 * Both go through the backend's row-wise log-softmax over [rows, cols], which subtracts the row
 * maximum first, so logits like ±1000 give exact results instead of Inf/NaN. Another axis is
 * swapped with the last and the result swapped back (outside the graph).
 *
 * Backward, with z = logSoftmax(x) and s = softmax(x) = exp(z):
 *   logSoftmax: dx = dz − s · Σ_row dz                      (the backend's logSoftmaxBackward)
 *   softmax:    dx = s ⊙ ds − s · Σ_row (s ⊙ ds)            = logSoftmaxBackward(z, s ⊙ ds)
 */
import { fromOp, noGrad } from '../autograd.js';
import { normalizeAxis, ShapeError, shapeToString } from '../shape.js';
import { Tensor } from '../tensor.js';
import { assertTensor, binaryRaw, installMethods, unaryRaw, wrap } from './op-utils.js';
import { transpose } from './permute.js';

/** The axis `a` (normalised), and x as [rows, cols] once swapLast has moved `a` last. */
function rowLayout(op: string, x: Tensor, axis: number): { a: number; rows: number; cols: number } {
  if (x.rank === 0)
    throw new ShapeError(
      `${op}: input must have at least one dimension, got shape ${shapeToString(x.shape)}`,
    );
  const a = normalizeAxis(op, axis, x.rank);
  const cols = x.shape[a];
  return { a, rows: cols === 0 ? 0 : x.size / cols, cols };
}

/** t with axis a and the last axis swapped, outside the graph: its own inverse, and t when a is last. */
function swapLast(t: Tensor, a: number): Tensor {
  return noGrad(() => transpose(t, a, -1));
}

/** log(softmax(x)) along `axis`, computed stably (x − logsumexp(x)). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  assertTensor('logSoftmax', x);
  const { a, rows, cols } = rowLayout('logSoftmax', x, axis);
  const xRows = swapLast(x, a);
  const z = wrap(x, x.backend.logSoftmax(xRows.storage, rows, cols, x.dtype), xRows.shape);
  return fromOp('logSoftmax', swapLast(z, a), [x], (dy) => {
    const dz = swapLast(dy, a);
    const dx = x.backend.logSoftmaxBackward(z.storage, dz.storage, rows, cols, x.dtype);
    return [swapLast(wrap(x, dx, z.shape), a)];
  });
}

/** exp(x) / Σ exp(x) along `axis`; each slice along the axis sums to 1. */
export function softmax(x: Tensor, axis = -1): Tensor {
  assertTensor('softmax', x);
  const { a, rows, cols } = rowLayout('softmax', x, axis);
  const xRows = swapLast(x, a);
  const z = wrap(x, x.backend.logSoftmax(xRows.storage, rows, cols, x.dtype), xRows.shape);
  const s = unaryRaw('exp', z);
  return fromOp('softmax', swapLast(s, a), [x], (dy) => {
    const sds = binaryRaw('mul', s, swapLast(dy, a));
    const dx = x.backend.logSoftmaxBackward(z.storage, sds.storage, rows, cols, x.dtype);
    return [swapLast(wrap(x, dx, z.shape), a)];
  });
}

declare module '../tensor.js' {
  interface Tensor {
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
  }
}
installMethods({ softmax, logSoftmax });
