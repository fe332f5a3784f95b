/**
 * A classifier's plain SGD training step on one fixed random batch (seeded), as the backend tests
 * run it: forward, cross-entropy, backward, p ← p − 0.05·∇p, the loss read back.
 */
import { Generator, crossEntropy, nn, noGrad, tensor } from '@thermograd/autograd';

/** `inputShape` is [batch, …features]; labels are in [0, 10). */
export function trainer(model: nn.Sequential, inputShape: number[], seed: number) {
  const rng = new Generator(seed);
  const batch = inputShape[0];
  const x = tensor(
    Float32Array.from({ length: inputShape.reduce((a, b) => a * b) }, () => rng.uniform()),
    inputShape,
  );
  const labels = Int32Array.from({ length: batch }, () => rng.int(10));
  return (): number => {
    const loss = crossEntropy(model.forward(x), labels);
    loss.backward();
    noGrad(() => {
      for (const p of model.parameters()) p.assign(p.sub(p.grad!.mul(0.05)));
    });
    model.zeroGrad();
    return loss.item();
  };
}
