/**
 * Reductions over axes with PyTorch's keepdim: sum, mean, max, min, logsumexp, var.
 * `axes` undefined reduces every axis. Backward broadcasts the output gradient back.
 * finiteProbe: whether every element is finite, as one scalar (no gradient).
 */
import { fromOp } from '../autograd.js';
import { normalizeAxes, reducedShape, ShapeError, shapeToString } from '../shape.js';
import { Tensor } from '../tensor.js';
import { broadcastTo } from './broadcast-grad.js';
import { assertTensor, binaryRaw, installMethods, toTensor, unaryRaw, wrap } from './op-utils.js';
import { where } from './where.js';

export type Axes = number | readonly number[];

/** Raw reduction kept as size-1 axes (no graph). */
function reduceKeep(op: 'sum' | 'max' | 'min', x: Tensor, axes: readonly number[]): Tensor {
  const shape = reducedShape(x.shape, axes, true);
  return wrap(x, x.backend.reduce(op, x.storage, x.shape, axes, x.dtype), shape);
}

/** `t`, a reduction of x over `axes` or its gradient, viewed with those axes kept as 1 or dropped. */
function asReduced(t: Tensor, x: Tensor, axes: readonly number[], keepdim: boolean): Tensor {
  return wrap(t, t.storage, reducedShape(x.shape, axes, keepdim));
}

export function sum(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  assertTensor('sum', x);
  const ax = normalizeAxes('sum', axes, x.rank);
  const out = reduceKeep('sum', x, ax);
  return fromOp(
    'sum',
    asReduced(out, x, ax, keepdim),
    [x],
    (dy) => [broadcastTo(asReduced(dy, x, ax, true), x.shape)],
    ax.includes(0) ? 'sum' : undefined,
  );
}

/**
 * A scalar that is 0 when every element of x is finite and NaN when one is not: what an
 * optimizer's finiteness check reads (or adds up over steps without reading). Unlike a sum, it
 * cannot overflow, and it needs no fixed order, so a backend's `finiteProbe` primitive may use
 * every SIMD lane; without one it is sum(x − x) (x − x is 0, or NaN for an infinity or a NaN).
 * Not differentiable.
 */
export function finiteProbe(x: Tensor): Tensor {
  assertTensor('finiteProbe', x);
  const probe = x.backend.finiteProbe;
  if (probe) return wrap(x, probe.call(x.backend, x.storage, x.size, x.dtype), []);
  const zeros = binaryRaw('sub', x, x);
  return wrap(x, reduceKeep('sum', zeros, [...x.shape.keys()]).storage, []);
}

export function mean(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  assertTensor('mean', x);
  const ax = normalizeAxes('mean', axes, x.rank);
  const count = ax.reduce((n, a) => n * x.shape[a], 1);
  if (count === 0)
    throw new ShapeError(`mean: reducing an empty axis of ${shapeToString(x.shape)}`);
  const divisor = toTensor('mean', count, x);
  const out = binaryRaw('div', reduceKeep('sum', x, ax), divisor);
  return fromOp(
    'mean',
    asReduced(out, x, ax, keepdim),
    [x],
    (dy) => [broadcastTo(binaryRaw('div', asReduced(dy, x, ax, true), divisor), x.shape)],
    ax.includes(0) ? 'mean' : undefined,
  );
}

/**
 * Max / min over axes (values only, as torch.amax / amin). The gradient goes to the elements that
 * attain the extremum, split evenly among ties.
 */
function extremum(op: 'max' | 'min', x: Tensor, axes: Axes | undefined, keepdim: boolean): Tensor {
  assertTensor(op, x);
  const ax = normalizeAxes(op, axes, x.rank);
  if (ax.some((a) => x.shape[a] === 0))
    throw new ShapeError(`${op}: reducing an empty axis of ${shapeToString(x.shape)}`);
  const out = reduceKeep(op, x, ax);
  return fromOp(op, asReduced(out, x, ax, keepdim), [x], (dy) => {
    const mask = binaryRaw('eq', x, out);
    const count = reduceKeep('sum', mask, ax);
    return [binaryRaw('mul', mask, binaryRaw('div', asReduced(dy, x, ax, true), count))];
  });
}

export const max = (x: Tensor, axes?: Axes, keepdim = false): Tensor =>
  extremum('max', x, axes, keepdim);
export const min = (x: Tensor, axes?: Axes, keepdim = false): Tensor =>
  extremum('min', x, axes, keepdim);

/** log Σ exp(x), stable: m + log Σ exp(x − m) with m the maximum. Gradient: softmax(x). */
export function logsumexp(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  assertTensor('logsumexp', x);
  const ax = normalizeAxes('logsumexp', axes, x.rank);
  const m = reduceKeep('max', x, ax);
  // An all −∞ slice has maximum −∞; shift by 0 there so that the result is −∞, not NaN.
  // m has no graph, so `where` here is a plain kernel call.
  const safeM = where(binaryRaw('eq', m, toTensor('logsumexp', -Infinity, m)), 0, m);
  const e = unaryRaw('exp', binaryRaw('sub', x, safeM));
  const s = reduceKeep('sum', e, ax);
  const lse = binaryRaw('add', unaryRaw('log', s), safeM);
  return fromOp('logsumexp', asReduced(lse, x, ax, keepdim), [x], (dy) => {
    const softmax = binaryRaw('div', e, s);
    return [binaryRaw('mul', softmax, asReduced(dy, x, ax, true))];
  });
}

/**
 * Variance over axes with Bessel's correction by default (correction = 1, as torch.var);
 * correction = 0 gives the population variance. Gradient: 2 (x − mean) / (n − correction).
 */
export function variance(x: Tensor, axes?: Axes, keepdim = false, correction = 1): Tensor {
  assertTensor('var', x);
  const ax = normalizeAxes('var', axes, x.rank);
  const n = ax.reduce((c, a) => c * x.shape[a], 1);
  if (!Number.isInteger(correction) || correction < 0)
    throw new RangeError(`var: correction must be a non-negative integer, got ${correction}`);
  if (n - correction <= 0) {
    throw new ShapeError(
      `var: ${n} element(s) per slice of ${shapeToString(x.shape)} with correction ${correction} leaves no degrees of freedom`,
    );
  }
  const mu = binaryRaw('div', reduceKeep('sum', x, ax), toTensor('var', n, x));
  const centered = binaryRaw('sub', x, mu);
  const sq = binaryRaw('mul', centered, centered);
  const v = binaryRaw('div', reduceKeep('sum', sq, ax), toTensor('var', n - correction, x));
  return fromOp('var', asReduced(v, x, ax, keepdim), [x], (dy) => [
    binaryRaw(
      'mul',
      centered,
      binaryRaw('div', asReduced(dy, x, ax, true), toTensor('var', (n - correction) / 2, x)),
    ),
  ]);
}

declare module '../tensor.js' {
  interface Tensor {
    sum(axes?: Axes, keepdim?: boolean): Tensor;
    mean(axes?: Axes, keepdim?: boolean): Tensor;
    max(axes?: Axes, keepdim?: boolean): Tensor;
    min(axes?: Axes, keepdim?: boolean): Tensor;
    logsumexp(axes?: Axes, keepdim?: boolean): Tensor;
    var(axes?: Axes, keepdim?: boolean, correction?: number): Tensor;
  }
}
installMethods({ sum, mean, max, min, logsumexp, var: variance });
