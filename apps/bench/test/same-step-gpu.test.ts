/**
 * `--backend gpu`: the gpu.js MLP step (mlp-gpu.ts) takes the same SGD steps as the thermograd
 * reference step, in process and behind the worker bridge (the path webgpu takes on a GPU), and
 * leaves no buffers behind from step to step.
 */
import { describe, expect, it } from 'vitest';
import { GpuBackend, webAssemblyAvailable } from '@thermograd/backend-gpujs';
import { randomBatches } from '../src/data.js';
import { thermogradGpuMlp } from '../src/mlp-gpu.js';
import { thermogradMlp } from '../src/mlp-thermograd.js';

describe('bench MLP step on the gpu backend', () => {
  const mode = webAssemblyAvailable() ? 'webasm' : 'cpu';
  it.each([false, true])(
    `gives the reference losses over 4 steps (gpu.js ${mode}, bridged: %s)`,
    (bridge) => {
      const sizes = [784, 32, 16, 10];
      const batches = randomBatches(2, 8);
      const run = (step: () => number) => Array.from({ length: 4 }, step);
      const expected = run(thermogradMlp('reference', sizes, 0.1, batches));
      const gpu = new GpuBackend({ mode, bridge, name: `bench-gpu-${bridge}` });
      const step = thermogradGpuMlp(gpu, sizes, 0.1, batches);
      const got = run(step);
      got.forEach((l, i) => expect(l, `step ${i}`).toBeCloseTo(expected[i], 4));
      const live = gpu.liveBuffers();
      step();
      expect(gpu.liveBuffers()).toBe(live);
      gpu.destroy();
    },
  );
});
