/**
 * Element-wise functions of two tensors with NumPy broadcasting, each with its backward. The
 * gradient reaching a broadcast operand is summed over the broadcast axes (sumToShape).
 */
import { fromOp } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { sumToShape } from './broadcast-grad.js';
import { binaryRaw, installMethods, toTensor, unaryRaw, type TensorLike } from './op-utils.js';
import { powScalar } from './unary.js';
import { where } from './where.js';

function operands(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (a instanceof Tensor) return [a, toTensor(op, b, a)];
  if (b instanceof Tensor) return [toTensor(op, a, b), b];
  throw new TypeError(`${op}: at least one operand must be a Tensor`);
}

export function add(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('add', a, b);
  return fromOp('add', binaryRaw('add', x, y), [x, y], (dy) => [
    sumToShape(dy, x.shape),
    sumToShape(dy, y.shape),
  ]);
}

export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('sub', a, b);
  return fromOp('sub', binaryRaw('sub', x, y), [x, y], (dy) => [
    sumToShape(dy, x.shape),
    y.requiresGrad ? sumToShape(binaryRaw('mul', dy, toTensor('sub', -1, dy)), y.shape) : null,
  ]);
}

export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('mul', a, b);
  return fromOp('mul', binaryRaw('mul', x, y), [x, y], (dy) => [
    x.requiresGrad ? sumToShape(binaryRaw('mul', dy, y), x.shape) : null,
    y.requiresGrad ? sumToShape(binaryRaw('mul', dy, x), y.shape) : null,
  ]);
}

export function div(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('div', a, b);
  const out = binaryRaw('div', x, y);
  return fromOp('div', out, [x, y], (dy) => [
    // d(x/y)/dx = 1/y ; d(x/y)/dy = −x/y² = −out/y
    x.requiresGrad ? sumToShape(binaryRaw('div', dy, y), x.shape) : null,
    y.requiresGrad
      ? sumToShape(
          binaryRaw(
            'mul',
            dy,
            binaryRaw('div', binaryRaw('mul', out, toTensor('div', -1, out)), y),
          ),
          y.shape,
        )
      : null,
  ]);
}

/**
 * x^y. A number exponent uses the unary powScalar; a tensor exponent gets d/dy = x^y · log x,
 * taken as its limit 0 where x = 0 and y ≥ 0 (0 · log 0 would be NaN), as PyTorch and TF.js do.
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  if (a instanceof Tensor && typeof b === 'number') return powScalar(a, b);
  const [x, y] = operands('pow', a, b);
  const out = binaryRaw('pow', x, y);
  return fromOp('pow', out, [x, y], (dy) => {
    const one = toTensor('pow', 1, x);
    const zero = toTensor('pow', 0, x);
    let dx: Tensor | null = null;
    if (x.requiresGrad) {
      // Backward runs unrecorded, so `where` here is a plain kernel call. y · x^(y−1) is 0 · ∞ = NaN
      // at y = 0, x = 0, where x^0 is constant: 0 (as powScalar).
      const slope = binaryRaw('mul', y, binaryRaw('pow', x, binaryRaw('sub', y, one)));
      dx = sumToShape(binaryRaw('mul', dy, where(binaryRaw('eq', y, zero), 0, slope)), x.shape);
    }
    let dyExp: Tensor | null = null;
    if (y.requiresGrad) {
      const slope = binaryRaw('mul', out, unaryRaw('log', x));
      const atLimit = binaryRaw('mul', binaryRaw('eq', x, zero), binaryRaw('ge', y, zero));
      dyExp = sumToShape(binaryRaw('mul', dy, where(atLimit, 0, slope)), y.shape);
    }
    return [dx, dyExp];
  });
}

/**
 * Element-wise maximum / minimum. At ties the gradient is split evenly between the operands, as
 * PyTorch does, so that max(x, x) has gradient 1.
 */
function extremum(op: 'maximum' | 'minimum', a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands(op, a, b);
  return fromOp(op, binaryRaw(op, x, y), [x, y], (dy) => {
    const wins = binaryRaw(op === 'maximum' ? 'gt' : 'lt', x, y);
    const ties = binaryRaw('eq', x, y);
    const half = binaryRaw('mul', ties, toTensor(op, 0.5, ties));
    const share = binaryRaw('add', wins, half); // x's share of the gradient
    const other = binaryRaw('sub', toTensor(op, 1, share), share);
    return [
      x.requiresGrad ? sumToShape(binaryRaw('mul', dy, share), x.shape) : null,
      y.requiresGrad ? sumToShape(binaryRaw('mul', dy, other), y.shape) : null,
    ];
  });
}

export const maximum = (a: TensorLike, b: TensorLike): Tensor => extremum('maximum', a, b);
export const minimum = (a: TensorLike, b: TensorLike): Tensor => extremum('minimum', a, b);

/** Comparisons return 1/0 tensors of the operands' dtype and carry no gradient. */
function comparison(op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le') {
  return (a: TensorLike, b: TensorLike): Tensor => {
    const [x, y] = operands(op, a, b);
    return binaryRaw(op, x, y);
  };
}
export const eq = comparison('eq');
export const ne = comparison('ne');
export const gt = comparison('gt');
export const ge = comparison('ge');
export const lt = comparison('lt');
export const le = comparison('le');

declare module '../tensor.js' {
  interface Tensor {
    add(other: TensorLike): Tensor;
    sub(other: TensorLike): Tensor;
    mul(other: TensorLike): Tensor;
    div(other: TensorLike): Tensor;
    pow(exponent: TensorLike): Tensor;
    maximum(other: TensorLike): Tensor;
    minimum(other: TensorLike): Tensor;
    eq(other: TensorLike): Tensor;
    ne(other: TensorLike): Tensor;
    gt(other: TensorLike): Tensor;
    ge(other: TensorLike): Tensor;
    lt(other: TensorLike): Tensor;
    le(other: TensorLike): Tensor;
  }
}
installMethods({ add, sub, mul, div, pow, maximum, minimum, eq, ne, gt, ge, lt, le });
