/**
 * indexSelect (torch.index_select) picks whole slices along an axis; gather (torch.gather) picks
 * one element per index entry. Both are backend.gather forward and backend.scatterAdd backward,
 * so an index used several times accumulates its gradient.
 */
import { fromOp } from '../autograd.js';
import { forEachStrided, normalizeAxis, ShapeError, shapeToString, stridesOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { assertTensor, installMethods, toIndexArray, wrap } from './op-utils.js';

/** The entries `indices` of `axis`, in that order (repeats allowed): out.shape[axis] = indices.length. */
export function indexSelect(
  x: Tensor,
  axis: number,
  indices: Int32Array | readonly number[] | Tensor,
): Tensor {
  assertTensor('indexSelect', x);
  if (x.rank === 0) throw new ShapeError('indexSelect: cannot index a 0-d tensor');
  const a = normalizeAxis('indexSelect', axis, x.rank);
  if (indices instanceof Tensor && indices.rank > 1) {
    throw new ShapeError(
      `indexSelect: indices must be 1-D, got shape ${shapeToString(indices.shape)}`,
    );
  }
  const idx = toIndexArray(
    `indexSelect along axis ${axis} of ${shapeToString(x.shape)}`,
    indices,
    x.shape[a],
  );
  const outShape = x.shape.map((d, k) => (k === a ? idx.length : d));
  const storage = x.backend.gather(x.storage, x.shape, a, idx, x.dtype);
  const inShape = x.shape;
  return fromOp('indexSelect', wrap(x, storage, outShape), [x], (dy) => [
    wrap(dy, dy.backend.scatterAdd(dy.storage, dy.shape, a, idx, inShape, dy.dtype), inShape),
  ]);
}

/**
 * torch.gather: out has index's shape, and out[i][j][k] = x[index[i][j][k]][j][k] for axis 0,
 * x[i][index[i][j][k]][k] for axis 1, and so on. index has x's rank; along the other axes it may
 * be shorter than x. The flat offsets into x are computed here once, so the kernel is a plain
 * 1-D gather and its adjoint a 1-D scatterAdd.
 */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  assertTensor('gather', x);
  assertTensor('gather', index, 'index');
  if (x.rank === 0) throw new ShapeError('gather: cannot index a 0-d tensor');
  const a = normalizeAxis('gather', axis, x.rank);
  if (index.rank !== x.rank) {
    throw new ShapeError(
      `gather: index ${shapeToString(index.shape)} must have the rank of the input ${shapeToString(x.shape)}`,
    );
  }
  index.shape.forEach((d, k) => {
    if (k !== a && d > x.shape[k]) {
      throw new ShapeError(
        `gather: index ${shapeToString(index.shape)} is larger than the input ${shapeToString(x.shape)} along axis ${k} (only axis ${axis} may be)`,
      );
    }
  });
  const values = index.dataSync();
  const xStrides = stridesOf(x.shape);
  const dimA = x.shape[a];
  const flat = new Int32Array(values.length);
  // `base` is the offset in x of index position p with the gathered axis left at 0.
  const baseStrides = xStrides.map((stride, k) => (k === a ? 0 : stride));
  forEachStrided(index.shape, baseStrides, 0, (p, base) => {
    const v = values[p];
    if (!Number.isInteger(v) || v < 0 || v >= dimA) {
      const at = stridesOf(index.shape).map((stride, k) => Math.floor(p / stride) % index.shape[k]);
      throw new RangeError(
        `gather: index ${v} at [${at.join(',')}] is out of range [0, ${dimA}) for axis ${axis} of ${shapeToString(x.shape)}`,
      );
    }
    flat[p] = base + v * xStrides[a];
  });
  const storage = x.backend.gather(x.storage, [x.size], 0, flat, x.dtype);
  const inShape = x.shape;
  const inSize = x.size;
  return fromOp('gather', wrap(x, storage, index.shape), [x], (dy) => [
    wrap(dy, dy.backend.scatterAdd(dy.storage, [dy.size], 0, flat, [inSize], dy.dtype), inShape),
  ]);
}

declare module '../tensor.js' {
  interface Tensor {
    indexSelect(axis: number, indices: Int32Array | readonly number[] | Tensor): Tensor;
    gather(axis: number, index: Tensor): Tensor;
  }
}
installMethods({ indexSelect, gather });
