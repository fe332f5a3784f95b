/**
 * Gradient noise: tr(Σ), |g|² and the gradient noise scale from ONE batch's per-example gradient
 * norms (McCandlish, Kaplan, Amodei et al. 2018, "An empirical model of large-batch training",
 * appendix A, with the small batch of size 1).
 *
 * Notation: ĝ_b the gradient of example b's own loss, ĝ = (1/B) Σ_b ĝ_b the batch gradient (of the
 * mean loss), g = E ĝ_b the true gradient and Σ the per-example covariance, tr(Σ) = E|ĝ_b − g|².
 * For independent examples
 *
 *     E |ĝ_b|² = |g|² + tr(Σ)          (batch size 1)
 *     E |ĝ|²   = |g|² + tr(Σ)/B        (batch size B)
 *
 * so with S = (1/B) Σ_b |ĝ_b|² and G = |ĝ|² the unbiased estimates are
 *
 *     tr(Σ)^ = B/(B−1) · (S − G)        (the sample variance (1/(B−1)) Σ_b |ĝ_b − ĝ|²)
 *     |g|²^  = (B·G − S)/(B−1)
 *     B_noise = tr(Σ)^ / |g|²^          (B_simple in the paper; a ratio of unbiased estimates,
 *                                        itself biased: average numerator and denominator over
 *                                        steps, as GradientNoiseMeter does, before dividing)
 *
 * and the temperature figures of the theory (docs/theory.md): η0, η and η·tr(Σ)/B, the variance per
 * unit of flow time that SGD's noise injects ("SGD as a discretised stochastic differential
 * equation": ε ~ N(0, η Σ/B) per √Δt).
 * The cost is one pass over the parameters' .grad and B numbers per parameter: cheap enough to
 * log every step.
 */
import type { Tensor } from '@thermograd/autograd';
import type { Hyperparams } from './plugin.js';
import { namedParams, type ParamSource } from './params.js';

export interface GradientNoiseStats {
  batchSize: number;
  /** G = |ĝ|², the squared norm of the batch gradient. */
  batchGradSqNorm: number;
  /** S = (1/B) Σ_b |ĝ_b|², the mean squared norm of the per-example gradients. */
  meanExampleSqNorm: number;
  /** Unbiased tr(Σ), Σ the per-example gradient covariance. */
  traceSigma: number;
  /** Unbiased |g|², g the true (population) gradient; may come out negative when noise dominates. */
  trueGradSqNorm: number;
  /** B_noise = tr(Σ)/|g|²; Infinity when the |g|² estimate is <= 0. */
  noiseScale: number;
  /** The temperature η0, when known. */
  eta0?: number;
  /** The step η, when known. */
  eta?: number;
  /** η·tr(Σ)/B, when η is known. */
  sgdNoiseTemperature?: number;
}

/** The estimates from G = |ĝ|² and the per-example squared norms |ĝ_b|² (length B >= 2). */
export function gradientNoiseFromNorms(
  batchGradSqNorm: number,
  exampleSqNorms: ArrayLike<number>,
  hyper: { eta?: number; eta0?: number } = {},
): GradientNoiseStats {
  const where = 'gradientNoise';
  const B = exampleSqNorms.length;
  if (B < 2)
    throw new RangeError(
      `${where}: needs at least 2 per-example norms to separate noise from signal, got ${B}`,
    );
  if (!Number.isFinite(batchGradSqNorm) || batchGradSqNorm < 0) {
    throw new RangeError(`${where}: |ĝ|² must be a finite number >= 0, got ${batchGradSqNorm}`);
  }
  let sum = 0;
  for (let b = 0; b < B; b++) {
    const v = exampleSqNorms[b];
    if (!Number.isFinite(v) || v < 0)
      throw new RangeError(
        `${where}: per-example |ĝ_b|² must be finite and >= 0, got ${v} for example ${b}`,
      );
    sum += v;
  }
  const S = sum / B;
  const G = batchGradSqNorm;
  const traceSigma = (B / (B - 1)) * (S - G);
  const trueGradSqNorm = (B * G - S) / (B - 1);
  const stats: GradientNoiseStats = {
    batchSize: B,
    batchGradSqNorm: G,
    meanExampleSqNorm: S,
    traceSigma,
    trueGradSqNorm,
    noiseScale: trueGradSqNorm > 0 ? traceSigma / trueGradSqNorm : Infinity,
  };
  if (hyper.eta0 !== undefined) stats.eta0 = hyper.eta0;
  if (hyper.eta !== undefined) {
    stats.eta = hyper.eta;
    stats.sgdNoiseTemperature = (hyper.eta * traceSigma) / B;
  }
  return stats;
}

