/**
 * One SGD step of the demo's CNN (cnn-weights.ts) with thermograd's ops, as the demo's layers run
 * it: conv2d (im2col + matmul), relu, maxPool2d, flatten, linear, fused softmax cross-entropy,
 * backward, the loss read back, and an in-place update p ← p − lr·∇p.
 */
import {
  conv2d,
  crossEntropy,
  flatten,
  linear,
  maxPool2d,
  relu,
  tensor,
  tidy,
  type Tensor,
} from '@thermograd/autograd';
import '@thermograd/backend-wasm';
import type { Batch } from './data.js';
import { sgdUpdate } from './sgd-update.js';
import { CNN, cnnWeights } from './cnn-weights.js';

export function thermogradCnn(backend: string, lr: number, batches: readonly Batch[]) {
  const batch = batches[0].labels.length;
  const init = cnnWeights();
  const param = (values: Float32Array, shape: number[]) =>
    tensor(values, shape, { dtype: 'float32', backend, requiresGrad: true });
  const conv = CNN.conv.map(({ inC, outC, k, pad }, l) => ({
    w: param(init.conv[l].w, [outC, inC, k, k]),
    b: param(init.conv[l].b, [outC]),
    pad,
  }));
  const fc = CNN.fc.map(({ inF, out }, l) => ({
    w: param(init.fc[l].w, [out, inF]),
    b: param(init.fc[l].b, [out]),
  }));
  const params: Tensor[] = [...conv.flatMap((c) => [c.w, c.b]), ...fc.flatMap((f) => [f.w, f.b])];
  const inputs = batches.map((d) =>
    tensor(d.x, [batch, 1, CNN.size, CNN.size], { dtype: 'float32', backend }),
  );
  const scratch = params.map((p) => new Float32Array(p.size));
  let i = 0;
  // The step runs inside tidy: its intermediates and gradients are disposed when it returns and
  // the fast backend reuses their buffers in the next step.
  return (): number =>
    tidy(() => {
      const k = i++ % batches.length;
      let h = inputs[k];
      for (const c of conv) h = maxPool2d(relu(conv2d(h, c.w, c.b, { padding: c.pad })), 2);
      h = relu(linear(flatten(h), fc[0].w, fc[0].b));
      const loss = crossEntropy(linear(h, fc[1].w, fc[1].b), batches[k].labels);
      loss.backward();
      const value = loss.item();
      sgdUpdate(params, scratch, lr);
      return value;
    });
}
