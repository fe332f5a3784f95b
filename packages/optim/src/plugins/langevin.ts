/**
 * langevin: overdamped Langevin dynamics / stochastic-gradient Langevin dynamics (SGLD)
 * (docs/theory.md, "Langevin dynamics and the stationary distribution"; Welling & Teh 2011).
 *
 *   noise 'isotropic' (default):
 *     Φ ← Φ − η ∇U + √(2 η T) ξ,        ξ ~ N(0, I)
 *     ∇U = ĝ                      (default: U is the mean loss L)
 *     ∇U = N ĝ + λ Φ              (dataSize N given: U = N·L + ½ λ |Φ|², the negative log posterior
 *                                  of N examples with a Gaussian prior of precision λ)
 *
 *   The stationary density is ∝ exp(−U/T) (for small η). On U = ½ k x² the stationary variance
 *   is T/k, exactly T / (k (1 − η k / 2)) for the discrete update.
 *
 *   noise 'sgd-diagonal': the diffusion term of SGD itself, with its measured diagonal covariance,
 *     Φ ← Φ − η ĝ + η √(s · diag(Σ) / B') ξ
 *   where Σ is the per-example gradient covariance (sample covariance over the batch, from
 *   per-example gradients: backward({ perExample: 'grads' })), B' = imitateBatchSize (default the
 *   batch size of the gradients) and s = noiseScale (default 1). This is the theory's
 *   ε ~ N(0, η Σ_ĝ) per unit of flow time, with Σ_ĝ = Σ/B' the covariance of a minibatch
 *   gradient; per step of flow time η its covariance is η² Σ/B'. Adding it to a large-batch
 *   gradient step imitates the noise of SGD at batch size B'.
 *
 * Conventions (the ones SGLD users most often trip on):
 * - T multiplies a VARIANCE: the noise has variance 2 η T per coordinate, standard deviation √(2 η T).
 * - The factor 2 is there: with it, T is the temperature of the Boltzmann density exp(−U/T).
 *   Welling & Teh write the step as ε/2 with noise N(0, ε): that is η = ε/2, T = 1.
 * - The loss is a MEAN over the batch. For posterior sampling give dataSize N: the gradient is
 *   scaled to the SUM over the data set (N ĝ), and a prior enters through priorPrecision, not
 *   through a coupled weight decay (which would be scaled by N as well).
 * - η is given raw (eta) or as a temperature with a batch size, η = B·η0 (as sgd). η, η0 and T
 *   each accept a schedule. With T = 0 no noise is drawn and the update is exactly sgd's.
 * - ξ comes from autograd's seeded Generator, whose state lives in the plugin state: resuming a
 *   checkpoint continues the same noise sequence. Normals are drawn parameter by parameter in
 *   the order of the gradient tree, element by element.
 *
 * hyper: step, eta, T, noiseStd (√(2ηT); isotropic), and eta0, B, N when known.
 */
import { Generator, type GeneratorState } from '@thermograd/autograd';
import {
  checkBatchSize,
  checkHyperValue,
  checkNonNegative,
  checkPositive,
  evaluateHyper,
  type HyperValue,
} from '../hyper.js';
import type { Hyperparams, OptimizerPlugin, PerExampleStats, PluginState } from '../plugin.js';
import { stepSize, type StepSizeOptions } from '../temperature.js';
import { assertFiniteGradients, type UpdateTree } from '../tree.js';

export interface LangevinOptions extends StepSizeOptions {
  /** 'isotropic' (√(2ηT) ξ) or 'sgd-diagonal' (SGD's own measured diagonal diffusion). */
  noise?: 'isotropic' | 'sgd-diagonal';
  /** Boltzmann temperature T >= 0 (isotropic noise; required there). A number or a schedule. */
  temperature?: HyperValue;
  /** Seed of the noise generator (default 0). */
  seed?: number | string;
  /** Number of training examples N: the gradient becomes N ĝ (posterior sampling). */
  dataSize?: number;
  /** Precision λ of a Gaussian prior N(0, 1/λ): adds λ Φ to ∇U. */
  priorPrecision?: number;
  /** sgd-diagonal: the batch size B' whose SGD noise to imitate (default: the batch's own). */
  imitateBatchSize?: number;
  /** sgd-diagonal: multiplies the noise variance (default 1). */
  noiseScale?: number;
}

export interface LangevinState extends PluginState {
  rng: GeneratorState;
}

