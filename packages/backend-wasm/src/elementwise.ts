/**
 * Float32 and float64 element-wise fast paths (float64: the JavaScript loops only; the demo's lab
 * trains float64 models). Large outputs (WASM_MIN_ELEMENTS on) of relu, its gradient and
 * add/sub/mul/div run in wasm SIMD loops (wasm-ops.ts): copying the operands in and the result out
 * is a memcpy each, and the loops take 0.2-0.3 ms on the bench CNN's 800,000-element activations
 * where these JavaScript loops took 2-2.5 ms (2-3 ns per element). Below that, and for the other
 * operators, specialised JavaScript: a loop per operator (no per-element function call) for the
 * arithmetic operators, and broadcasting by rows (broadcast.ts) instead of per-element offset
 * tables. Every operator and every broadcast is covered; each element is computed exactly as the
 * reference computes it (one double-precision operation rounded to float32, which is what float32
 * arithmetic gives; in float64 the operation itself), so results agree bit for bit, whichever
 * path runs.
 */
import {
  sizeOf,
  BINARY_FUNCTIONS,
  type BinaryOp,
  type UnaryOp,
  type Shape,
} from '@thermograd/autograd';
import { broadcastPlan, forEachRow } from './broadcast.js';
import { take, takeF32 } from './buffer-pool.js';
import { WASM_MIN_ELEMENTS, binaryWasm, reluBackwardWasm, reluWasm } from './wasm-ops.js';
import type { WasmBinaryOp } from './ops-wat.js';

/** Operators with a wasm SIMD loop (wasm-ops.ts), used for large outputs with rows of at least WASM_MIN_ROW. */
const WASM_OPS = new Set<BinaryOp>(['add', 'sub', 'mul', 'div']);
const WASM_MIN_ROW = 16;

/** Storage the JavaScript loops serve: both float dtypes, never mixed within one call. */
export type Floats = Float32Array | Float64Array;

/**
 * out[o + j] = a[ia + j·sa] ∘ b[ib + j·sb] for j < n. The strides are 0 or 1 after collapsing;
 * the operator and stride switch sits outside the loops so each loop body is one instruction.
 */
function row(
  op: BinaryOp,
  a: Floats,
  ia: number,
  sa: number,
  b: Floats,
  ib: number,
  sb: number,
  out: Floats,
  o: number,
  n: number,
): void {
  if (sa === 1 && sb === 1) {
    if (op === 'add') for (let j = 0; j < n; j++) out[o + j] = a[ia + j] + b[ib + j];
    else if (op === 'sub') for (let j = 0; j < n; j++) out[o + j] = a[ia + j] - b[ib + j];
    else if (op === 'mul') for (let j = 0; j < n; j++) out[o + j] = a[ia + j] * b[ib + j];
    else if (op === 'div') for (let j = 0; j < n; j++) out[o + j] = a[ia + j] / b[ib + j];
    else {
      const f = BINARY_FUNCTIONS[op];
      for (let j = 0; j < n; j++) out[o + j] = f(a[ia + j], b[ib + j]);
    }
  } else if (sa === 1 && sb === 0) {
    const s = b[ib];
    if (op === 'add') for (let j = 0; j < n; j++) out[o + j] = a[ia + j] + s;
    else if (op === 'sub') for (let j = 0; j < n; j++) out[o + j] = a[ia + j] - s;
    else if (op === 'mul') for (let j = 0; j < n; j++) out[o + j] = a[ia + j] * s;
    else if (op === 'div') for (let j = 0; j < n; j++) out[o + j] = a[ia + j] / s;
    else {
      const f = BINARY_FUNCTIONS[op];
      for (let j = 0; j < n; j++) out[o + j] = f(a[ia + j], s);
    }
  } else if (sa === 0 && sb === 1) {
    const s = a[ia];
    if (op === 'add') for (let j = 0; j < n; j++) out[o + j] = s + b[ib + j];
    else if (op === 'sub') for (let j = 0; j < n; j++) out[o + j] = s - b[ib + j];
    else if (op === 'mul') for (let j = 0; j < n; j++) out[o + j] = s * b[ib + j];
    else if (op === 'div') for (let j = 0; j < n; j++) out[o + j] = s / b[ib + j];
    else {
      const f = BINARY_FUNCTIONS[op];
      for (let j = 0; j < n; j++) out[o + j] = f(s, b[ib + j]);
    }
  } else {
    // Both stride 0 only for a one-element row (a scalar output); any other mix is handled generally.
    const f = BINARY_FUNCTIONS[op];
    for (let j = 0; j < n; j++) out[o + j] = f(a[ia + j * sa], b[ib + j * sb]);
  }
}

