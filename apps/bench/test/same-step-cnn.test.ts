/**
 * The CNN benchmark compares like with like: from the same weights and data, thermograd (fast and
 * reference backends) and TensorFlow.js (NHWC, weights converted) take the same SGD steps.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { randomBatches } from '../src/data.js';
import { thermogradCnn } from '../src/cnn-thermograd.js';
import { tfjsCnn } from '../src/cnn-tfjs.js';

describe('bench CNN step', () => {
  it('gives the same losses in thermograd (fast, reference) and tfjs-cpu over 3 steps', async () => {
    await tf.setBackend('cpu');
    const batches = randomBatches(2, 4);
    const run = (step: () => number) => Array.from({ length: 3 }, step);
    const expected = run(tfjsCnn(0.1, batches));
    for (const backend of ['fast', 'reference']) {
      const got = run(thermogradCnn(backend, 0.1, batches));
      got.forEach((l, i) => expect(l, `${backend} step ${i}`).toBeCloseTo(expected[i], 4));
    }
    // Training moves: the loss on batch 0 changes between its first and second visit.
    expect(Math.abs(expected[2] - expected[0])).toBeGreaterThan(1e-3);
  }, 30_000);
});