export function langevin(options: LangevinOptions): OptimizerPlugin<LangevinState> {
  const where = 'langevin';
  const mode = options.noise ?? 'isotropic';
  if (mode !== 'isotropic' && mode !== 'sgd-diagonal') {
    throw new RangeError(
      `${where}: noise must be 'isotropic' or 'sgd-diagonal', got ${JSON.stringify(mode)}`,
    );
  }
  const size = stepSize(where, options);
  let temperature: HyperValue = 0;
  if (mode === 'isotropic') {
    if (options.temperature === undefined)
      throw new Error(`${where}: temperature (T) is required with isotropic noise`);
    temperature = checkHyperValue(where, 'temperature (T)', options.temperature);
  } else if (options.temperature !== undefined) {
    throw new Error(
      `${where}: temperature (T) is not used with noise 'sgd-diagonal' (its noise is SGD's own; scale it with noiseScale)`,
    );
  }
  const dataSize =
    options.dataSize === undefined
      ? undefined
      : checkPositive(where, 'dataSize (N)', options.dataSize);
  const prior =
    options.priorPrecision === undefined
      ? 0
      : checkNonNegative(where, 'priorPrecision', options.priorPrecision);
  const imitate =
    options.imitateBatchSize === undefined
      ? undefined
      : checkBatchSize(where, options.imitateBatchSize);
  const noiseScale = checkNonNegative(where, 'noiseScale', options.noiseScale ?? 1);
  const seed = options.seed ?? 0;
  const plainGradient = dataSize === undefined && prior === 0;

  const record = (step: number, hyper: Hyperparams): { eta: number; T: number } => {
    const eta = size.at(step, hyper);
    const T = evaluateHyper(where, 'temperature (T)', temperature, step);
    if (mode === 'isotropic') {
      hyper.T = T;
      hyper.noiseStd = Math.sqrt(2 * eta * T);
    }
    if (dataSize !== undefined) hyper.N = dataSize;
    return { eta, T };
  };

  return {
    name: where,
    init() {
      const hyper = { step: 0 };
      record(0, hyper);
      return { hyper, rng: new Generator(seed).state() };
    },
    update(grads, state, params, extras) {
      assertFiniteGradients(grads, where);
      const hyper: Hyperparams = { step: state.hyper.step + 1 };
      const { eta, T } = record(state.hyper.step, hyper);
      const rng = new Generator(state.rng);
      const updates: UpdateTree = {};
      for (const name of Object.keys(grads)) {
        const g = grads[name];
        const u = new Float64Array(g.length);
        if (plainGradient) {
          for (let i = 0; i < g.length; i++) u[i] = -eta * g[i];
        } else {
          const p = params[name];
          const scale = dataSize ?? 1;
          for (let i = 0; i < g.length; i++) u[i] = -eta * (scale * g[i] + prior * p[i]);
        }
        if (mode === 'isotropic') {
          const sigma = Math.sqrt(2 * eta * T);
          // T = 0 draws nothing, so the update is bit for bit sgd's.
          if (sigma > 0) for (let i = 0; i < u.length; i++) u[i] += sigma * rng.normal();
        } else {
          const variance = diagonalVariance(where, name, g.length, extras?.perExample?.[name]);
          const B = imitate ?? variance.batchSize;
          hyper.imitateBatchSize = B;
          for (let i = 0; i < u.length; i++)
            u[i] += eta * Math.sqrt((noiseScale * variance.values[i]) / B) * rng.normal();
        }
        updates[name] = u;
      }
      return { updates, state: { hyper, rng: rng.state() } };
    },
  };
}

/** Per-element sample variance of the per-example gradients, (1/(B−1)) Σ_b (ĝ_b − ĝ̄)². */
function diagonalVariance(
  where: string,
  name: string,
  size: number,
  stats: PerExampleStats | undefined,
): { values: Float64Array; batchSize: number } {
  if (!stats?.grads) {
    throw new Error(
      `${where}: noise 'sgd-diagonal' needs per-example gradients for parameter '${name}': ` +
        `call loss.backward(undefined, { perExample: 'grads' }) before the step`,
    );
  }
  const B = stats.sqNorms.length;
  if (B < 2)
    throw new Error(
      `${where}: noise 'sgd-diagonal' needs a batch of at least 2 examples to estimate a variance, got ${B}`,
    );
  const per = stats.grads;
  if (per.length !== B * size) {
    throw new RangeError(
      `${where}: per-example gradients of '${name}' hold ${per.length} values, expected B·size = ${B}·${size}`,
    );
  }
  const values = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    let mean = 0;
    for (let b = 0; b < B; b++) mean += per[b * size + i];
    mean /= B;
    let s = 0;
    for (let b = 0; b < B; b++) {
      const d = per[b * size + i] - mean;
      s += d * d;
    }
    values[i] = s / (B - 1);
  }
  return { values, batchSize: B };
}
