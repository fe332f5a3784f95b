/**
 * Tensors with a zero-length axis, forward and backward, on every backend: an empty contraction
 * is a sum of nothing (zeros), an empty slice's gradient is zeros of the input's shape, and ops
 * over empty batches give empty results. The gpu backend once threw a TypeError from inside
 * gpu.js for the first two (it cannot bind a zero-length array).
 */
import { describe, expect, it } from 'vitest';
import {
  concat,
  linear,
  matmul,
  ones,
  relu,
  slice,
  softmax,
  sum,
  withBackend,
  zeros,
} from '@thermograd/autograd';
import { BACKENDS } from './backends.js';

const values = (t: { dataSync(): ArrayLike<number> }) => Array.from(t.dataSync());

for (const backend of BACKENDS) {
  describe(`${backend}: zero-size tensors`, () => {
    const on = (fn: () => void) => () => withBackend(backend, fn);

    it(
      '[2, 0]·[0, 3] is zeros [2, 3]; its gradients are empty',
      on(() => {
        const a = zeros([2, 0]).requireGrad();
        const b = zeros([0, 3]).requireGrad();
        const c = matmul(a, b);
        expect(c.shape).toEqual([2, 3]);
        expect(values(c)).toEqual([0, 0, 0, 0, 0, 0]);
        c.sum().backward();
        expect(a.grad!.shape).toEqual([2, 0]);
        expect(b.grad!.shape).toEqual([0, 3]);
      }),
    );

    it(
      'the backward of an empty slice is zeros of the input shape',
      on(() => {
        const x = ones([4, 3]).requireGrad();
        const s = slice(x, [3], [1]);
        expect(s.shape).toEqual([0, 3]);
        s.sum().backward();
        expect(x.grad!.shape).toEqual([4, 3]);
        expect(values(x.grad!)).toEqual(new Array(12).fill(0));
      }),
    );

    it(
      'a linear layer over an empty batch; a feature-less linear layer gives its bias',
      on(() => {
        const w = ones([3, 2]).requireGrad();
        const b = ones([3]).requireGrad();
        const y = linear(zeros([0, 2]), w, b);
        expect(y.shape).toEqual([0, 3]);
        y.sum().backward();
        expect(values(w.grad!)).toEqual([0, 0, 0, 0, 0, 0]);
        expect(values(b.grad!)).toEqual([0, 0, 0]);
        const noFeatures = linear(zeros([2, 0]), zeros([3, 0]), ones([3]));
        expect(values(noFeatures)).toEqual([1, 1, 1, 1, 1, 1]);
      }),
    );

    it(
      'element-wise, reductions, softmax and concat with an empty axis',
      on(() => {
        const e = zeros([0, 4]).requireGrad();
        expect(relu(e).shape).toEqual([0, 4]);
        expect(values(sum(e, 0))).toEqual([0, 0, 0, 0]);
        expect(softmax(e).shape).toEqual([0, 4]);
        const joined = concat([e, ones([2, 4])], 0);
        expect(joined.shape).toEqual([2, 4]);
        joined.sum().backward();
        expect(e.grad!.shape).toEqual([0, 4]);
      }),
    );
  });
}
