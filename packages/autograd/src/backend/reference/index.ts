/**
 * The reference CPU backend: plain TypeScript loops over typed arrays, written to be read. It
 * defines what every other backend must compute; the conformance suite compares against it. It runs
 * in float32 and float64.
 */
import type { Backend, Storage } from '../backend.js';
import { allocArray, arrayFrom, type DType, type TypedArray } from '../../dtype.js';
import { binary, unary, unaryBackward, where } from './elementwise.js';
import { finiteProbe, reduce } from './reduce.js';
import { matmul } from './matmul.js';
import { concat, gather, permute, scatterAdd, slice, unslice } from './layout.js';
import {
  logSoftmax,
  logSoftmaxBackward,
  softmaxCrossEntropy,
  softmaxCrossEntropyBackward,
} from './losses.js';
import {
  avgPool2d,
  avgPool2dBackward,
  col2im,
  im2col,
  maxPool2d,
  maxPool2dBackward,
} from './conv.js';

const arr = (s: Storage) => s as TypedArray;

export const referenceBackend: Backend = {
  name: 'reference',
  fromValues: (values, dtype) => arrayFrom(dtype, values),
  zeros: (size, dtype) => allocArray(dtype, size),
  read: (s) => arr(s),
  write: (s, values) => {
    const target = arr(s);
    if (values.length !== target.length) {
      throw new RangeError(
        `write: ${values.length} values for storage of ${target.length} elements`,
      );
    }
    target.set(values);
  },
  cast: (s, _size, _from, to: DType) => arrayFrom(to, arr(s)),
  dispose: () => {},
  unary: (op, x, size, dtype, p, p2) => unary(op, arr(x), size, dtype, p, p2),
  unaryBackward: (op, x, y, dy, size, dtype, p, p2) =>
    unaryBackward(op, arr(x), arr(y), arr(dy), size, dtype, p, p2),
  binary: (op, a, aShape, b, bShape, outShape, dtype) =>
    binary(op, arr(a), aShape, arr(b), bShape, outShape, dtype),
  where: (c, cs, a, as, b, bs, os, dtype) => where(arr(c), cs, arr(a), as, arr(b), bs, os, dtype),
  reduce: (op, x, shape, axes, dtype) => reduce(op, arr(x), shape, axes, dtype),
  finiteProbe: (x, size, dtype) => finiteProbe(arr(x), size, dtype),
  matmul: (a, b, p, dtype) => matmul(arr(a), arr(b), p, dtype),
  permute: (x, shape, perm, dtype) => permute(arr(x), shape, perm, dtype),
  slice: (x, shape, begin, size, dtype) => slice(arr(x), shape, begin, size, dtype),
  unslice: (x, size, begin, full, dtype) => unslice(arr(x), size, begin, full, dtype),
  concat: (inputs, axis, outShape, dtype) =>
    concat(
      inputs.map((i) => ({ storage: arr(i.storage), shape: i.shape })),
      axis,
      outShape,
      dtype,
    ),
  gather: (x, shape, axis, idx, dtype) => gather(arr(x), shape, axis, idx, dtype),
  scatterAdd: (dy, dyShape, axis, idx, full, dtype) =>
    scatterAdd(arr(dy), dyShape, axis, idx, full, dtype),
  softmaxCrossEntropy: (l, labels, rows, cols, dtype) =>
    softmaxCrossEntropy(arr(l), labels, rows, cols, dtype),
  softmaxCrossEntropyBackward: (p, labels, d, rows, cols, dtype) =>
    softmaxCrossEntropyBackward(arr(p), labels, arr(d), rows, cols, dtype),
  logSoftmax: (x, rows, cols, dtype) => logSoftmax(arr(x), rows, cols, dtype),
  logSoftmaxBackward: (y, dy, rows, cols, dtype) =>
    logSoftmaxBackward(arr(y), arr(dy), rows, cols, dtype),
  im2col: (x, g, dtype) => im2col(arr(x), g, dtype),
  col2im: (c, g, dtype) => col2im(arr(c), g, dtype),
  maxPool2d: (x, g, dtype) => maxPool2d(arr(x), g, dtype),
  maxPool2dBackward: (dy, am, g, dtype) => maxPool2dBackward(arr(dy), am, g, dtype),
  avgPool2d: (x, g, dtype) => avgPool2d(arr(x), g, dtype),
  avgPool2dBackward: (dy, g, dtype) => avgPool2dBackward(arr(dy), g, dtype),
};