/**
 * The estimates for a model after `loss.backward(undefined, { perExample: 'norms' })`: G sums
 * |.grad|² over the parameters and |ĝ_b|² sums perExample.sqNorms[b] over them. Pass the
 * optimizer's `hyper` to get the temperature figures.
 */
export function measureGradientNoise(
  params: ParamSource,
  hyper: Hyperparams | { eta?: number; eta0?: number } = {},
): GradientNoiseStats {
  const where = 'measureGradientNoise';
  const pairs = namedParams(params, where);
  let G = 0;
  let perExample: Float64Array | null = null;
  for (const [name, p] of pairs) {
    const t: Tensor = p;
    if (t.grad === null)
      throw new Error(`${where}: parameter '${name}' has no gradient; call loss.backward() first`);
    if (t.perExample === null) {
      throw new Error(
        `${where}: parameter '${name}' has no per-example statistics; call loss.backward(undefined, { perExample: 'norms' })`,
      );
    }
    const g = t.grad.dataSync();
    for (let i = 0; i < g.length; i++) G += g[i] * g[i];
    const sq = t.perExample.sqNorms;
    if (perExample === null) perExample = new Float64Array(sq.length);
    else if (sq.length !== perExample.length) {
      throw new RangeError(
        `${where}: parameter '${name}' has ${sq.length} per-example norms, the others ${perExample.length}`,
      );
    }
    for (let b = 0; b < sq.length; b++) perExample[b] += sq[b];
  }
  if (perExample === null) throw new Error(`${where}: no parameters`);
  return gradientNoiseFromNorms(G, perExample, { eta: hyper.eta, eta0: hyper.eta0 });
}

export interface GradientNoiseMeterState {
  decay: number;
  steps: number;
  traceSigma: number;
  trueGradSqNorm: number;
}

/**
 * Exponential moving averages of tr(Σ)^ and |g|²^ (bias-corrected, as Adam's moments), and the
 * noise scale as the ratio of the averages — the estimate McCandlish et al. recommend, since
 * single-batch |g|² estimates are noisy and can be negative. State is plain data.
 */
export class GradientNoiseMeter {
  private s: GradientNoiseMeterState;

  constructor(options: { decay?: number } | GradientNoiseMeterState = {}) {
    if ('steps' in options) {
      this.s = { ...options };
      return;
    }
    const decay = options.decay ?? 0.99;
    if (!(decay >= 0 && decay < 1))
      throw new RangeError(`GradientNoiseMeter: decay must be in [0, 1), got ${decay}`);
    this.s = { decay, steps: 0, traceSigma: 0, trueGradSqNorm: 0 };
  }

  update(stats: Pick<GradientNoiseStats, 'traceSigma' | 'trueGradSqNorm'>): {
    traceSigma: number;
    trueGradSqNorm: number;
    noiseScale: number;
  } {
    const { decay } = this.s;
    this.s = {
      decay,
      steps: this.s.steps + 1,
      traceSigma: decay * this.s.traceSigma + (1 - decay) * stats.traceSigma,
      trueGradSqNorm: decay * this.s.trueGradSqNorm + (1 - decay) * stats.trueGradSqNorm,
    };
    return this.value;
  }

  /** Bias-corrected averages and B_noise = tr(Σ)/|g|² of the averages. */
  get value(): { traceSigma: number; trueGradSqNorm: number; noiseScale: number } {
    if (this.s.steps === 0)
      throw new Error('GradientNoiseMeter: no measurements yet; call update() first');
    const correction = 1 - this.s.decay ** this.s.steps;
    const traceSigma = this.s.traceSigma / correction;
    const trueGradSqNorm = this.s.trueGradSqNorm / correction;
    return {
      traceSigma,
      trueGradSqNorm,
      noiseScale: trueGradSqNorm > 0 ? traceSigma / trueGradSqNorm : Infinity,
    };
  }

  state(): GradientNoiseMeterState {
    return { ...this.s };
  }
}
