/**
 * The scenario of issue 11's lifetime bug, shared by the CPU backends' test (tidy-keep-graph.test.ts)
 * and the gpu backend's (packages/backend-gpujs/test/lifetime-graph.test.ts): a convolution's
 * cross-entropy over 576 classes, x [8, 2, 12, 12], W [4, 2, 3, 3], whose backward needs the raw
 * im2col columns and softmax probabilities that no graph walk sees.
 */
import { Generator, conv2d, crossEntropy, randn, withBackend, type Tensor } from '../src/index.js';

const LABELS = [3, 70, 140, 500, 9, 11, 575, 0];

/** x [8, 2, 12, 12] and a weight W [4, 2, 3, 3] (requiring grad) on `backend`, seeded. */
export function keptLossData(seed: number, backend: string): { x: Tensor; w: Tensor } {
  return withBackend(backend, () => {
    const rng = new Generator(seed);
    return {
      x: randn([8, 2, 12, 12], { rng }),
      w: randn([4, 2, 3, 3], { rng }).mul(0.3).detach().requireGrad(),
    };
  });
}

export const keptLossOf = (x: Tensor, w: Tensor): Tensor =>
  crossEntropy(conv2d(x, w, null, { padding: 1 }).flatten(1), LABELS);

/** W's gradient on the reference backend, without any scope. */
export function keptLossReferenceGrad(): number[] {
  const { x, w } = keptLossData(1, 'reference');
  keptLossOf(x, w).backward();
  return Array.from(w.grad!.dataSync());
}
