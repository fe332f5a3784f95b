/**
 * SGD's own gradient noise, estimated from a batch's per-example gradients, for langevin's
 * 'sgd' and 'sgd-diagonal' noise modes.
 *
 * Notation: g_b (b = 1..B) the per-example gradients of one batch, ḡ = (1/B) Σ_b g_b, d_b = g_b − ḡ,
 * and Σ̂ = (1/(B−1)) Σ_b d_b d_bᵀ the unbiased sample covariance of the per-example gradients.
 *
 * Full covariance ('sgd'): with independent ξ_b ~ N(0, 1), one per example and shared by every
 * parameter (the noise is one vector over the whole parameter tree),
 *
 *     n = Σ_b ξ_b d_b   has covariance   Σ_b d_b d_bᵀ = (B − 1)·Σ̂,
 *
 * so  η·√(c/(B−1))·n  has covariance exactly η²·c·Σ̂. It lies in the span of the d_b (rank ≤ B − 1)
 * and costs O(B·P) for P parameters: no P×P matrix is formed.
 *
 * Diagonal approximation ('sgd-diagonal'): η·√(c·Σ̂_ii)·ξ_i with ξ_i ~ N(0, 1) per element, the
 * same variances and no correlations. Also O(B·P), but it draws P normals instead of B, which is
 * cheaper when B is large; on a problem whose Σ is not diagonal its stationary covariance is wrong.
 *
 * The factor c is the variance SGD at batch B′ has beyond what the gradient already carries:
 * a gradient averaged over B_g examples has covariance Σ/B_g, SGD at B′ has Σ/B′, so
 * c = 1/B′ − 1/B_g (1/B′ for an exact, full-batch gradient), times langevin's noiseScale.
 */
import type { Generator } from '@thermograd/autograd';
import type { PerExampleStats } from '../plugin.js';

/** The error for a parameter without per-example gradients. */
function needGrads(where: string, mode: string, name: string): Error {
  return new Error(
    `${where}: noise '${mode}' needs per-example gradients for parameter '${name}': ` +
      `call loss.backward(undefined, { perExample: 'grads' }) before the step`,
  );
}

/** The per-example gradients of every parameter, checked: same B everywhere, B >= 2, [B, size] each. */
export function perExampleGradients(
  where: string,
  mode: string,
  sizes: Readonly<Record<string, number>>,
  stats: Readonly<Record<string, PerExampleStats>> | undefined,
): { batchSize: number; grads: Record<string, ArrayLike<number>> } {
  let batchSize = -1;
  const grads: Record<string, ArrayLike<number>> = {};
  for (const [name, size] of Object.entries(sizes)) {
    const s = stats?.[name];
    if (!s?.grads) throw needGrads(where, mode, name);
    const B = s.sqNorms.length;
    if (B < 2)
      throw new Error(
        `${where}: noise '${mode}' needs a batch of at least 2 examples to estimate a covariance, got ${B}`,
      );
    if (batchSize === -1) batchSize = B;
    else if (B !== batchSize)
      throw new RangeError(
        `${where}: parameter '${name}' has ${B} per-example gradients, the others ${batchSize}`,
      );
    if (s.grads.length !== B * size)
      throw new RangeError(
        `${where}: per-example gradients of '${name}' hold ${s.grads.length} values, expected B·size = ${B}·${size}`,
      );
    grads[name] = s.grads;
  }
  return { batchSize, grads };
}

/** Per-element mean over the batch of per-example gradients laid out [B, size]. */
function batchMean(per: ArrayLike<number>, B: number, size: number): Float64Array {
  const mean = new Float64Array(size);
  for (let b = 0; b < B; b++) for (let i = 0; i < size; i++) mean[i] += per[b * size + i];
  for (let i = 0; i < size; i++) mean[i] /= B;
  return mean;
}

/**
 * Adds η·√(c/(B−1))·Σ_b ξ_b (g_b − ḡ) to `out` for one parameter, with the batch's shared normals
 * ξ (length B): covariance η²·c·Σ̂ over all parameters drawn with the same ξ.
 */
export function addFullNoise(
  out: Float64Array,
  per: ArrayLike<number>,
  xi: Float64Array,
  amplitude: number,
): void {
  const B = xi.length;
  const size = out.length;
  const mean = batchMean(per, B, size);
  let xiSum = 0;
  for (let b = 0; b < B; b++) xiSum += xi[b];
  const scale = amplitude / Math.sqrt(B - 1);
  const n = new Float64Array(size);
  for (let b = 0; b < B; b++) {
    const x = xi[b];
    for (let i = 0; i < size; i++) n[i] += x * per[b * size + i];
  }
  // Σ_b ξ_b (g_b − ḡ) = Σ_b ξ_b g_b − ḡ Σ_b ξ_b.
  for (let i = 0; i < size; i++) out[i] += scale * (n[i] - mean[i] * xiSum);
}

/** Adds η·√(c·Σ̂_ii)·ξ_i to `out` for one parameter, one fresh normal per element. */
export function addDiagonalNoise(
  out: Float64Array,
  per: ArrayLike<number>,
  B: number,
  amplitude: number,
  rng: Generator,
): void {
  const size = out.length;
  const mean = batchMean(per, B, size);
  for (let i = 0; i < size; i++) {
    let s = 0;
    for (let b = 0; b < B; b++) {
      const d = per[b * size + i] - mean[i];
      s += d * d;
    }
    out[i] += amplitude * Math.sqrt(s / (B - 1)) * rng.normal();
  }
}
