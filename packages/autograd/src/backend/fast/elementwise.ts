/**
 * Float32 element-wise fast paths. These stay in JavaScript: for element-wise work, copying the
 * operands into wasm memory would cost as much as the operation. What makes them faster than the
 * reference is specialisation: a loop per operator (no per-element function call) and the
 * broadcasts a network actually uses (same shape, a scalar, a bias row [n] against [m, n]).
 * Anything else returns undefined and the caller falls back to the reference kernel.
 */
import type { BinaryOp, UnaryOp } from '../backend.js';
import type { Shape } from '../../shape.js';

type Kind = 'same' | 'scalarB' | 'scalarA' | 'rowB' | 'rowA';

function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when `s` broadcasts to `out` as one row repeated: all dims 1 except a last dim equal to out's. */
function isRowOf(s: Shape, out: Shape): boolean {
  if (out.length === 0 || s.length === 0 || s.length > out.length) return false;
  if (s[s.length - 1] !== out[out.length - 1]) return false;
  for (let i = 0; i < s.length - 1; i++) if (s[i] !== 1) return false;
  return true;
}

function classify(aShape: Shape, aLen: number, bShape: Shape, bLen: number, out: Shape): Kind | undefined {
  const aFull = sameShape(aShape, out);
  const bFull = sameShape(bShape, out);
  if (aFull && bFull) return 'same';
  if (aFull && bLen === 1) return 'scalarB';
  if (bFull && aLen === 1) return 'scalarA';
  if (aFull && isRowOf(bShape, out)) return 'rowB';
  if (bFull && isRowOf(aShape, out)) return 'rowA';
  return undefined;
}

/** out = a ∘ b for add/sub/mul/div under the common broadcasts; undefined when not covered. */
export function binaryF32(
  op: BinaryOp,
  a: Float32Array,
  aShape: Shape,
  b: Float32Array,
  bShape: Shape,
  outShape: Shape,
): Float32Array | undefined {
  if (op !== 'add' && op !== 'sub' && op !== 'mul' && op !== 'div') return undefined;
  const kind = classify(aShape, a.length, bShape, b.length, outShape);
  if (kind === undefined) return undefined;
  const size = kind === 'same' || kind === 'scalarB' || kind === 'rowB' ? a.length : b.length;
  const out = new Float32Array(size);
  // The operator switch sits outside the loops so each loop body is one arithmetic instruction.
  if (kind === 'same') {
    if (op === 'add') for (let i = 0; i < size; i++) out[i] = a[i] + b[i];
    else if (op === 'sub') for (let i = 0; i < size; i++) out[i] = a[i] - b[i];
    else if (op === 'mul') for (let i = 0; i < size; i++) out[i] = a[i] * b[i];
    else for (let i = 0; i < size; i++) out[i] = a[i] / b[i];
  } else if (kind === 'scalarB') {
    const s = b[0];
    if (op === 'add') for (let i = 0; i < size; i++) out[i] = a[i] + s;
    else if (op === 'sub') for (let i = 0; i < size; i++) out[i] = a[i] - s;
    else if (op === 'mul') for (let i = 0; i < size; i++) out[i] = a[i] * s;
    else for (let i = 0; i < size; i++) out[i] = a[i] / s;
  } else if (kind === 'scalarA') {
    const s = a[0];
    if (op === 'add') for (let i = 0; i < size; i++) out[i] = s + b[i];
    else if (op === 'sub') for (let i = 0; i < size; i++) out[i] = s - b[i];
    else if (op === 'mul') for (let i = 0; i < size; i++) out[i] = s * b[i];
    else for (let i = 0; i < size; i++) out[i] = s / b[i];
  } else {
    const n = outShape[outShape.length - 1];
    const full = kind === 'rowB' ? a : b;
    const row = kind === 'rowB' ? b : a;
    for (let base = 0; base < size; base += n) {
      if (op === 'add') for (let j = 0; j < n; j++) out[base + j] = full[base + j] + row[j];
      else if (op === 'mul') for (let j = 0; j < n; j++) out[base + j] = full[base + j] * row[j];
      else if (op === 'sub') {
        if (kind === 'rowB') for (let j = 0; j < n; j++) out[base + j] = full[base + j] - row[j];
        else for (let j = 0; j < n; j++) out[base + j] = row[j] - full[base + j];
      } else if (kind === 'rowB') for (let j = 0; j < n; j++) out[base + j] = full[base + j] / row[j];
      else for (let j = 0; j < n; j++) out[base + j] = row[j] / full[base + j];
    }
  }
  return out;
}

/** relu and its derivative without the per-element call of the shared scalar table. */
export function unaryF32(op: UnaryOp, x: Float32Array, size: number): Float32Array | undefined {
  if (op !== 'relu') return undefined;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const v = x[i];
    out[i] = v > 0 ? v : 0;
  }
  return out;
}

export function unaryBackwardF32(op: UnaryOp, x: Float32Array, dy: Float32Array, size: number): Float32Array | undefined {
  if (op !== 'relu') return undefined;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = x[i] > 0 ? dy[i] : 0;
  return out;
}
