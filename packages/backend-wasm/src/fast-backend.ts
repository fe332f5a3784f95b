/**
 * The fast CPU backend ('fast'): float32 matmul on a WebAssembly SIMD microkernel (matmul.ts,
 * gemm-wat.ts); large float32 im2col/col2im, 2×2 max pooling and its backward, relu and its
 * gradient, add/sub/mul/div and the finiteness probe in wasm SIMD loops (wasm-ops.ts, ops-wat.ts); JavaScript loops for
 * the rest of the element-wise, reduction, layout, convolution and pooling work of a training step
 * (elementwise.ts, reduce.ts, layout.ts, conv.ts, pool.ts), and the reference kernels for
 * everything else.
 *
 * Storage is the reference backend's (a Float32Array or Float64Array), so tensors move between the
 * two backends freely and any kernel without a fast path simply calls the reference one. The arrays
 * are views onto the backend's shared wasm memory (wasm-memory.ts), so the wasm kernels read and
 * write them in place; without SharedArrayBuffer (a page that is not cross-origin isolated), or
 * once the memory is full, they are plain arrays and the kernels copy them in and out
 * (`residentStorage()` says which). float64 (gradient checks, the demo's lab models) runs
 * JavaScript loops for matmul (matmul-f64.ts), element-wise binary ops, where, reductions, data
 * movement and windows, and the reference kernels for the rest (unary ops, losses). test/conformance checks every op on this backend against the
 * reference, forward and backward, and the fast kernels directly.
 */
import {
  sizeOf,
  referenceBackend as ref,
  type Backend,
  type Conv2dGeometry,
  type Storage,
  type Tensor,
  type TypedArray,
} from '@thermograd/autograd';
import { matmulF32 } from './matmul.js';
import { matmulF64 } from './matmul-f64.js';
import { binaryFloats, unaryBackwardF32, unaryF32, whereFloats } from './elementwise.js';
import { reduceFloats } from './reduce.js';
import { permuteInto } from './layout.js';
import { col2imInto, im2colInto } from './conv.js';
import { isPoolArray, release, take, takeF32, takeLongLived, takeZeroed } from './buffer-pool.js';
import { residentOffset } from './wasm-memory.js';
import {
  avgPool2dBackwardInto,
  avgPool2dInto,
  maxPool2dBackwardInto,
  maxPool2dInto,
} from './pool.js';
import {
  WASM_MIN_ELEMENTS,
  channelSumsWasm,
  col2imWasm,
  finiteProbeWasm,
  im2colWasm,
  maxPool2x2Wasm,
  scatterAddWasm,
  swapOuterAxesWasm,
} from './wasm-ops.js';

const arr = (s: Storage) => s as TypedArray;
const isF32 = (s: Storage): s is Float32Array => s instanceof Float32Array;
const isF64 = (s: Storage): s is Float64Array => s instanceof Float64Array;
/** Storage of `dtype` that the JavaScript loops take: a Float32Array or a Float64Array. */
const isFloats = (s: Storage, dtype: string): s is Float32Array | Float64Array =>
  dtype === 'float32' ? s instanceof Float32Array : s instanceof Float64Array;
const isChannelSum = (shape: readonly number[], axes: readonly number[]) =>
  shape.length === 3 &&
  axes.length === 2 &&
  axes[0] === 0 &&
  axes[1] === 2 &&
  shape[0] * shape[1] * shape[2] >= WASM_MIN_ELEMENTS;
const isSwapOuter = (shape: readonly number[], perm: readonly number[]) =>
  shape.length === 3 &&
  perm[0] === 1 &&
  perm[1] === 0 &&
  perm[2] === 2 &&
  shape[2] >= 16 &&
  shape[0] * shape[1] * shape[2] >= WASM_MIN_ELEMENTS;
const isPool2x2 = (g: Conv2dGeometry) =>
  g.kh === 2 && g.kw === 2 && g.strideH === 2 && g.strideW === 2 && g.padH === 0 && g.padW === 0;

/**
 * target ← value, the Optimizer's parameter update (it calls a backend's `assign` where there is
 * one). A float32 parameter that does not live in wasm memory yet moves there on its first update
 * (the one rule by which storage made outside tidy becomes resident: see buffer-pool.ts), so every
 * later step's kernels read it in place; it stays a plain array when another tensor shares its
 * storage or the long-lived budget is spent. The values are copied from the update's storage once
 * (Tensor.assign would copy them out with dataSync and in again).
 */
function assign(target: Tensor, value: Tensor): void {
  const values = value.storage;
  if (!isFloats(values, target.dtype) || values.length !== target.size) {
    target.assign(value);
    return;
  }
  if (target.isLeaf && residentOffset(target.storage as object) < 0) {
    const moved = target.dtype === 'float32' ? takeLongLived('float32', target.size) : undefined;
    if (moved !== undefined) {
      moved.set(values);
      if (target.replaceStorage(moved)) return;
      release(moved);
    }
  }
  target.assign(values);
}

