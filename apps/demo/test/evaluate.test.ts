/**
 * Chunk sizes on backends that limit one tensor's size (the gpu.js backend's float-indexed kernels:
 * 2^24 elements in webasm and webgpu): the model's own bound on its largest tensor per example,
 * checked against the kernels a real training step launches.
 */
import { describe, expect, it } from 'vitest';
import {
  crossEntropy,
  Generator,
  getBackend,
  registerBackend,
  setBackend,
  tensor,
  type Backend,
} from '@thermograd/autograd';
import { GpuBackend } from '@thermograd/backend-gpujs';
import { DEFAULTS } from '../src/config.js';
import { evaluationBatch } from '../src/evaluate.js';
import { buildModel, type ModelOptions } from '../src/models.js';

const base: ModelOptions = {
  kind: 'cnn',
  hidden: DEFAULTS.hidden,
  channels: DEFAULTS.channels,
  fc: DEFAULTS.fc,
  rows: 28,
  cols: 28,
  classes: 10,
};

/** Output sizes of every kernel one forward and backward pass launches, at batch `n`. */
function kernelSizes(options: ModelOptions, n: number): number[] {
  const sizes: number[] = [];
  const gpu = new GpuBackend({
    mode: 'cpu',
    name: `gpu-observe-sizes-${n}`,
    observe: (call) => sizes.push(call.size),
  });
  const previous = getBackend().name;
  registerBackend(gpu, { makeDefault: true }); // the model's parameters are made on the default backend
  try {
    const model = buildModel(options, new Generator(3));
    const x = tensor(new Float32Array(n * 28 * 28).fill(0.5), [n, 28 * 28]);
    crossEntropy(
      model.forward(x),
      Array.from({ length: n }, (_, i) => i % 10),
    ).backward();
  } finally {
    setBackend(previous);
  }
  return sizes;
}

/** The largest growth of one kernel's output per added example (parameter-sized outputs do not grow). */
function largestPerExample(options: ModelOptions): number {
  const two = kernelSizes(options, 2);
  const four = kernelSizes(options, 4);
  expect(four.length).toBe(two.length);
  return Math.max(...two.map((s, i) => (four[i] - s) / 2));
}

describe('evaluation batches and tensor-size limits', () => {
  const unlimited = { maxElements: undefined } as unknown as Backend;
  const gpuLimit = { maxElements: 2 ** 24 } as unknown as Backend;

  it('is 1000 where the backend sets no limit, and fits every tensor under 2^24 where it does', () => {
    for (const options of [
      base,
      { ...base, kind: 'mlp' as const },
      { ...base, channels: [64, 128] },
    ]) {
      const model = buildModel(options, new Generator(1));
      expect(evaluationBatch(model, unlimited)).toBe(1000);
      const b = evaluationBatch(model, gpuLimit);
      expect(b * model.elementsPerExample).toBeLessThanOrEqual(2 ** 24);
      expect(b).toBe(Math.min(1000, Math.floor(2 ** 24 / model.elementsPerExample)));
    }
    // The default CNN: conv2's im2col patches, 10·10 pixels × 16·25, bound the batch at 419.
    expect(evaluationBatch(buildModel(base, new Generator(1)), gpuLimit)).toBe(419);
    expect(getBackend().maxElements).toBeUndefined();
  });

  it("a model's elementsPerExample is the largest tensor its training step makes, per example", () => {
    for (const options of [
      base,
      { ...base, channels: [4, 40] },
      { ...base, kind: 'mlp' as const, hidden: [1000, 20] },
    ]) {
      const model = buildModel(options, new Generator(1));
      expect(largestPerExample(options), `${model.describe}`).toBe(model.elementsPerExample);
    }
  });
});
