/**
 * One SGD step of an MLP with thermograd's autograd ops, as a user would write it: linear (weight
 * [out, in], read transposed by the matmul kernel), relu, fused softmax cross-entropy, backward,
 * the loss read back, and an in-place update p ← p − lr·∇p, all inside tidy.
 */
import { crossEntropy, tensor, tidy, type Tensor } from '@thermograd/autograd';
import '@thermograd/backend-wasm';
import type { Batch } from './data.js';
import { mlpLogits } from './mlp-forward.js';
import { sgdUpdate } from './sgd-update.js';
import { initialWeights } from './data.js';

export function thermogradMlp(
  backend: string,
  sizes: readonly number[],
  lr: number,
  batches: readonly Batch[],
) {
  const batch = batches[0].labels.length;
  const params: Tensor[] = initialWeights(sizes).flatMap(({ w, b }, l) => [
    tensor(w, [sizes[l + 1], sizes[l]], { dtype: 'float32', backend, requiresGrad: true }),
    tensor(b, [sizes[l + 1]], { dtype: 'float32', backend, requiresGrad: true }),
  ]);
  const inputs = batches.map((d) => tensor(d.x, [batch, sizes[0]], { dtype: 'float32', backend }));
  // Update buffers are reused across steps: the update itself allocates nothing.
  const scratch = params.map((p) => new Float32Array(p.size));
  let i = 0;
  // The step runs inside tidy: its intermediates and gradients are disposed when it returns and
  // the fast backend reuses their buffers in the next step.
  return (): number =>
    tidy(() => {
      const k = i++ % batches.length;
      const loss = crossEntropy(mlpLogits(inputs[k], params), batches[k].labels);
      loss.backward();
      const value = loss.item();
      sgdUpdate(params, scratch, lr);
      return value;
    });
}
