/**
 * where(cond, a, b): a where cond is nonzero, b elsewhere, with NumPy broadcasting of all three
 * (torch.where). The gradient of the output reaches a through the positions cond selects and b
 * through the others, each summed back to its operand's shape; cond is a selector, not a value,
 * and gets no gradient.
 */
import { fromOp } from '../autograd.js';
import { broadcastShapes, ShapeError, shapeToString, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { sumToShape } from './broadcast-grad.js';
import { assertCompatible, assertTensor, toTensor, wrap, type TensorLike } from './op-utils.js';

export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  assertTensor('where', cond, 'condition');
  // Numbers take the dtype of the tensor operand; with two numbers, the condition's.
  const like = a instanceof Tensor ? a : b instanceof Tensor ? b : cond;
  const x = toTensor('where', a, like);
  const y = toTensor('where', b, like);
  assertCompatible('where', x, y);
  if (cond.backend !== x.backend) {
    throw new TypeError(
      `where: condition lives on backend '${cond.backend.name}' but the values on '${x.backend.name}'`,
    );
  }
  let outShape: Shape;
  try {
    outShape = broadcastShapes('where', broadcastShapes('where', cond.shape, x.shape), y.shape);
  } catch (e) {
    if (!(e instanceof ShapeError)) throw e;
    throw new ShapeError(
      `where: condition ${shapeToString(cond.shape)}, a ${shapeToString(x.shape)} and b ${shapeToString(y.shape)} cannot be broadcast together`,
    );
  }
  // The kernel reads the condition in the values' dtype; only its zero pattern matters.
  const condValues =
    cond.dtype === x.dtype
      ? cond
      : wrap(x, cond.backend.cast(cond.storage, cond.size, cond.dtype, x.dtype), cond.shape);
  /** The kernel: `ifTrue` where the condition holds, `ifFalse` elsewhere, as a tensor of `shape`. */
  const select = (ifTrue: Tensor, ifFalse: Tensor, shape: Shape) =>
    wrap(
      ifTrue,
      ifTrue.backend.where(
        condValues.storage,
        cond.shape,
        ifTrue.storage,
        ifTrue.shape,
        ifFalse.storage,
        ifFalse.shape,
        shape,
        ifTrue.dtype,
      ),
      shape,
    );
  return fromOp('where', select(x, y, outShape), [x, y], (dy) => {
    const zero = wrap(dy, dy.backend.zeros(1, dy.dtype), []);
    return [
      x.requiresGrad ? sumToShape(select(dy, zero, dy.shape), x.shape) : null,
      y.requiresGrad ? sumToShape(select(zero, dy, dy.shape), y.shape) : null,
    ];
  });
}

declare module '../tensor.js' {
  interface Tensor {
    /** PyTorch's x.where(condition, y) = where(condition, x, y). */
    where(condition: Tensor, other: TensorLike): Tensor;
  }
}
Tensor.prototype.where = function (condition, other) {
  return where(condition, this, other);
};
