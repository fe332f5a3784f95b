/** Reference layout kernels: permute, slice and its inverse, concat, gather and its adjoint. */
import { allocArray, arrayFrom, type DType, type TypedArray } from '../../dtype.js';
import { forEachStrided, sizeOf, stridesOf, type Shape } from '../../shape.js';

/** Calls visit(outIndex, inOffset) for every element of a box of `size` inside an array of `shape`. */
function forEachInBox(
  shape: Shape,
  begin: readonly number[],
  size: readonly number[],
  visit: (outIndex: number, inOffset: number) => void,
): void {
  const strides = stridesOf(shape);
  forEachStrided(
    size,
    strides,
    begin.reduce((o, b, axis) => o + b * strides[axis], 0),
    visit,
  );
}

export function permute(
  x: TypedArray,
  shape: Shape,
  perm: readonly number[],
  dtype: DType,
): TypedArray {
  const inStrides = stridesOf(shape);
  const out = allocArray(dtype, sizeOf(shape));
  // Walk the output in order, reading the input through its strides in the permuted order.
  forEachStrided(
    perm.map((p) => shape[p]),
    perm.map((p) => inStrides[p]),
    0,
    (i, offset) => {
      out[i] = x[offset];
    },
  );
  return out;
}

export function slice(
  x: TypedArray,
  shape: Shape,
  begin: readonly number[],
  size: readonly number[],
  dtype: DType,
): TypedArray {
  const out = allocArray(dtype, sizeOf(size));
  forEachInBox(shape, begin, size, (i, off) => {
    out[i] = x[off];
  });
  return out;
}

export function unslice(
  x: TypedArray,
  size: readonly number[],
  begin: readonly number[],
  fullShape: Shape,
  dtype: DType,
): TypedArray {
  const out = allocArray(dtype, sizeOf(fullShape));
  forEachInBox(fullShape, begin, size, (i, off) => {
    out[off] = x[i];
  });
  return out;
}

export function concat(
  inputs: readonly { storage: TypedArray; shape: Shape }[],
  axis: number,
  outShape: Shape,
  dtype: DType,
): TypedArray {
  const out = allocArray(dtype, sizeOf(outShape));
  // View every tensor as [outer, dim, inner]; copy contiguous runs of dim·inner.
  const outer = sizeOf(outShape.slice(0, axis));
  const inner = sizeOf(outShape.slice(axis + 1));
  const outRow = outShape[axis] * inner;
  let start = 0;
  for (const { storage, shape } of inputs) {
    const run = shape[axis] * inner;
    for (let o = 0; o < outer; o++)
      out.set(storage.subarray(o * run, (o + 1) * run), o * outRow + start);
    start += run;
  }
  return out;
}

export function gather(
  x: TypedArray,
  shape: Shape,
  axis: number,
  indices: Int32Array,
  dtype: DType,
): TypedArray {
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const dim = shape[axis];
  const count = indices.length;
  const out = allocArray(dtype, outer * count * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < count; j++) {
      const src = (o * dim + indices[j]) * inner;
      out.set(x.subarray(src, src + inner), (o * count + j) * inner);
    }
  }
  return out;
}

export function scatterAdd(
  dy: TypedArray,
  dyShape: Shape,
  axis: number,
  indices: Int32Array,
  fullShape: Shape,
  dtype: DType,
): TypedArray {
  const outer = sizeOf(fullShape.slice(0, axis));
  const inner = sizeOf(fullShape.slice(axis + 1));
  const dim = fullShape[axis];
  const count = dyShape[axis];
  // An index repeated many times sums many terms: accumulate in float64, round once (as reduce).
  const acc = new Float64Array(sizeOf(fullShape));
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < count; j++) {
      const dst = (o * dim + indices[j]) * inner;
      const src = (o * count + j) * inner;
      for (let t = 0; t < inner; t++) acc[dst + t] += dy[src + t];
    }
  }
  return dtype === 'float64' ? acc : arrayFrom(dtype, acc);
}
