/**
 * Where thermograd and TensorFlow.js answer differently on purpose: thermograd follows PyTorch.
 * Each case pins both answers, on every backend, so that the differential suite (tfjs-ops.test.ts)
 * can keep its tolerances tight and avoid these points, and a change on either side shows here.
 */
import { describe, expect, it } from 'vitest';
import {
  abs,
  avgPool2d,
  max,
  maximum,
  pow,
  tensor,
  withBackend,
  type Tensor,
} from '@thermograd/autograd';
import { BACKENDS } from './backends.js';
import { tf, tfjsRun } from './tfjs.js';

const values = (t: Tensor | null) => Array.from(t!.dataSync());
const ones = (n: number) => new Float32Array(n).fill(1);

interface Convention {
  name: string;
  inputs: number[][];
  /** thermograd's gradients of sum(f) for each input (PyTorch's). */
  ours: (...xs: Tensor[]) => Tensor;
  oursGrads: number[][];
  theirs: (...xs: tf.Tensor[]) => tf.Tensor;
  theirsGrads: number[][];
}

const CONVENTIONS: Convention[] = [
  {
    name: "abs'(0): 0 (PyTorch's subgradient); TF.js −1",
    inputs: [[0, -2, 3]],
    ours: abs,
    oursGrads: [[0, -1, 1]],
    theirs: tf.abs,
    theirsGrads: [[-1, -1, 1]],
  },
  {
    name: 'maximum at a tie: the gradient is split evenly; TF.js gives it all to the first operand',
    inputs: [
      [1, 2],
      [1, 3],
    ],
    ours: maximum,
    oursGrads: [
      [0.5, 0],
      [0.5, 1],
    ],
    theirs: tf.maximum,
    theirsGrads: [
      [1, 0],
      [0, 1],
    ],
  },
  {
    name: 'max over ties: the gradient is split among them (torch.amax); TF.js gives each all of it',
    inputs: [[1, 3, 3]],
    ours: (x) => max(x),
    oursGrads: [[0, 0.5, 0.5]],
    theirs: (x) => tf.max(x),
    theirsGrads: [[0, 1, 1]],
  },
  {
    name: "pow's exponent gradient at a negative base: NaN (x^y·log x); TF.js 0",
    inputs: [[-2], [2]],
    ours: pow,
    oursGrads: [[-4], [NaN]],
    theirs: tf.pow,
    theirsGrads: [[-4], [0]],
  },
  {
    name: "pow's base gradient at 0^0: 0 (x^0 is constant); TF.js NaN",
    inputs: [[0], [0]],
    ours: pow,
    oursGrads: [[0], [0]],
    theirs: tf.pow,
    theirsGrads: [[NaN], [0]],
  },
];

describe('documented differences from TensorFlow.js', () => {
  for (const c of CONVENTIONS) {
    it(c.name, () => {
      const got = tfjsRun(
        c.theirs,
        c.inputs.map((v) => ({ values: Float32Array.from(v), shape: [v.length], grad: true })),
        ones,
      );
      got.grads!.forEach((g, k) =>
        expect(Array.from(g), `TF.js, input ${k}`).toEqual(c.theirsGrads[k]),
      );
      for (const backend of BACKENDS) {
        withBackend(backend, () => {
          const xs = c.inputs.map((v) => tensor(v, [v.length], { requiresGrad: true }));
          c.ours(...xs)
            .sum()
            .backward();
          xs.forEach((x, k) =>
            expect(values(x.grad), `${backend}, input ${k}`).toEqual(c.oursGrads[k]),
          );
        });
      }
    });
  }

  it('avgPool2d with padding counts the padding as zeros (count_include_pad); TF.js averages the image only', () => {
    // A 3×3 image of 1..9, 3×3 windows, stride 2, padding 1: the corner window holds 1, 2, 4, 5.
    const image = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const got = tfjsRun(
      (x) => tf.avgPool(tf.reshape(x, [1, 3, 3, 1]) as tf.Tensor4D, 3, 2, 1),
      [{ values: Float32Array.from(image), shape: [9], grad: false }],
      null,
    );
    expect(Array.from(got.y)).toEqual([3, 4, 6, 7]);
    for (const backend of BACKENDS) {
      withBackend(backend, () => {
        const y = avgPool2d(tensor(image, [1, 1, 3, 3]), 3, 2, 1);
        expect(values(y), backend).toEqual([12 / 9, 16 / 9, 24 / 9, 28 / 9].map(Math.fround));
      });
    }
  });
});
