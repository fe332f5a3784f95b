/**
 * softmax and logSoftmax along one axis (PyTorch's dim, default the last).
 *
 * Both go through the backend's row-wise log-softmax over [rows, cols], which subtracts the row
 * maximum first, so logits like ±1000 give exact results instead of Inf/NaN. Another axis is
 * permuted to the end and the result permuted back (raw kernel calls, no graph).
 *
 * Backward, with z = logSoftmax(x) and s = softmax(x) = exp(z):
 *   logSoftmax: dx = dz − s · Σ_row dz                      (the backend's logSoftmaxBackward)
 *   softmax:    dx = s ⊙ ds − s · Σ_row (s ⊙ ds)            = logSoftmaxBackward(z, s ⊙ ds)
 */
import { fromOp } from '../autograd.js';
import { normalizeAxis, ShapeError, shapeToString } from '../shape.js';
import { Tensor } from '../tensor.js';
import { assertTensor, binaryRaw, installMethods, unaryRaw, wrap } from './op-utils.js';

/** How a tensor is viewed as [rows, cols] with `axis` last, and how to get there and back. */
interface RowLayout {
  rows: number;
  cols: number;
  /** Permutation moving `axis` to the end, or null when it already is last. */
  perm: number[] | null;
  inverse: number[] | null;
  /** Shape after applying `perm`. */
  permutedShape: number[];
}

function rowLayout(op: string, x: Tensor, axis: number): RowLayout {
  if (x.rank === 0)
    throw new ShapeError(
      `${op}: input must have at least one dimension, got shape ${shapeToString(x.shape)}`,
    );
  const a = normalizeAxis(op, axis, x.rank);
  const cols = x.shape[a];
  const rows = cols === 0 ? 0 : x.size / cols;
  if (a === x.rank - 1)
    return { rows, cols, perm: null, inverse: null, permutedShape: [...x.shape] };
  const perm = [...Array(x.rank).keys()].filter((i) => i !== a).concat(a);
  const inverse = new Array<number>(x.rank);
  perm.forEach((p, i) => (inverse[p] = i));
  return { rows, cols, perm, inverse, permutedShape: perm.map((i) => x.shape[i]) };
}

/** Moves the softmax axis last (a copy only when it is not last already). */
function toRows(t: Tensor, layout: RowLayout): Tensor {
  if (layout.perm === null) return t;
  return wrap(t, t.backend.permute(t.storage, t.shape, layout.perm, t.dtype), layout.permutedShape);
}

/** The inverse of toRows, back to `shape`. */
function fromRows(t: Tensor, layout: RowLayout, shape: readonly number[]): Tensor {
  if (layout.inverse === null) return wrap(t, t.storage, shape);
  return wrap(
    t,
    t.backend.permute(t.storage, layout.permutedShape, layout.inverse, t.dtype),
    shape,
  );
}

function logSoftmaxRows(x: Tensor, layout: RowLayout): Tensor {
  const rowsX = toRows(x, layout);
  return wrap(
    x,
    x.backend.logSoftmax(rowsX.storage, layout.rows, layout.cols, x.dtype),
    layout.permutedShape,
  );
}

/** log(softmax(x)) along `axis`, computed stably (x − logsumexp(x)). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  assertTensor('logSoftmax', x);
  const layout = rowLayout('logSoftmax', x, axis);
  const z = logSoftmaxRows(x, layout);
  return fromOp('logSoftmax', fromRows(z, layout, x.shape), [x], (dy) => {
    const dz = toRows(dy, layout);
    const dx = wrap(
      x,
      x.backend.logSoftmaxBackward(z.storage, dz.storage, layout.rows, layout.cols, x.dtype),
      layout.permutedShape,
    );
    return [fromRows(dx, layout, x.shape)];
  });
}

/** exp(x) / Σ exp(x) along `axis`; each slice along the axis sums to 1. */
export function softmax(x: Tensor, axis = -1): Tensor {
  assertTensor('softmax', x);
  const layout = rowLayout('softmax', x, axis);
  const z = logSoftmaxRows(x, layout);
  const s = unaryRaw('exp', z);
  return fromOp('softmax', fromRows(s, layout, x.shape), [x], (dy) => {
    const ds = toRows(dy, layout);
    const sds = binaryRaw('mul', s, ds);
    const dx = wrap(
      x,
      x.backend.logSoftmaxBackward(z.storage, sds.storage, layout.rows, layout.cols, x.dtype),
      layout.permutedShape,
    );
    return [fromRows(dx, layout, x.shape)];
  });
}

declare module '../tensor.js' {
  interface Tensor {
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
  }
}
installMethods({ softmax, logSoftmax });
