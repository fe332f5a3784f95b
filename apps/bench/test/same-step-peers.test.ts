/**
 * The bench's peers take the same steps as thermograd from the same weights and data: jax-js (always:
 * a devDependency) and PyTorch (only where the Python named by BENCH_PYTHON imports torch; CI has
 * none, so that case is skipped there).
 */
import { describe, expect, it } from 'vitest';
import { randomBatches } from '../src/data.js';
import { thermogradMlp } from '../src/mlp-thermograd.js';
import { thermogradCnn } from '../src/cnn-thermograd.js';
import { initJax, jaxMlp } from '../src/mlp-jax.js';
import { TorchPeer, torchVersion } from '../src/torch-peer.js';

const sizes = [784, 32, 16, 10];
const run = (step: () => number, n = 4) => Array.from({ length: n }, step);

describe('bench peers', () => {
  it('jax-js takes the same MLP steps as thermograd (fast)', async () => {
    await initJax();
    const batches = randomBatches(2, 8);
    const want = run(thermogradMlp('fast', sizes, 0.1, batches));
    const got = run(jaxMlp(sizes, 0.1, batches));
    got.forEach((l, i) => expect(l, `step ${i}`).toBeCloseTo(want[i], 4));
    expect(Math.abs(want[2] - want[0])).toBeGreaterThan(1e-3);
  });

  const torch = torchVersion();
  it.skipIf(!torch.version)(
    'PyTorch takes the same MLP and CNN steps as thermograd (fast)',
    async () => {
      const batches = randomBatches(2, 8);
      for (const model of [{ kind: 'mlp', sizes } as const, { kind: 'cnn' } as const]) {
        const want = run(
          model.kind === 'mlp'
            ? thermogradMlp('fast', sizes, 0.1, batches)
            : thermogradCnn('fast', 0.1, batches),
        );
        const peer = new TorchPeer(1);
        try {
          await peer.setup(model, 0.1, batches);
          const got = await peer.losses(4);
          got.forEach((l, i) => expect(l, `${model.kind} step ${i}`).toBeCloseTo(want[i], 4));
        } finally {
          peer.close();
        }
      }
    },
  );
});
