/**
 * permute as contiguous runs. Output axes that stay adjacent and in order in the input are merged
 * (NCHW → CNHW keeps H·W together; [B, O, P] → [O, B, P] copies rows of P), size-1 axes vanish,
 * and the innermost merged axis is copied as a run when it is contiguous in the input, or gathered
 * with its stride otherwise. Pure data movement: bit-identical to the reference, for any dtype.
 */
import type { TypedArray, Shape } from '@thermograd/autograd';

export function permuteInto(
  x: TypedArray,
  shape: Shape,
  perm: readonly number[],
  out: TypedArray,
): TypedArray {
  const inStrides = new Array<number>(shape.length);
  for (let axis = shape.length - 1, step = 1; axis >= 0; axis--) {
    inStrides[axis] = step;
    step *= shape[axis];
  }
  // Collapsed output dims and the input stride of each.
  const dims: number[] = [];
  const strides: number[] = [];
  for (const p of perm) {
    const d = shape[p];
    if (d === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && strides[last] === inStrides[p] * d) {
      dims[last] *= d;
      strides[last] = inStrides[p];
    } else {
      dims.push(d);
      strides.push(inStrides[p]);
    }
  }
  const size = out.length;
  if (size === 0) return out;
  if (dims.length === 0) {
    out[0] = x[0];
    return out;
  }
  const rank = dims.length;
  const n = dims[rank - 1];
  const step = strides[rank - 1];
  // The odometer of broadcast.ts's forEachRow, inline: permute's rows are often short (a few
  // elements in NCHW ↔ NHWC-like moves), and a callback per row measurably slowed the CNN step.
  const counter = new Array<number>(rank).fill(0);
  let offset = 0;
  for (let o = 0; o < size; o += n) {
    if (step === 1) {
      if (n >= 64) out.set(x.subarray(offset, offset + n), o);
      else for (let j = 0; j < n; j++) out[o + j] = x[offset + j];
    } else {
      for (let j = 0, s = offset; j < n; j++, s += step) out[o + j] = x[s];
    }
    for (let axis = rank - 2; axis >= 0; axis--) {
      offset += strides[axis];
      if (++counter[axis] < dims[axis]) break;
      offset -= strides[axis] * dims[axis];
      counter[axis] = 0;
    }
  }
  return out;
}
