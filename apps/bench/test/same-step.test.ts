/**
 * The benchmark compares like with like: from the same weights and data, thermograd (both
 * backends, through the library Optimizer) and TensorFlow.js take the same SGD steps, and the same
 * momentum steps, so their losses agree step by step.
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

  it('with momentum (μ = 0.9) gives the losses of tfjs-cpu with tf.train.momentum over 6 steps', async () => {
    await tf.setBackend('cpu');
    const sizes = [784, 32, 10];
    const batches = randomBatches(2, 8);
    const momentum = { plugin: 'momentum', mu: 0.9 } as const;
    const run = (step: () => number) => Array.from({ length: 6 }, step);
    const expected = run(tfjsMlp(sizes, 0.05, batches, momentum));
    for (const backend of ['reference', 'fast']) {
      const got = run(thermogradMlp(backend, sizes, 0.05, batches, momentum));
      got.forEach((l, i) => expect(l, `${backend} step ${i}`).toBeCloseTo(expected[i], 4));
    }
    // Momentum is not SGD: from the third step on (the velocity has history) the losses differ.
    const plain = run(tfjsMlp(sizes, 0.05, batches));
    expect(Math.abs(plain[5] - expected[5])).toBeGreaterThan(1e-3);
  });
});
