/**
 * Per-example gradient statistics of a model, after `loss.backward(undefined, { perExample })`.
 *
 * For a loss L = (1/B) Σ_b l_b, ĝ_b is the gradient of example b's own loss l_b. The ops that own
 * parameters (linear, conv2d) leave |ĝ_b(p)|² on each parameter p, and in 'grads' mode ĝ_b(p)
 * itself; this module gathers them by parameter path and adds the total over parameters,
 *   total[b] = Σ_p |ĝ_b(p)|² = |ĝ_b|²,
 * the quantity the gradient-noise statistics need (the per-example gradient spread Σ of docs/theory.md).
 *
 * Records stay on the parameters until zeroGrad(); call model.zeroGrad() before each step so that
 * a record is never read from an older batch.
 */
import type { TypedArray } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** A model, or [name, parameter] pairs (e.g. model.namedParameters(), or a Map). */
export type ParameterSource = Module | Iterable<readonly [string, Tensor]>;

export interface PerExampleStats {
  /** |ĝ_b(p)|² for each parameter path p, one entry per example. */
  perParam: Map<string, Float64Array>;
  /** Σ_p |ĝ_b(p)|² for each example b. */
  total: Float64Array;
  batchSize: number;
}

function trainable(source: ParameterSource): [string, Tensor][] {
  const named =
    source instanceof Module
      ? source.namedParameters()
      : [...source].map(([n, p]) => [n, p] as [string, Tensor]);
  return named.filter(([, p]) => p.requiresGrad);
}

function recordsOf(where: string, source: ParameterSource): [string, Tensor][] {
  const params = trainable(source);
  if (params.length === 0) throw new Error(`${where}: no trainable parameters`);
  const without = params.filter(([, p]) => p.perExample === null);
  if (without.length === params.length) {
    throw new Error(
      `${where}: no parameter has per-example statistics; run loss.backward(undefined, { perExample: 'norms' }) ` +
        `(or 'grads') after zeroGrad(), with a loss that is the mean over the batch`,
    );
  }
  if (without.length > 0) {
    throw new Error(
      `${where}: ${without.map(([n]) => `'${n}'`).join(', ')} ${without.length === 1 ? 'has' : 'have'} no per-example statistics ` +
        `(not used by the loss, or given a gradient by a backward without perExample since the last zeroGrad())`,
    );
  }
  const sizes = new Set(params.map(([, p]) => p.perExample!.sqNorms.length));
  if (sizes.size > 1) {
    const list = params.map(([n, p]) => `'${n}': ${p.perExample!.sqNorms.length}`).join(', ');
    throw new Error(
      `${where}: parameters have per-example statistics for different batch sizes (${list}); call zeroGrad() before each backward`,
    );
  }
  return params;
}

/** |ĝ_b|² per parameter and in total; needs backward with perExample 'norms' or 'grads'. */
export function perExampleStats(source: ParameterSource): PerExampleStats {
  const params = recordsOf('perExampleStats', source);
  const batchSize = params[0][1].perExample!.sqNorms.length;
  const perParam = new Map<string, Float64Array>();
  const total = new Float64Array(batchSize);
  for (const [name, p] of params) {
    const sq = p.perExample!.sqNorms;
    perParam.set(name, sq);
    for (let b = 0; b < batchSize; b++) total[b] += sq[b];
  }
  return { perParam, total, batchSize };
}

/**
 * The per-example gradients ĝ_b(p), each laid out [B, ...p.shape]; needs backward with
 * perExample 'grads'.
 */
export function perExampleGrads(source: ParameterSource): Map<string, TypedArray> {
  const params = recordsOf('perExampleGrads', source);
  const out = new Map<string, TypedArray>();
  for (const [name, p] of params) {
    const grads = p.perExample!.grads;
    if (grads === undefined) {
      throw new Error(
        `perExampleGrads: '${name}' has only per-example norms; run loss.backward(undefined, { perExample: 'grads' })`,
      );
    }
    out.set(name, grads);
  }
  return out;
}
