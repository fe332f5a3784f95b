/**
 * The gradient of broadcasting: a tensor broadcast from `shape` received contributions along the
 * broadcast axes, which backward sums away.
 */
import { shapesEqual, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { wrap } from './op-utils.js';

export function sumToShape(grad: Tensor, shape: Shape): Tensor {
  if (shapesEqual(grad.shape, shape)) return grad;
  const lead = grad.rank - shape.length;
  const axes = [...grad.shape.keys()].filter(
    (i) => i < lead || (shape[i - lead] === 1 && grad.shape[i] !== 1),
  );
  const storage =
    axes.length > 0
      ? grad.backend.reduce('sum', grad.storage, grad.shape, axes, grad.dtype)
      : grad.storage;
  // The reduced storage has the broadcast axes as size 1; its element order already matches `shape`.
  return wrap(grad, storage, shape);
}

/** Materialises `t` broadcast to `shape` (no graph): the adjoint of sumToShape. */
export function broadcastTo(t: Tensor, shape: Shape): Tensor {
  if (shapesEqual(t.shape, shape)) return t;
  const zero = wrap(t, t.backend.zeros(1, t.dtype), []);
  const out = wrap(
    t,
    t.backend.binary('add', t.storage, t.shape, zero.storage, [], shape, t.dtype),
    shape,
  );
  zero.dispose();
  return out;
}
