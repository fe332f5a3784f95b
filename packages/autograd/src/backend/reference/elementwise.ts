/** Reference element-wise kernels: unary functions from the shared scalar table, broadcast binary ops. */
import type { BinaryOp, UnaryOp } from '../backend.js';
import { allocArray, type DType, type TypedArray } from '../../dtype.js';
import { UNARY_FUNCTIONS } from '../../kernels/unary-functions.js';
import { broadcastStrides, forEachStrided, shapesEqual, sizeOf, type Shape } from '../../shape.js';

export function unary(
  op: UnaryOp,
  x: TypedArray,
  size: number,
  dtype: DType,
  p: number,
  p2: number,
): TypedArray {
  const f = UNARY_FUNCTIONS[op].value;
  const out = allocArray(dtype, size);
  for (let i = 0; i < size; i++) out[i] = f(x[i], p, p2);
  return out;
}

export function unaryBackward(
  op: UnaryOp,
  x: TypedArray,
  y: TypedArray,
  dy: TypedArray,
  size: number,
  dtype: DType,
  p: number,
  p2: number,
): TypedArray {
  const df = UNARY_FUNCTIONS[op].derivative;
  const out = allocArray(dtype, size);
  for (let i = 0; i < size; i++) out[i] = dy[i] * df(x[i], y[i], p, p2);
  return out;
}

/** For each input, the offset in it of every element of the broadcast output. */
function broadcastOffsets(inputShapes: readonly Shape[], outShape: Shape): Int32Array[] {
  return inputShapes.map((shape) => {
    const offsets = new Int32Array(sizeOf(outShape));
    forEachStrided(outShape, broadcastStrides(shape, outShape), 0, (i, offset) => {
      offsets[i] = offset;
    });
    return offsets;
  });
}

export const BINARY_FUNCTIONS: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => Math.pow(a, b),
  // NaN propagates, as in PyTorch's maximum/minimum.
  maximum: (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b),
  minimum: (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
};

export function binary(
  op: BinaryOp,
  a: TypedArray,
  aShape: Shape,
  b: TypedArray,
  bShape: Shape,
  outShape: Shape,
  dtype: DType,
): TypedArray {
  const f = BINARY_FUNCTIONS[op];
  const size = sizeOf(outShape);
  const out = allocArray(dtype, size);
  if (shapesEqual(aShape, outShape) && shapesEqual(bShape, outShape)) {
    for (let i = 0; i < size; i++) out[i] = f(a[i], b[i]);
  } else if (shapesEqual(aShape, outShape) && b.length === 1) {
    const s = b[0];
    for (let i = 0; i < size; i++) out[i] = f(a[i], s);
  } else {
    const [ia, ib] = broadcastOffsets([aShape, bShape], outShape);
    for (let i = 0; i < size; i++) out[i] = f(a[ia[i]], b[ib[i]]);
  }
  return out;
}

export function where(
  cond: TypedArray,
  condShape: Shape,
  a: TypedArray,
  aShape: Shape,
  b: TypedArray,
  bShape: Shape,
  outShape: Shape,
  dtype: DType,
): TypedArray {
  const size = sizeOf(outShape);
  const out = allocArray(dtype, size);
  const [ic, ia, ib] = broadcastOffsets([condShape, aShape, bShape], outShape);
  for (let i = 0; i < size; i++) out[i] = cond[ic[i]] !== 0 ? a[ia[i]] : b[ib[i]];
  return out;
}
