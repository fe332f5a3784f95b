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

/**
 * Storage on this backend is a plain typed array, so most kernels plug in as they are: the
 * Backend's methods take `Storage`, which these kernels read as the TypedArray it is.
 */
export const referenceBackend: Backend = {
  name: 'reference',
  fromValues: (values, dtype) => arrayFrom(dtype, values),
  zeros: (size, dtype) => allocArray(dtype, size),
  read: arr,
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
  unary,
  unaryBackward,
  binary,
  where,
  reduce,
  finiteProbe,
  matmul,
  permute,
  slice,
  unslice,
  concat,
  gather,
  scatterAdd,
  softmaxCrossEntropy,
  softmaxCrossEntropyBackward,
  logSoftmax,
  logSoftmaxBackward,
  im2col,
  col2im,
  maxPool2d,
  maxPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
};