/** out = a ∘ b under any broadcast, for every binary operator; a, b and out share one dtype. */
export function binaryFloats<A extends Floats>(
  op: BinaryOp,
  a: A,
  aShape: Shape,
  b: A,
  bShape: Shape,
  outShape: Shape,
): A {
  const size = sizeOf(outShape);
  const out = take(a instanceof Float32Array ? 'float32' : 'float64', size) as A;
  if (size === 0) return out;
  const wasm = size >= WASM_MIN_ELEMENTS && WASM_OPS.has(op) && out instanceof Float32Array;
  if (sizeOf(aShape) === size && sizeOf(bShape) === size) {
    // Equal sizes mean equal layouts (broadcasting only stretches size-1 axes): skip the plan.
    if (wasm)
      binaryWasm(op as WasmBinaryOp, a as Float32Array, b as Float32Array, out, (emit) =>
        emit(0, 1, 0, 1, 0, size),
      );
    else row(op, a, 0, 1, b, 0, 1, out, 0, size);
    return out;
  }
  const { dims, strides } = broadcastPlan([aShape, bShape], outShape);
  const [sa, sb] = strides;
  const r = dims.length;
  const n = dims[r - 1];
  const ja = sa[r - 1];
  const jb = sb[r - 1];
  /** Every output row in ascending order, with the operands' offsets (an odometer over the outer axes). */
  const walk = (
    emit: (ia: number, ja: number, ib: number, jb: number, o: number, n: number) => void,
  ) => forEachRow(dims, strides, ([ia, ib], row) => emit(ia, ja, ib, jb, row * n, n));
  if (wasm && n >= WASM_MIN_ROW && ja + jb > 0)
    binaryWasm(op as WasmBinaryOp, a as Float32Array, b as Float32Array, out, walk);
  else walk((ia, ja, ib, jb, o, n) => row(op, a, ia, ja, b, ib, jb, out, o, n));
  return out;
}

/** out = cond ≠ 0 ? a : b, all three broadcast to outShape, row by row like binaryFloats. */
export function whereFloats<A extends Floats>(
  cond: A,
  condShape: Shape,
  a: A,
  aShape: Shape,
  b: A,
  bShape: Shape,
  outShape: Shape,
): A {
  const size = sizeOf(outShape);
  const out = take(a instanceof Float32Array ? 'float32' : 'float64', size) as A;
  if (size === 0) return out;
  const { dims, strides } = broadcastPlan([condShape, aShape, bShape], outShape);
  const [sc, sa, sb] = strides;
  const r = dims.length;
  const n = dims[r - 1];
  const [jc, ja, jb] = [sc[r - 1], sa[r - 1], sb[r - 1]];
  forEachRow(dims, strides, ([ic, ia, ib], row) => {
    const o = row * n;
    if (jc === 1 && ja === 1 && jb === 1)
      for (let j = 0; j < n; j++) out[o + j] = cond[ic + j] !== 0 ? a[ia + j] : b[ib + j];
    else
      for (let j = 0; j < n; j++)
        out[o + j] = cond[ic + j * jc] !== 0 ? a[ia + j * ja] : b[ib + j * jb];
  });
  return out;
}

/**
 * relu and its derivative, branch-free on the float32 bit patterns: on a layer's pre-activations the
 * sign is a coin flip, and a data-dependent branch per element (which is what `v > 0 ? v : 0`
 * compiles to) mispredicts half the time, tripling the cost. x > 0 holds exactly when x's bits, as
 * an int32, lie in [1, 0x7f800000] (positive, +∞ included; −0, negatives and every NaN excluded),
 * and then the value is copied bit for bit, as the reference's rounding of an exact float does.
 * A NaN (either sign) is passed through too, forward and backward, as the reference does.
 */
const positiveMask = (bits: number) => {
  const t = bits - 1;
  // All ones when 0 ≤ t ≤ 0x7f7fffff, else 0: the sign of either bound's difference.
  return ~((t | (0x7f7fffff - t)) >> 31);
};
/** All ones when the bits are a NaN's (magnitude above +∞'s), else 0. */
const nanMask = (bits: number) => (0x7f800000 - (bits & 0x7fffffff)) >> 31;
const int32View = (x: Float32Array, size: number) => new Int32Array(x.buffer, x.byteOffset, size);

export function unaryF32(op: UnaryOp, x: Float32Array, size: number): Float32Array | undefined {
  if (op !== 'relu') return undefined;
  const out = takeF32(size);
  if (size >= WASM_MIN_ELEMENTS) {
    reluWasm(x, out, size);
    return out;
  }
  const xb = int32View(x, size);
  const ob = int32View(out, size);
  for (let i = 0; i < size; i++) {
    const b = xb[i];
    ob[i] = b & (positiveMask(b) | nanMask(b));
  }
  return out;
}

export function unaryBackwardF32(
  op: UnaryOp,
  x: Float32Array,
  dy: Float32Array,
  size: number,
): Float32Array | undefined {
  if (op !== 'relu') return undefined;
  const out = takeF32(size);
  if (size >= WASM_MIN_ELEMENTS) {
    reluBackwardWasm(x, dy, out, size);
    return out;
  }
  const xb = int32View(x, size);
  const db = int32View(dy, size);
  const ob = int32View(out, size);
  for (let i = 0; i < size; i++) {
    const b = xb[i];
    ob[i] = (db[i] & positiveMask(b)) | (b & nanMask(b));
  }
  return out;
}
