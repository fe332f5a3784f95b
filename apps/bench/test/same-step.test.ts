/**
 * The benchmark compares like with like: from the same weights and data, thermograd (both
 * backends) and TensorFlow.js take the same SGD steps, so their losses agree step by step.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { randomBatches } from '../src/data.js';
import { thermogradMlp } from '../src/mlp-thermograd.js';
import { tfjsMlp } from '../src/mlp-tfjs.js';

describe('bench MLP step', () => {
  it('gives the same losses in thermograd (reference, fast) and tfjs-cpu over 4 steps', async () => {
    await tf.setBackend('cpu');
    const sizes = [784, 32, 16, 10];
    const batches = randomBatches(2, 8);
    const run = (step: () => number) => Array.from({ length: 4 }, step);
    const expected = run(tfjsMlp(sizes, 0.1, batches));
    for (const backend of ['reference', 'fast']) {
      const got = run(thermogradMlp(backend, sizes, 0.1, batches));
      got.forEach((l, i) => expect(l, `${backend} step ${i}`).toBeCloseTo(expected[i], 4));
    }
    // Training moves: the loss on batch 0 changes between its first and second visit.
    expect(Math.abs(expected[2] - expected[0])).toBeGreaterThan(1e-3);
  });
});