export const fastBackend: Backend & { assign: typeof assign } = {
  ...ref,
  name: 'fast',
  // Storage comes from and goes back to the buffer pool (buffer-pool.ts): a step inside tidy()
  // reuses the previous step's buffers.
  fromValues: (values, dtype) => {
    const out = take(dtype, values.length);
    out.set(values);
    return out;
  },
  zeros: (size, dtype) => takeZeroed(dtype, size),
  dispose: (storage) => release(storage),
  assign,
  // A copy: the pool recycles its arrays (and wasm memory its blocks), so a view handed to the
  // caller, or any subarray cut from it, would change under them once the tensor is gone.
  read: (storage, dtype) => (isPoolArray(storage) ? storage.slice() : ref.read(storage, dtype)),
  unary: (op, x, size, dtype, p, p2) =>
    (dtype === 'float32' && isF32(x) && unaryF32(op, x, size)) ||
    ref.unary(op, x, size, dtype, p, p2),
  unaryBackward: (op, x, y, dy, size, dtype, p, p2) =>
    (dtype === 'float32' && isF32(x) && isF32(dy) && unaryBackwardF32(op, x, dy, size)) ||
    ref.unaryBackward(op, x, y, dy, size, dtype, p, p2),
  binary: (op, a, aShape, b, bShape, outShape, dtype) =>
    isFloats(a, dtype) && isFloats(b, dtype)
      ? binaryFloats(op, a, aShape, b, bShape, outShape)
      : ref.binary(op, a, aShape, b, bShape, outShape, dtype),
  where: (c, cs, a, as, b, bs, os, dtype) =>
    isFloats(c, dtype) && isFloats(a, dtype) && isFloats(b, dtype)
      ? whereFloats(c, cs, a, as, b, bs, os)
      : ref.where(c, cs, a, as, b, bs, os, dtype),
  // A conv bias gradient ([B, C, P] summed over B and P) in wasm, its channels over the threads.
  reduce: (op, x, shape, axes, dtype) =>
    op === 'sum' && dtype === 'float32' && isF32(x) && isChannelSum(shape, axes)
      ? channelSumsWasm(x, takeF32(shape[1]), shape[0], shape[1], shape[2])
      : isFloats(x, dtype)
        ? reduceFloats(op, x, shape, axes)
        : ref.reduce(op, x, shape, axes, dtype),
  // Order-free (every term is 0 or NaN), so large float32 arrays go four lanes at a time.
  finiteProbe: (x, size, dtype) => {
    if (!(isF32(x) && size >= WASM_MIN_ELEMENTS)) return ref.finiteProbe!(x, size, dtype);
    const out = take(dtype, 1);
    out[0] = finiteProbeWasm(x, size);
    return out;
  },
  matmul: (a, b, p, dtype) =>
    dtype === 'float32' && isF32(a) && isF32(b)
      ? matmulF32(a, b, p)
      : dtype === 'float64' && isF64(a) && isF64(b)
        ? matmulF64(a, b, p)
        : ref.matmul(a, b, p, dtype),
  // [B, O, P] → [O, B, P] (a conv weight gradient's dy) in wasm, its rows over the threads.
  permute: (x, shape, perm, dtype) =>
    dtype === 'float32' && isF32(x) && isSwapOuter(shape, perm)
      ? swapOuterAxesWasm(x, takeF32(sizeOf(shape)), shape[0], shape[1], shape[2])
      : permuteInto(arr(x), shape, perm, take(dtype, sizeOf(shape))),
  // Large float32 convolutions and pools run in wasm (wasm-ops.ts); the rest, float64 included, in
  // the JavaScript loops, which compute the same bits.
  im2col: (x, g, dtype) => {
    const out = take(dtype, g.n * g.outH * g.outW * g.c * g.kh * g.kw);
    return isF32(x) && out instanceof Float32Array && out.length >= WASM_MIN_ELEMENTS
      ? im2colWasm(x, g, out)
      : im2colInto(arr(x), g, out);
  },
  col2im: (cols, g, dtype) => {
    const size = g.n * g.c * g.h * g.w;
    if (dtype === 'float32' && isF32(cols) && cols.length >= WASM_MIN_ELEMENTS)
      return col2imWasm(cols, g, takeF32(size));
    return col2imInto(arr(cols), g, takeZeroed(dtype, size));
  },
  maxPool2d: (x, g, dtype) => {
    const size = g.n * g.c * g.outH * g.outW;
    const y = take(dtype, size);
    const argmax = new Int32Array(size);
    if (isF32(x) && y instanceof Float32Array && size >= WASM_MIN_ELEMENTS && isPool2x2(g))
      maxPool2x2Wasm(x, g, y, argmax);
    else maxPool2dInto(arr(x), g, y, argmax);
    return { y, argmax };
  },
  maxPool2dBackward: (dy, argmax, g, dtype) => {
    const size = g.n * g.c * g.h * g.w;
    if (dtype === 'float32' && isF32(dy) && argmax.length >= WASM_MIN_ELEMENTS) {
      const dx = takeF32(size);
      scatterAddWasm(dy, argmax, dx, size, g.n * g.c);
      return dx;
    }
    const dx = takeZeroed(dtype, size);
    maxPool2dBackwardInto(arr(dy), argmax, dx);
    return dx;
  },
  avgPool2d: (x, g, dtype) => {
    const y = take(dtype, g.n * g.c * g.outH * g.outW);
    avgPool2dInto(arr(x), g, y);
    return y;
  },
  avgPool2dBackward: (dy, g, dtype) => {
    const dx = takeZeroed(dtype, g.n * g.c * g.h * g.w);
    avgPool2dBackwardInto(arr(dy), g, dx);
    return dx;
  },
};
