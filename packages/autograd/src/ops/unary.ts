/**
 * Element-wise functions of one tensor. The scalar value and derivative of each live side by side
 * in kernels/unary-functions.ts; here each becomes an op whose backward is dy · f'(x).
 */
import type { UnaryOp } from '../backend/backend.js';
import { fromOp } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { assertTensor, installMethods, wrap } from './op-utils.js';

function unaryOp(op: UnaryOp, name: string, x: Tensor, param = 0, param2 = 0): Tensor {
  assertTensor(name, x);
  const y = wrap(x, x.backend.unary(op, x.storage, x.size, x.dtype, param, param2), x.shape);
  return fromOp(name, y, [x], (dy) => [
    wrap(
      x,
      x.backend.unaryBackward(op, x.storage, y.storage, dy.storage, x.size, x.dtype, param, param2),
      x.shape,
    ),
  ]);
}

function assertFiniteParam(op: string, name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new RangeError(`${op}: ${name} must be a finite number, got ${String(v)}`);
}

export const neg = (x: Tensor): Tensor => unaryOp('neg', 'neg', x);
export const exp = (x: Tensor): Tensor => unaryOp('exp', 'exp', x);
export const log = (x: Tensor): Tensor => unaryOp('log', 'log', x);
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', 'sqrt', x);
export const abs = (x: Tensor): Tensor => unaryOp('abs', 'abs', x);
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', 'tanh', x);
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', 'sigmoid', x);
export const relu = (x: Tensor): Tensor => unaryOp('relu', 'relu', x);
export const gelu = (x: Tensor): Tensor => unaryOp('gelu', 'gelu', x);
export const square = (x: Tensor): Tensor => unaryOp('square', 'square', x);
export const reciprocal = (x: Tensor): Tensor => unaryOp('reciprocal', 'reciprocal', x);
export const sign = (x: Tensor): Tensor => unaryOp('sign', 'sign', x);

/** max(x, 0) + slope · min(x, 0); PyTorch's default slope 0.01. */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  assertFiniteParam('leakyRelu', 'negativeSlope', negativeSlope);
  return unaryOp('leakyRelu', 'leakyRelu', x, negativeSlope);
}

/** x^exponent for a constant exponent (pow with a tensor exponent is in binary.ts). */
export function powScalar(x: Tensor, exponent: number): Tensor {
  assertFiniteParam('pow', 'exponent', exponent);
  return unaryOp('powScalar', 'pow', x, exponent);
}

/** Limits values to [min, max]; either bound may be omitted. */
export function clamp(x: Tensor, min = -Infinity, max = Infinity): Tensor {
  if (typeof min !== 'number' || Number.isNaN(min))
    throw new RangeError(`clamp: min must be a number, got ${String(min)}`);
  if (typeof max !== 'number' || Number.isNaN(max))
    throw new RangeError(`clamp: max must be a number, got ${String(max)}`);
  if (min > max) throw new RangeError(`clamp: min (${min}) is greater than max (${max})`);
  return unaryOp('clamp', 'clamp', x, min, max);
}

declare module '../tensor.js' {
  interface Tensor {
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    gelu(): Tensor;
    square(): Tensor;
    reciprocal(): Tensor;
    sign(): Tensor;
    leakyRelu(negativeSlope?: number): Tensor;
    clamp(min?: number, max?: number): Tensor;
  }
}
installMethods({ neg, exp, log, sqrt, abs, tanh, sigmoid, relu, gelu, square, reciprocal, sign });
installMethods({ leakyRelu, clamp });
