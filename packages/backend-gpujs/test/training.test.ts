/**
 * Whole training steps through the autograd ops on the gpu.js backend: the same losses, gradients
 * and updated parameters as on the reference backend, and no buffer growth across 100 steps
 * inside autograd's tidy(), which releases the gpu buffers as it does every backend's.
 */
import { describe, expect, it } from 'vitest';
import {
  conv2d,
  crossEntropy,
  Generator,
  linear,
  logSoftmax,
  nllLoss,
  where,
  maxPool2d,
  noGrad,
  referenceBackend,
  relu,
  keep,
  tensor,
  tidy,
  type Backend,
  type Tensor,
} from '@thermograd/autograd';
import { momentum, Optimizer } from '@thermograd/optim';
import { WorkerDevice, type GpuBackend } from '../src/index.js';
import { backendFor, CONFIGS, expectGpuClose, rand32 } from './helpers.js';

interface Model {
  params: Tensor[];
  forward(x: Tensor): Tensor;
}

function mlp(backend: Backend): Model {
  const make = (size: number, shape: number[], seed: number) =>
    tensor(rand32(size, seed, -0.5, 0.5), shape, { backend, dtype: 'float32', requiresGrad: true });
  const w1 = make(16 * 12, [16, 12], 1);
  const b1 = make(16, [16], 2);
  const w2 = make(4 * 16, [4, 16], 3);
  const b2 = make(4, [4], 4);
  return { params: [w1, b1, w2, b2], forward: (x) => linear(relu(linear(x, w1, b1)), w2, b2) };
}

function cnn(backend: Backend): Model {
  const make = (size: number, shape: number[], seed: number) =>
    tensor(rand32(size, seed, -0.5, 0.5), shape, { backend, dtype: 'float32', requiresGrad: true });
  const k = make(4 * 1 * 3 * 3, [4, 1, 3, 3], 5);
  const kb = make(4, [4], 6);
  const w = make(4 * 4 * 3 * 3, [4, 36], 7);
  return {
    params: [k, kb, w],
    forward: (x) => {
      const h = maxPool2d(relu(conv2d(x, k, kb, { padding: 1 })), 2);
      return linear(h.reshape([x.shape[0], 36]), w);
    },
  };
}

/** One SGD step; returns the loss and the gradients (copied before the update). */
function step(
  model: Model,
  x: Tensor,
  labels: Int32Array,
  lr: number,
): { loss: number; grads: Float32Array[] } {
  const loss = crossEntropy(model.forward(x), labels);
  loss.backward();
  const grads = model.params.map((p) => Float32Array.from(p.grad!.dataSync()));
  noGrad(() => {
    for (const p of model.params) p.assign(p.sub(p.grad!.mul(lr)));
  });
  for (const p of model.params) p.zeroGrad();
  return { loss: loss.item(), grads };
}

