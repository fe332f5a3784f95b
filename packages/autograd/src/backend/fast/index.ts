/**
 * The fast CPU backend ('fast'): float32 matmul on a WebAssembly SIMD microkernel (matmul.ts,
 * gemm-wat.ts), specialised JavaScript loops for the element-wise work of a training step
 * (elementwise.ts, reduce.ts, conv.ts), and the reference kernels for everything else.
 *
 * Storage is the reference backend's (a Float32Array or Float64Array), so tensors move between the
 * two backends freely and any kernel without a fast path simply calls the reference one. float64
 * (used for gradient checks) always takes the reference path. test/conformance checks every op on
 * this backend against the reference, forward and backward.
 */
import type { Backend, Storage } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
import { referenceBackend as ref } from '../reference/index.js';
import { matmulF32 } from './matmul.js';
import { binaryF32, unaryBackwardF32, unaryF32 } from './elementwise.js';
import { reduceF32 } from './reduce.js';
import { col2imInto, im2colInto } from './conv.js';

const arr = (s: Storage) => s as TypedArray;
const isF32 = (s: Storage): s is Float32Array => s instanceof Float32Array;

export const fastBackend: Backend = {
  ...ref,
  name: 'fast',
  unary: (op, x, size, dtype, p, p2) =>
    (dtype === 'float32' && isF32(x) && unaryF32(op, x, size)) || ref.unary(op, x, size, dtype, p, p2),
  unaryBackward: (op, x, y, dy, size, dtype, p, p2) =>
    (dtype === 'float32' && isF32(x) && isF32(dy) && unaryBackwardF32(op, x, dy, size)) ||
    ref.unaryBackward(op, x, y, dy, size, dtype, p, p2),
  binary: (op, a, aShape, b, bShape, outShape, dtype) =>
    (dtype === 'float32' && isF32(a) && isF32(b) && binaryF32(op, a, aShape, b, bShape, outShape)) ||
    ref.binary(op, a, aShape, b, bShape, outShape, dtype),
  reduce: (op, x, shape, axes, dtype) =>
    (dtype === 'float32' && isF32(x) && reduceF32(op, x, shape, axes)) || ref.reduce(op, x, shape, axes, dtype),
  matmul: (a, b, p, dtype) =>
    dtype === 'float32' && isF32(a) && isF32(b) ? matmulF32(a, b, p) : ref.matmul(a, b, p, dtype),
  im2col: (x, g, dtype) =>
    im2colInto(arr(x), g, dtype === 'float64' ? new Float64Array(g.n * g.outH * g.outW * g.c * g.kh * g.kw) : new Float32Array(g.n * g.outH * g.outW * g.c * g.kh * g.kw)),
  col2im: (cols, g, dtype) =>
    col2imInto(arr(cols), g, dtype === 'float64' ? new Float64Array(g.n * g.c * g.h * g.w) : new Float32Array(g.n * g.c * g.h * g.w)),
};
