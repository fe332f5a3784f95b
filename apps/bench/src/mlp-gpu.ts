/**
 * The bench MLP step (mlp-thermograd.ts) on the gpu.js backend: the same model, data and ops, run
 * inside autograd's tidy (which also releases the raw buffers the backend's kernels made: on a GPU
 * those are device memory). The update p ← p − lr·∇p stays on the device (GpuBackend.assign):
 * the sgdUpdate helper would read every parameter and gradient back to the host and upload the
 * result, which behind the worker bridge is three transfers per parameter per step. Only the loss
 * is read back.
 */
import { crossEntropy, noGrad, tensor, tidy, type Tensor } from '@thermograd/autograd';
import type { GpuBackend } from '@thermograd/backend-gpujs';
import { initialWeights, type Batch } from './data.js';
import { mlpLogits } from './mlp-forward.js';

export function thermogradGpuMlp(
  gpu: GpuBackend,
  sizes: readonly number[],
  lr: number,
  batches: readonly Batch[],
) {
  const batch = batches[0].labels.length;
  const params: Tensor[] = initialWeights(sizes).flatMap(({ w, b }, l) => [
    tensor(w, [sizes[l + 1], sizes[l]], { dtype: 'float32', backend: gpu, requiresGrad: true }),
    tensor(b, [sizes[l + 1]], { dtype: 'float32', backend: gpu, requiresGrad: true }),
  ]);
  const inputs = batches.map((d) =>
    tensor(d.x, [batch, sizes[0]], { dtype: 'float32', backend: gpu }),
  );
  let i = 0;
  return (): number =>
    tidy(() => {
      const k = i++ % batches.length;
      const loss = crossEntropy(mlpLogits(inputs[k], params), batches[k].labels);
      loss.backward();
      noGrad(() => {
        for (const p of params) gpu.assign(p, p.sub(p.grad!.mul(lr)));
      });
      // Gradients die with the scope; drop the references before it ends.
      for (const p of params) p.zeroGrad();
      return loss.item();
    });
}