describe.each(CONFIGS)('training steps on the gpu.js backend, $label', (config) => {
  const gpu: GpuBackend = backendFor(config);
  const labels = Int32Array.of(0, 3, 1, 2, 2, 1, 0, 3);

  it.each([
    ['MLP 12-16-4', mlp, [8, 12]],
    ['CNN conv3x3-relu-maxpool-linear', cnn, [8, 1, 6, 6]],
  ] as const)('%s: three SGD steps equal the reference steps', (_name, build, xShape) => {
    const size = xShape.reduce((a: number, b: number) => a * b, 1);
    const xs = rand32(size, 9);
    const models = { gpu: build(gpu), ref: build(referenceBackend) };
    const x = {
      gpu: tensor(xs, [...xShape], { backend: gpu, dtype: 'float32' }),
      ref: tensor(xs, [...xShape], { backend: referenceBackend, dtype: 'float32' }),
    };
    for (let s = 0; s < 3; s++) {
      const got = tidy(() => step(models.gpu, x.gpu, labels, 0.5));
      const want = step(models.ref, x.ref, labels, 0.5);
      expectGpuClose([got.loss], [want.loss], `step ${s} loss`);
      got.grads.forEach((g, i) =>
        expectGpuClose(g, want.grads[i], `step ${s} grad ${i}`, 1e-4, 0.1),
      );
      models.gpu.params.forEach((p, i) =>
        expectGpuClose(p.dataSync(), models.ref.params[i].dataSync(), `step ${s} param ${i}`),
      );
    }
  });

  it('100 training steps inside tidy() leave the number of live buffers unchanged', () => {
    const model = mlp(gpu);
    const x = tensor(rand32(8 * 12, 10), [8, 12], { backend: gpu, dtype: 'float32' });
    const baseline = gpu.liveBuffers();
    const losses: number[] = [];
    for (let s = 0; s < 100; s++) {
      losses.push(tidy(() => step(model, x, labels, 0.5).loss));
      expect(gpu.liveBuffers(), `after step ${s + 1}`).toBe(baseline);
    }
    // The steps did train (so the loop did real work): the loss fell.
    expect(losses[99]).toBeLessThan(losses[0] * 0.5);
    // Behind the bridge the buffers live in the worker: it holds exactly the live ones.
    if (gpu.device instanceof WorkerDevice)
      expect(gpu.device.workerBuffers()).toBe(gpu.liveBuffers());
  });

  it.each([
    ['MLP', mlp, [8, 12]],
    ['CNN', cnn, [8, 1, 6, 6]],
  ] as const)(
    '%s: tidy steps with the library Optimizer leave no buffer behind',
    (_name, build, xShape) => {
      const model = build(gpu);
      const size = xShape.reduce((a: number, b: number) => a * b, 1);
      const x = tensor(rand32(size, 12), [...xShape], { backend: gpu, dtype: 'float32' });
      const opt = new Optimizer(
        model.params.map((p, i) => [`p${i}`, p] as [string, Tensor]),
        momentum({ eta: 0.1, mu: 0.9 }),
        { checkEvery: 2 },
      );
      const baseline = gpu.liveBuffers();
      for (let s = 0; s < 4; s++) {
        tidy(() => {
          crossEntropy(model.forward(x), labels).backward({ perExample: 'norms' });
          opt.step();
          opt.zeroGrad();
        });
        // An unread check (checkEvery 2) holds one scalar between its reads.
        expect(gpu.liveBuffers(), `after step ${s + 1}`).toBe(baseline + (s % 2 === 0 ? 1 : 0));
      }
      if (gpu.device instanceof WorkerDevice)
        expect(gpu.device.workerBuffers()).toBe(gpu.liveBuffers());
      opt.dispose();
    },
  );

  it('without tidy() the counter shows the intermediates piling up, and dispose releases them', () => {
    const model = mlp(gpu);
    const x = tensor(rand32(8 * 12, 11), [8, 12], { backend: gpu, dtype: 'float32' });
    const baseline = gpu.liveBuffers();
    step(model, x, labels, 0.1);
    const after = gpu.liveBuffers();
    expect(after).toBeGreaterThan(baseline);
    // A returned tensor survives its scope; a kept one survives too; the rest are released
    // (without a graph: a graph that outlives its scope keeps everything the scope made).
    const [kept, returned] = tidy(() =>
      noGrad(() => {
        const h = relu(linear(x, model.params[0], model.params[1]));
        const k = keep(h.mul(2));
        h.add(1);
        return [k, h];
      }),
    );
    expect(gpu.liveBuffers()).toBe(after + 2);
    expect(returned.dataSync().length).toBe(8 * 16);
    kept.dispose();
    returned.dispose();
    expect(gpu.liveBuffers()).toBe(after);
  });

  it('a buffer used after its scope released it fails with a clear error', () => {
    const leaked: Tensor[] = [];
    tidy(() => {
      leaked.push(tensor([1, 2], [2], { backend: gpu, dtype: 'float32' }).mul(3));
    });
    expect(() => leaked[0].dataSync()).toThrow(/disposed/);
    // Below the tensor, the buffer itself refuses to be read.
    const raw = gpu.fromValues([1, 2], 'float32');
    gpu.dispose(raw);
    expect(() => gpu.read(raw, 'float32')).toThrow(
      /buffer #\d+ was used after it was disposed \(a tidy\(\) scope disposes/,
    );
  });

  it('ops wrap every intermediate a kernel returns: a tidy forward and backward leaves no buffer', () => {
    // Each op here made raw intermediates that no tensor wrapped (a product before its bias, the
    // im2col columns, softmax-CE's probabilities, a broadcast's zero, a dropout mask, a where's
    // condition, nllLoss's picked values): they are internal tensors now, released by tidy.
    const opts = { backend: gpu, dtype: 'float32' as const, requiresGrad: true };
    const x = tensor(rand32(2 * 1 * 4 * 4, 11, -1, 1), [2, 1, 4, 4], opts);
    const k = tensor(rand32(2 * 9, 12, -0.5, 0.5), [2, 1, 3, 3], opts);
    const kb = tensor(rand32(2, 13, -0.5, 0.5), [2], opts);
    const w = tensor(rand32(3 * 32, 14, -0.5, 0.5), [3, 32], opts);
    const b = tensor(rand32(3, 15, -0.5, 0.5), [3], opts);
    const w8 = tensor(rand32(3 * 8, 16, -0.5, 0.5), [3, 8], opts);
    const cond = tensor([1, 0, 1], [3], { backend: gpu, dtype: 'float32' });
    const live = gpu.liveBuffers();
    tidy(() => {
      const h = conv2d(x, k, kb, { padding: 1 }).dropout(0.25, { rng: new Generator(3) });
      const z = linear(h.reshape([2, 32]), w, b);
      const picked = where(cond, z, z.neg()).expand([2, 3]);
      crossEntropy(picked, [0, 2])
        .add(nllLoss(logSoftmax(z), [1, 0]))
        .backward();
      crossEntropy(linear(relu(conv2d(x.detach(), k, kb)).reshape([2, 8]), w8, b), [1, 2]).backward(
        {
          perExample: 'grads',
        },
      );
    });
    expect(gpu.liveBuffers()).toBe(live);
    for (const p of [x, k, kb, w, b, w8]) p.zeroGrad();
  });
});
