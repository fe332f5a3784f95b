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
 *   noise 'sgd' (SGD's own diffusion, full covariance) and 'sgd-diagonal' (its diagonal):
 *     Φ ← Φ − η ĝ + η √(s·c) ζ,     Cov ζ = Σ̂ ('sgd'),  diag(Σ̂) ('sgd-diagonal'),
 *     c = 1/B′ − 1/B_g
 *   Σ̂ is the per-example gradient covariance, the unbiased sample covariance of the batch's
 *   per-example gradients (backward({ perExample: 'grads' })), B the number of those examples,
 *   B′ = imitateBatchSize (default B), B_g = gradientBatchSize, the batch the incoming gradient ĝ
 *   was averaged over (default B; 'full' or Infinity for an exact gradient, 1/B_g = 0), and
 *   s = noiseScale (default 1).
 *
 *   Why c: the theory's SGD (docs/theory.md) is Langevin dynamics with diffusion ε ~ N(0, η Σ/B′) per unit of flow
 *   time, i.e. covariance η² Σ/B′ per step of flow time η; its stationary covariance C solves
 *   H C + C H = η Σ/B′ near a minimum of curvature H (not Boltzmann's T·H⁻¹). A gradient averaged
 *   over B_g examples already carries η² Σ/B_g of that, so imitating SGD at B′ adds only the
 *   difference η² Σ (1/B′ − 1/B_g): nothing when B′ = B_g, all of η² Σ/B′ for an exact gradient,
 *   and B′ > B_g is refused (noise cannot be taken away). 'sgd' draws one ξ_b ~ N(0, 1) per
 *   example, shared by all parameters, and injects η √(s c/(B−1)) Σ_b ξ_b (g_b − ḡ), whose
 *   covariance is exactly η² s c Σ̂ (Σ_b d_b d_bᵀ = (B−1) Σ̂): low rank, O(B·P), no P×P matrix
 *   (see sgd-noise.ts). 'sgd-diagonal' is the diagonal approximation: the right variances, no
 *   correlations, so on a problem whose Σ is not diagonal its stationary covariance is not SGD's;
 *   it draws P normals instead of B, which is cheaper when B is huge.
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
 *   checkpoint continues the same noise sequence. Normals are drawn as tensors (randn) of the
 *   parameter's dtype and backend, parameter by parameter in the order of the gradient tree,
 *   element by element ('sgd': B normals per step, first), so the same seed gives the same bits
 *   on the same backend.
 *
 * hyper: step, eta, T, noiseStd (√(2ηT); isotropic), imitateBatchSize and gradientBatchSize (sgd
 * modes; the latter when finite), and eta0, B, N when known.
 */
import { Generator, randn, tensor, type GeneratorState } from '@thermograd/autograd';
import {
  checkBatchSize,
  checkHyperValue,
  checkNonNegative,
  checkPositive,
  evaluateHyper,
  type HyperValue,
} from '../hyper.js';
import type { Hyperparams, OptimizerPlugin, PluginState } from '../plugin.js';
import { stepSize, type StepSizeOptions } from '../temperature.js';
import { mapTree } from '../tree.js';
import { addDiagonalNoise, addFullNoise, perExampleGradients } from './sgd-noise.js';

const NOISE_MODES = ['isotropic', 'sgd', 'sgd-diagonal'] as const;
export type LangevinNoise = (typeof NOISE_MODES)[number];

export interface LangevinOptions extends StepSizeOptions {
  /**
   * 'isotropic' (√(2ηT) ξ, default), 'sgd' (SGD's own diffusion with the full per-example
   * covariance) or 'sgd-diagonal' (its diagonal approximation).
   */
  noise?: LangevinNoise;
  /** Boltzmann temperature T >= 0 (isotropic noise; required there). A number or a schedule. */
  temperature?: HyperValue;
  /** Seed of the noise generator (default 0). */
  seed?: number | string;
  /** Number of training examples N: the gradient becomes N ĝ (posterior sampling). */
  dataSize?: number;
  /** Precision λ of a Gaussian prior N(0, 1/λ): adds λ Φ to ∇U. */
  priorPrecision?: number;
  /** sgd modes: the batch size B′ whose SGD noise to imitate (default: the per-example batch's B). */
  imitateBatchSize?: number;
  /**
   * sgd modes: the batch size the incoming gradient was averaged over (default: the per-example
   * batch's B, i.e. the gradient is that batch's mean); 'full' or Infinity for an exact gradient.
   */
  gradientBatchSize?: number | 'full';
  /** sgd modes: multiplies the noise variance (default 1). */
  noiseScale?: number;
}

export interface LangevinState extends PluginState {
  rng: GeneratorState;
}

export function langevin(options: LangevinOptions): OptimizerPlugin<LangevinState> {
  const where = 'langevin';
  const mode = options.noise ?? 'isotropic';
  if (!NOISE_MODES.includes(mode)) {
    throw new RangeError(
      `${where}: noise must be one of ${NOISE_MODES.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(mode)}`,
    );
  }
  const size = stepSize(where, options);
  let temperature: HyperValue = 0;
  if (mode === 'isotropic') {
    if (options.temperature === undefined)
      throw new Error(`${where}: temperature (T) is required with isotropic noise`);
    temperature = checkHyperValue(where, 'temperature (T)', options.temperature);
    for (const key of ['imitateBatchSize', 'gradientBatchSize', 'noiseScale'] as const)
      if (options[key] !== undefined)
        throw new Error(
          `${where}: ${key} is used only with noise 'sgd' or 'sgd-diagonal', not with isotropic noise`,
        );
  } else if (options.temperature !== undefined) {
    throw new Error(
      `${where}: temperature (T) is not used with noise '${mode}' (its noise is SGD's own; scale it with noiseScale)`,
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
  const gradientBatch = checkGradientBatchSize(where, options.gradientBatchSize);
  if (imitate !== undefined && gradientBatch !== undefined) checkImitable(imitate, gradientBatch);
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
      const hyper: Hyperparams = { step: state.hyper.step + 1 };
      const { eta, T } = record(state.hyper.step, hyper);
      const rng = new Generator(state.rng);
      const scale = dataSize ?? 1;
      let updates = mapTree(grads, (g, name) =>
        plainGradient ? g.mul(-eta) : g.mul(scale).add(params[name].mul(prior)).mul(-eta),
      );
      if (mode === 'isotropic') {
        const sigma = Math.sqrt(2 * eta * T);
        // T = 0 draws nothing, so the update is bit for bit sgd's.
        if (sigma > 0)
          updates = mapTree(updates, (u) =>
            u.add(randn(u.shape, { rng, dtype: u.dtype, backend: u.backend }).mul(sigma)),
          );
      } else {
        const sizes = Object.fromEntries(Object.entries(grads).map(([n, g]) => [n, g.size]));
        const per = perExampleGradients(where, mode, sizes, extras?.perExample);
        const B = per.batchSize;
        const imitated = imitate ?? B;
        const gradientB = gradientBatch ?? B;
        checkImitable(imitated, gradientB);
        hyper.imitateBatchSize = imitated;
        if (Number.isFinite(gradientB)) hyper.gradientBatchSize = gradientB;
        // The variance SGD at B′ has beyond the gradient's own: η² s (1/B′ − 1/B_g) Σ.
        const factor = noiseScale * (1 / imitated - 1 / gradientB);
        const amplitude = eta * Math.sqrt(factor);
        if (amplitude > 0) {
          // The per-example gradients are host arrays (autograd leaves them so): the noise is
          // made there and added to the update as one tensor per parameter.
          const xi = mode === 'sgd' ? Float64Array.from({ length: B }, () => rng.normal()) : null;
          updates = mapTree(updates, (u, name) => {
            const noise = new Float64Array(u.size);
            if (xi) addFullNoise(noise, per.grads[name], xi, amplitude);
            else addDiagonalNoise(noise, per.grads[name], B, amplitude, rng);
            return u.add(tensor(noise, u.shape, { dtype: u.dtype, backend: u.backend }));
          });
        }
      }
      return { updates, state: { hyper, rng: rng.state() } };
    },
  };

  /** B′ <= B_g: a gradient averaged over B_g examples already has SGD's noise at B_g. */
  function checkImitable(imitated: number, gradientB: number): void {
    if (imitated > gradientB)
      throw new RangeError(
        `${where}: imitateBatchSize B′ = ${imitated} exceeds the gradient's batch size ${gradientB}: ` +
          `a gradient averaged over ${gradientB} examples already carries SGD's noise at B = ${gradientB}, ` +
          `and injected noise cannot take noise away; use imitateBatchSize <= ${gradientB}, or a gradient ` +
          `over more examples (gradientBatchSize: 'full' for an exact one)`,
      );
  }
}

/** gradientBatchSize: an integer >= 1, or 'full' / Infinity (an exact gradient); undefined stays. */
function checkGradientBatchSize(where: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (value === 'full' || value === Infinity) return Infinity;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw new RangeError(
      `${where}: gradientBatchSize must be an integer >= 1, 'full' or Infinity, got ${JSON.stringify(value) ?? String(value)}`,
    );
  return value;
}
