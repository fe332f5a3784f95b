/**
 * The lab's MNIST problem: softmax (multinomial logistic) regression on a subset of MNIST whose
 * images are average-pooled (28×28 → 14×14 or 7×7) and standardised. Small enough that every
 * experiment's default mode runs in minutes on two cores with the reference backend, and convex,
 * so its stationary states are well defined.
 */
import {
  crossEntropy,
  Generator,
  nn,
  noGrad,
  tensor,
  tidy,
  type DType,
  type Tensor,
} from '@thermograd/autograd';
import { loadMnist } from '@thermograd/data';
import { standardize } from '../standardize.js';
import {
  chain,
  Optimizer,
  weightDecay,
  type Hyperparams,
  type OptimizerPlugin,
} from '@thermograd/optim';

export interface LabData {
  images: Float32Array | Float64Array;
  labels: Int32Array;
  n: number;
  features: number;
  dtype: DType;
}

/** The first n training images, average-pooled by `pool` and standardised (global mean and std). */
export function loadLabMnist(n: number, pool: number, dtype: DType = 'float32'): LabData {
  const { train } = loadMnist({ trainLimit: n });
  const side = Math.floor(train.rows / pool);
  const features = side * side;
  const images =
    dtype === 'float64' ? new Float64Array(n * features) : new Float32Array(n * features);
  for (let e = 0; e < n; e++) {
    for (let r = 0; r < side; r++)
      for (let c = 0; c < side; c++) {
        let s = 0;
        for (let a = 0; a < pool; a++)
          for (let b = 0; b < pool; b++)
            s +=
              train.images[
                e * train.rows * train.cols + (r * pool + a) * train.cols + c * pool + b
              ];
        images[e * features + r * side + c] = s / (pool * pool);
      }
  }
  standardize(images);
  return { images, labels: train.labels.slice(0, n), n, features, dtype };
}

export function softmaxRegression(data: LabData, seed: number): nn.Linear {
  return new nn.Linear(data.features, 10, { rng: new Generator(seed), dtype: data.dtype });
}

/** Inputs and labels of the examples at the given indices. */
export function batchOf(data: LabData, indices: ArrayLike<number>): { x: Tensor; y: Int32Array } {
  const B = indices.length;
  const f = data.features;
  const xs = data.dtype === 'float64' ? new Float64Array(B * f) : new Float32Array(B * f);
  const y = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const e = indices[b];
    xs.set(data.images.subarray(e * f, (e + 1) * f), b * f);
    y[b] = data.labels[e];
  }
  return { x: tensor(xs, [B, f], { dtype: data.dtype }), y };
}

/** Mean cross-entropy over the whole (sub)set, without recording a graph. */
export function fullLoss(model: nn.Linear, data: LabData): number {
  return tidy(() =>
    noGrad(() => {
      const x = tensor(data.images, [data.n, data.features], { dtype: data.dtype });
      return crossEntropy(model.forward(x), data.labels).item();
    }),
  );
}

/** The full-batch loss as a tensor (for gradients: gradient flow). */
export function fullLossTensor(model: nn.Linear, data: LabData): Tensor {
  const x = tensor(data.images, [data.n, data.features], { dtype: data.dtype });
  return crossEntropy(model.forward(x), data.labels);
}

/**
 * How the lab draws its MNIST minibatches, in the words its results print. With replacement:
 * every step an independent sample, as the Langevin picture of SGD (and its Lyapunov prediction)
 * assumes, and a run's noise does not depend on how B divides n. The demo's training default,
 * shuffled epochs, gives a smaller stationary covariance when an epoch is short against the
 * relaxation time (see @thermograd/data's sampling option).
 */
export const LAB_SAMPLING = 'drawn with replacement (independent batches)';

/** Seeded random minibatches drawn with replacement from the data set (LAB_SAMPLING). */
export class Sampler {
  private readonly rng: Generator;
  constructor(
    private readonly n: number,
    seed: number,
  ) {
    this.rng = new Generator(seed);
  }
  next(B: number): Int32Array {
    const idx = new Int32Array(B);
    for (let b = 0; b < B; b++) idx[b] = this.rng.int(this.n);
    return idx;
  }
}

export interface TrainRunOptions {
  data: LabData;
  model: nn.Linear;
  plugin: OptimizerPlugin;
  batch: number;
  /** Examples to process (steps = examples / batch, rounded down). */
  examples: number;
  /** Evaluate the full training loss every this many examples (rounded to whole steps). */
  evalEvery: number;
  samplerSeed: number;
  /** Called at step 0 and after every evaluation interval with the full training loss. */
  onEval?: (record: { step: number; examples: number; loss: number; hyper: Hyperparams }) => void;
  perExample?: boolean;
  /** L2 penalty λ: the objective is U = loss + ½λ|Φ|² (coupled weight decay before the plugin). */
  l2?: number;
}

/** U = mean cross-entropy + ½λ|Φ|² over all parameters. */
export function objective(model: nn.Linear, data: LabData, l2 = 0): number {
  let penalty = 0;
  if (l2 > 0)
    for (const [, p] of model.namedParameters()) for (const v of p.dataSync()) penalty += v * v;
  return fullLoss(model, data) + 0.5 * l2 * penalty;
}

/** Minibatch training of a softmax regression with any optimizer plugin; returns the final objective. */
export function trainRun(o: TrainRunOptions): number {
  const l2 = o.l2 ?? 0;
  const optimizer = new Optimizer(
    o.model,
    l2 > 0 ? chain(weightDecay({ lambda: l2 }), o.plugin) : o.plugin,
  );
  const sampler = new Sampler(o.data.n, o.samplerSeed);
  const steps = Math.floor(o.examples / o.batch);
  const evalSteps = Math.max(1, Math.round(o.evalEvery / o.batch));
  o.onEval?.({
    step: 0,
    examples: 0,
    loss: objective(o.model, o.data, l2),
    hyper: optimizer.hyper,
  });
  for (let step = 1; step <= steps; step++) {
    // One scope per step, as in the demo's training loop: the step's intermediates go back to the
    // backend when it ends, so the next step reuses their storage instead of allocating anew.
    const report = tidy(() => {
      const { x, y } = batchOf(o.data, sampler.next(o.batch));
      optimizer.zeroGrad();
      crossEntropy(o.model.forward(x), y).backward({ perExample: o.perExample ? 'norms' : false });
      return optimizer.step();
    });
    if (step % evalSteps === 0 || step === steps) {
      o.onEval?.({
        step,
        examples: step * o.batch,
        loss: objective(o.model, o.data, l2),
        hyper: report.hyper,
      });
    }
  }
  return objective(o.model, o.data, l2);
}
