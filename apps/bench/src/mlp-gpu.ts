/**
 * The bench MLP step (mlp-thermograd.ts) on the gpu.js backend: the same model, data, ops and
 * library Optimizer, run inside autograd's tidy (which also releases the raw buffers the backend's
 * kernels made: on a GPU those are device memory). The Optimizer's update stays on the device (its
 * plugin computes with tensor ops and it writes Φ + ΔΦ with GpuBackend.assign); what is read back
 * is the loss and the Optimizer's one-scalar finiteness check.
 */
import { crossEntropy, tensor, tidy, type Tensor } from '@thermograd/autograd';
import type { GpuBackend } from '@thermograd/backend-gpujs';
import { initialWeights, type Batch } from './data.js';
import { mlpLogits } from './mlp-forward.js';
import { SGD, thermogradOptimizer, type BenchOptimizer } from './optimizer.js';

export function thermogradGpuMlp(
  gpu: GpuBackend,
  sizes: readonly number[],
  lr: number,
  batches: readonly Batch[],
  optimizer: BenchOptimizer = SGD,
) {
  const batch = batches[0].labels.length;
  const params: Tensor[] = initialWeights(sizes).flatMap(({ w, b }, l) => [
    tensor(w, [sizes[l + 1], sizes[l]], { dtype: 'float32', backend: gpu, requiresGrad: true }),
    tensor(b, [sizes[l + 1]], { dtype: 'float32', backend: gpu, requiresGrad: true }),
  ]);
  const inputs = batches.map((d) =>
    tensor(d.x, [batch, sizes[0]], { dtype: 'float32', backend: gpu }),
  );
  const opt = thermogradOptimizer(params, lr, optimizer);
  let i = 0;
  return (): number =>
    tidy(() => {
      const k = i++ % batches.length;
      const loss = crossEntropy(mlpLogits(inputs[k], params), batches[k].labels);
      loss.backward();
      opt.step();
      // Gradients die with the scope; drop the references before it ends.
      opt.zeroGrad();
      return loss.item();
    });
}
