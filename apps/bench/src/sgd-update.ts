/**
 * The plain SGD update every thermograd bench step ends with, Φ ← Φ − lr·ĝ, written into reused
 * scratch arrays (one per parameter) so that the update itself allocates nothing.
 */
import type { Tensor } from '@thermograd/autograd';

export function sgdUpdate(
  params: readonly Tensor[],
  scratch: readonly Float32Array[],
  lr: number,
): void {
  params.forEach((p, j) => {
    const w = p.dataSync();
    const g = p.grad!.dataSync();
    const next = scratch[j];
    for (let e = 0; e < next.length; e++) next[e] = w[e] - lr * g[e];
    p.assign(next);
    p.zeroGrad();
  });
}
