/** Small helpers every op file uses: building results, checking operands, coercing scalars. */
import type { BinaryOp, MatmulParams, Storage, UnaryOp } from '../backend/backend.js';
import { broadcastShapes, ShapeError, shapeToString, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';

/** A tensor or a plain number (promoted to a 0-d tensor of the other operand's dtype and backend). */
export type TensorLike = Tensor | number;

/**
 * A new tensor on `like`'s backend and dtype. Every storage a kernel returns goes through here,
 * intermediates included, so that tidy's reference counts are the one lifetime mechanism.
 */
export function wrap(like: Tensor, storage: Storage, shape: Shape): Tensor {
  return new Tensor(storage, shape, like.dtype, like.backend);
}

/** The unary kernel applied to x (no graph): a building block of forward and backward passes. */
export function unaryRaw(op: UnaryOp, x: Tensor): Tensor {
  return wrap(x, x.backend.unary(op, x.storage, x.size, x.dtype, 0, 0), x.shape);
}

/** The broadcast binary kernel (no graph): a building block of forward and backward passes. */
export function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor, name: string = op): Tensor {
  assertCompatible(name, a, b);
  const shape = broadcastShapes(name, a.shape, b.shape);
  return wrap(
    a,
    a.backend.binary(op, a.storage, a.shape, b.storage, b.shape, shape, a.dtype),
    shape,
  );
}

/**
 * The matmul kernel's product of a and b (see MatmulParams) as a tensor of `shape`. Parameters
 * left out describe one product of untransposed matrices.
 */
export function matmulOf(
  a: Tensor,
  b: Tensor,
  params: Pick<MatmulParams, 'm' | 'k' | 'n'> & Partial<MatmulParams>,
  shape: Shape,
): Tensor {
  const full: MatmulParams = {
    batch: 1,
    transA: false,
    transB: false,
    aBatched: false,
    bBatched: false,
    ...params,
  };
  return wrap(a, a.backend.matmul(a.storage, b.storage, full, a.dtype), shape);
}

/**
 * The product y plus a bias, y read as `yShape` and the bias broadcast from `bShape` across its
 * rows; the bare product y is released (nothing else holds it).
 */
export function addBias(y: Tensor, yShape: Shape, bias: Tensor, bShape: Shape): Tensor {
  const { backend, dtype } = y;
  const sum = backend.binary('add', y.storage, yShape, bias.storage, bShape, yShape, dtype);
  y.dispose();
  return wrap(bias, sum, y.shape);
}

export function toTensor(op: string, x: TensorLike, like: Tensor): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number')
    throw new TypeError(`${op}: expected a Tensor or a number, got ${typeof x}`);
  return new Tensor(like.backend.fromValues([x], like.dtype), [], like.dtype, like.backend);
}

export function assertTensor(op: string, x: unknown, what = 'input'): asserts x is Tensor {
  if (!(x instanceof Tensor))
    throw new TypeError(`${op}: ${what} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
}

/** All operands must share a dtype and a backend: thermograd never converts silently. */
export function assertCompatible(op: string, ...tensors: Tensor[]): void {
  const [first, ...rest] = tensors;
  for (const t of rest) {
    if (t.dtype !== first.dtype) {
      throw new TypeError(
        `${op}: dtypes differ (${first.dtype} ${shapeToString(first.shape)} vs ${t.dtype} ${shapeToString(t.shape)}); convert one with .to('${first.dtype}') or .to('${t.dtype}')`,
      );
    }
    if (t.backend !== first.backend) {
      throw new TypeError(
        `${op}: tensors live on different backends ('${first.backend.name}' and '${t.backend.name}')`,
      );
    }
  }
}

export function assertRank(op: string, t: Tensor, ranks: readonly number[], what = 'input'): void {
  if (!ranks.includes(t.rank)) {
    throw new ShapeError(
      `${op}: ${what} must have rank ${ranks.join(' or ')}, got shape ${shapeToString(t.shape)}`,
    );
  }
}

/** Converts indices/labels to an Int32Array, checking that each is an integer in [0, bound). */
export function toIndexArray(
  op: string,
  indices: ArrayLike<number> | Tensor,
  bound: number,
  what = 'index',
): Int32Array {
  const values = indices instanceof Tensor ? indices.dataSync() : indices;
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v >= bound) {
      throw new RangeError(`${op}: ${what} ${v} at position ${i} is out of range [0, ${bound})`);
    }
    out[i] = v;
  }
  return out;
}

/** A Tensor method's function form: `x.sum(axes)` is `sum(x, axes)`. */
type AsFunctions<K extends keyof Tensor> = {
  [N in K]: Tensor[N] extends (...args: infer A) => infer R ? (x: Tensor, ...args: A) => R : never;
};

/** Installs each function as the Tensor method of its name, called with the tensor first. */
export function installMethods<K extends keyof Tensor>(methods: AsFunctions<K>): void {
  for (const [name, fn] of Object.entries<(x: Tensor, ...args: unknown[]) => unknown>(methods)) {
    (Tensor.prototype as unknown as Record<string, unknown>)[name] = function (
      this: Tensor,
      ...args: unknown[]
    ) {
      return fn(this, ...args);
    };
  }
}
