/**
 * reshape, flatten, squeeze, unsqueeze, expand. Reshape shares storage (storage is immutable except
 * through Tensor.assign on leaves), so it costs nothing; its backward is a reshape back.
 */
import { fromOp } from '../autograd.js';
import {
  assertValidShape,
  normalizeAxis,
  ShapeError,
  shapeToString,
  sizeOf,
  broadcastShapes,
  shapesEqual,
  type Shape,
} from '../shape.js';
import { Tensor } from '../tensor.js';
import { broadcastTo, sumToShape } from './broadcast-grad.js';
import { assertTensor, installMethods, wrap } from './op-utils.js';

/** New shape with the same number of elements; one dimension may be −1 (inferred). */
export function reshape(x: Tensor, shape: Shape): Tensor {
  assertTensor('reshape', x);
  const inferred = shape.filter((d) => d === -1).length;
  if (inferred > 1)
    throw new ShapeError(`reshape: at most one dimension may be -1, got ${shapeToString(shape)}`);
  let target = [...shape];
  if (inferred === 1) {
    const known = sizeOf(shape.filter((d) => d !== -1));
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(
        `reshape: cannot reshape ${shapeToString(x.shape)} (${x.size} elements) into ${shapeToString(shape)}`,
      );
    }
    target = shape.map((d) => (d === -1 ? x.size / known : d));
  }
  assertValidShape(target, 'reshape');
  if (sizeOf(target) !== x.size) {
    throw new ShapeError(
      `reshape: cannot reshape ${shapeToString(x.shape)} (${x.size} elements) into ${shapeToString(shape)} (${sizeOf(target)} elements)`,
    );
  }
  if (shapesEqual(target, x.shape)) return x;
  const inShape = x.shape;
  return fromOp('reshape', wrap(x, x.storage, target), [x], (dy) => [reshape(dy, inShape)]);
}

/** Collapses dimensions startDim..endDim (inclusive) into one; default: all but the first (nn.Flatten). */
export function flatten(x: Tensor, startDim = 1, endDim = -1): Tensor {
  assertTensor('flatten', x);
  const s = normalizeAxis('flatten', startDim, x.rank);
  const e = normalizeAxis('flatten', endDim, x.rank);
  if (s > e)
    throw new ShapeError(
      `flatten: startDim ${startDim} comes after endDim ${endDim} for shape ${shapeToString(x.shape)}`,
    );
  const shape = [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** Removes size-1 dimensions (all, or the one given). */
export function squeeze(x: Tensor, axis?: number): Tensor {
  assertTensor('squeeze', x);
  const a = axis === undefined ? undefined : normalizeAxis('squeeze', axis, x.rank);
  return reshape(
    x,
    x.shape.filter((d, i) => d !== 1 || (a !== undefined && i !== a)),
  );
}

/** Inserts a size-1 dimension at `axis` (which may be x.rank). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  assertTensor('unsqueeze', x);
  const a = normalizeAxis('unsqueeze', axis, x.rank + 1);
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** Broadcasts to a larger shape (a copy here); the backward sums over the broadcast axes. */
export function expand(x: Tensor, shape: Shape): Tensor {
  assertTensor('expand', x);
  const out = broadcastShapes('expand', x.shape, shape);
  if (!shapesEqual(out, shape)) {
    throw new ShapeError(
      `expand: ${shapeToString(x.shape)} cannot be expanded to ${shapeToString(shape)}`,
    );
  }
  if (shapesEqual(x.shape, shape)) return x;
  const inShape = x.shape;
  return fromOp('expand', broadcastTo(x, shape), [x], (dy) => [sumToShape(dy, inShape)]);
}

declare module '../tensor.js' {
  interface Tensor {
    reshape(shape: Shape): Tensor;
    view(...shape: number[]): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
    squeeze(axis?: number): Tensor;
    unsqueeze(axis: number): Tensor;
    expand(shape: Shape): Tensor;
  }
}
installMethods({ reshape, flatten, squeeze, unsqueeze, expand });
Tensor.prototype.view = function (...shape) {
  return reshape(this, shape);
};
