/**
 * cat (alias concat) joins tensors along an existing axis; stack joins equally shaped tensors
 * along a new one. The backward hands each input its own slab of the output gradient.
 */
import type { Storage } from '../backend/backend.js';
import { fromOp } from '../autograd.js';
import { normalizeAxis, ShapeError, shapeToString, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertCompatible, assertTensor, wrap } from './op-utils.js';

function checkList(op: string, tensors: readonly Tensor[]): void {
  if (!Array.isArray(tensors))
    throw new TypeError(`${op}: expected an array of tensors, got ${typeof tensors}`);
  if (tensors.length === 0) throw new ShapeError(`${op}: expected a non-empty array of tensors`);
  tensors.forEach((x, i) => assertTensor(op, x, `tensor ${i}`));
  assertCompatible(op, ...tensors);
}

/**
 * Concatenates `inputs` (viewed with `shapes`, which differ only along `axis`) into `outShape`;
 * the gradient of input i is its slab of dy, given back in input i's own shape.
 */
function join(
  op: string,
  inputs: readonly Tensor[],
  shapes: readonly Shape[],
  axis: number,
  outShape: Shape,
): Tensor {
  const first = inputs[0];
  const parts = inputs.map((x, i) => ({ storage: x.storage as Storage, shape: shapes[i] }));
  const storage = first.backend.concat(parts, axis, outShape, first.dtype);
  return fromOp(op, wrap(first, storage, outShape), inputs, (dy) => {
    let offset = 0;
    return inputs.map((x, i) => {
      const size = shapes[i];
      const begin = outShape.map((_, a) => (a === axis ? offset : 0));
      offset += size[axis];
      if (!x.requiresGrad) return null;
      return wrap(dy, dy.backend.slice(dy.storage, dy.shape, begin, size, dy.dtype), x.shape);
    });
  });
}

/** Concatenates tensors along an existing axis (torch.cat); every other dimension must agree. */
export function cat(tensors: readonly Tensor[], axis = 0): Tensor {
  checkList('cat', tensors);
  const first = tensors[0];
  if (first.rank === 0) throw new ShapeError('cat: 0-d tensors cannot be concatenated; use stack');
  const a = normalizeAxis('cat', axis, first.rank);
  tensors.forEach((x, i) => {
    const agrees =
      x.rank === first.rank && x.shape.every((d, k) => k === a || d === first.shape[k]);
    if (!agrees) {
      throw new ShapeError(
        `cat: tensor ${i} has shape ${shapeToString(x.shape)} but tensor 0 has shape ${shapeToString(first.shape)}; ` +
          `all dimensions except axis ${axis} must match`,
      );
    }
  });
  if (tensors.length === 1) return first;
  const outShape = first.shape.map((d, k) =>
    k === a ? tensors.reduce((n, x) => n + x.shape[a], 0) : d,
  );
  const shapes = tensors.map((x) => x.shape);
  return join('cat', tensors, shapes, a, outShape);
}

/** Alias of cat. */
export const concat = cat;

/** Stacks equally shaped tensors along a new axis (torch.stack); axis may be -1 .. rank. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  checkList('stack', tensors);
  const first = tensors[0];
  const a = normalizeAxis('stack', axis, first.rank + 1);
  tensors.forEach((x, i) => {
    if (x.rank !== first.rank || x.shape.some((d, k) => d !== first.shape[k])) {
      throw new ShapeError(
        `stack: tensor ${i} has shape ${shapeToString(x.shape)} but tensor 0 has shape ${shapeToString(first.shape)}; all must be equal`,
      );
    }
  });
  // Each input is read as having a size-1 axis at `a`: the same storage, so no copy before the join.
  const lifted = [...first.shape.slice(0, a), 1, ...first.shape.slice(a)];
  const outShape = [...first.shape.slice(0, a), tensors.length, ...first.shape.slice(a)];
  const shapes = tensors.map(() => lifted);
  return join('stack', tensors, shapes, a, outShape);
}
