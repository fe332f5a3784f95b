/**
 * Conversion between dtypes (PyTorch's `t.to(dtype)`): thermograd never converts silently, so
 * mixing float32 and float64 operands is an error that points here.
 *
 * Backward: the gradient is converted back to the input's dtype, dx = cast(dy, x.dtype).
 */
import { fromOp } from '../autograd.js';
import { assertDType, type DType } from '../dtype.js';
import { Tensor } from '../tensor.js';
import { assertTensor, installMethods } from './op-utils.js';

/** x as `dtype` (x itself when it already has it, as PyTorch's `to`). */
export function cast(x: Tensor, dtype: DType): Tensor {
  assertTensor('cast', x);
  assertDType(dtype, 'cast');
  if (x.dtype === dtype) return x;
  const from = x.dtype;
  const out = new Tensor(x.backend.cast(x.storage, x.size, from, dtype), x.shape, dtype, x.backend);
  return fromOp('cast', out, [x], (dy) => [
    new Tensor(dy.backend.cast(dy.storage, dy.size, dtype, from), dy.shape, from, dy.backend),
  ]);
}

declare module '../tensor.js' {
  interface Tensor {
    /** This tensor as `dtype` (PyTorch's `t.to('float64')`); differentiable. */
    to(dtype: DType): Tensor;
  }
}
installMethods({ to: cast });
