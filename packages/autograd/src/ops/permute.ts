/**
 * permute, transpose and t: reorder the axes of a tensor (a copy in row-major order). The backward
 * of a permutation is the inverse permutation applied to the output gradient.
 */
import { fromOp } from '../autograd.js';
import { normalizeAxis, ShapeError, shapeToString } from '../shape.js';
import { Tensor } from '../tensor.js';
import { assertTensor, installMethods, wrap } from './op-utils.js';

function permuteAs(op: string, x: Tensor, perm: readonly number[]): Tensor {
  if (!Array.isArray(perm))
    throw new TypeError(`${op}: the permutation must be an array of axes, got ${String(perm)}`);
  const problem = (why: string) =>
    new ShapeError(
      `${op}: [${perm.join(',')}] is not a permutation of the axes of ${shapeToString(x.shape)}: ${why}`,
    );
  if (perm.length !== x.rank) throw problem(`expected ${x.rank} axes, got ${perm.length}`);
  const axes = perm.map((p) => {
    if (!Number.isInteger(p) || p < -x.rank || p >= x.rank)
      throw problem(`axis ${p} is out of range for rank ${x.rank}`);
    return p < 0 ? p + x.rank : p;
  });
  const twice = axes.find((a, i) => axes.indexOf(a) !== i);
  if (twice !== undefined) throw problem(`axis ${twice} appears twice`);
  if (axes.every((a, i) => a === i)) return x;
  const inverse = new Array<number>(axes.length);
  axes.forEach((a, i) => (inverse[a] = i));
  const outShape = axes.map((a) => x.shape[a]);
  const storage = x.backend.permute(x.storage, x.shape, axes, x.dtype);
  return fromOp(op, wrap(x, storage, outShape), [x], (dy) => [
    wrap(dy, dy.backend.permute(dy.storage, dy.shape, inverse, dy.dtype), x.shape),
  ]);
}

/** Output axis i is input axis perm[i] (negative axes count from the end). */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  assertTensor('permute', x);
  return permuteAs('permute', x, perm);
}

/** Swaps two axes (negative axes count from the end). */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  assertTensor('transpose', x);
  const a = normalizeAxis('transpose', dim0, x.rank);
  const b = normalizeAxis('transpose', dim1, x.rank);
  if (x.rank === 0) return x;
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permuteAs('transpose', x, perm);
}

/** The matrix transpose (PyTorch's x.t() / x.T for 2-D); 0-D and 1-D tensors are returned as they are. */
export function t(x: Tensor): Tensor {
  assertTensor('t', x);
  if (x.rank > 2) {
    throw new ShapeError(
      `t: expects a tensor of rank <= 2, got ${shapeToString(x.shape)}; use transpose(x, dim0, dim1) or permute`,
    );
  }
  return x.rank < 2 ? x : permuteAs('t', x, [1, 0]);
}

declare module '../tensor.js' {
  interface Tensor {
    /** x.permute([2, 0, 1]) or x.permute(2, 0, 1). */
    permute(perm: readonly number[]): Tensor;
    permute(...dims: number[]): Tensor;
    transpose(dim0: number, dim1: number): Tensor;
    t(): Tensor;
  }
}
Tensor.prototype.permute = function (this: Tensor, ...dims: (number | readonly number[])[]) {
  const perm =
    dims.length === 1 && Array.isArray(dims[0])
      ? (dims[0] as readonly number[])
      : (dims as number[]);
  return permute(this, perm);
} as Tensor['permute'];
installMethods({ transpose, t });
