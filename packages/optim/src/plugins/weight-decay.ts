/**
 * weight-decay: L2 regularisation, coupled or decoupled (Loshchilov & Hutter 2019).
 *
 *   mode 'coupled' (default; PyTorch SGD's weight_decay):  ĝ ← ĝ + λ Φ
 *       Place it BEFORE the optimizer plugin in a chain: the decay is part of the gradient, so
 *       momentum accumulates it and η scales it. Equivalent to adding ½ λ |Φ|² to the mean loss.
 *   mode 'decoupled' (AdamW / SGDW):                       ΔΦ ← ΔΦ − η λ Φ
 *       Place it AFTER the optimizer plugin: the decay bypasses momentum. η is the `eta` option
 *       (a number or a schedule) or, when absent, the current η of the optimizer plugin before it
 *       in the chain.
 *
 * λ is a number or a schedule. hyper: step, lambda (and decayEta in decoupled mode).
 */
import { checkHyperValue, evaluateHyper, type HyperValue } from '../hyper.js';
import type { OptimizerPlugin, PluginState } from '../plugin.js';
import { mapTree } from '../tree.js';

export interface WeightDecayOptions {
  /** Decay coefficient λ >= 0. */
  lambda: HyperValue;
  mode?: 'coupled' | 'decoupled';
  /** Decoupled mode: the η multiplying λ Φ (default: the upstream optimizer's η). */
  eta?: HyperValue;
}

export function weightDecay(options: WeightDecayOptions): OptimizerPlugin {
  const where = 'weight-decay';
  const lambda = checkHyperValue(where, 'lambda', options.lambda);
  const mode = options.mode ?? 'coupled';
  if (mode !== 'coupled' && mode !== 'decoupled') {
    throw new RangeError(
      `${where}: mode must be 'coupled' or 'decoupled', got ${JSON.stringify(mode)}`,
    );
  }
  if (mode === 'coupled' && options.eta !== undefined) {
    throw new Error(
      `${where}: eta is only used in decoupled mode (coupled decay is scaled by the optimizer's own η)`,
    );
  }
  const eta = options.eta === undefined ? undefined : checkHyperValue(where, 'eta', options.eta);
  return {
    name: where,
    init: () => ({ hyper: { step: 0, lambda: evaluateHyper(where, 'lambda', lambda, 0) } }),
    update(updatesIn, state: PluginState, params, extras) {
      const step = state.hyper.step;
      const l = evaluateHyper(where, 'lambda', lambda, step);
      const hyper: Record<string, number> = { step: step + 1, lambda: l };
      let factor = l; // coupled: ĝ + λ Φ
      if (mode === 'decoupled') {
        let e: number;
        if (eta !== undefined) e = evaluateHyper(where, 'eta', eta, step);
        else if (extras?.upstream?.eta !== undefined) e = extras.upstream.eta;
        else {
          throw new Error(
            `${where}: decoupled mode needs an η: give eta, or place it after an optimizer plugin (sgd, momentum, ...) in a chain`,
          );
        }
        hyper.decayEta = e;
        factor = -e * l; // ΔΦ − η λ Φ
      }
      const updates = mapTree(updatesIn, (u, name) => u.add(params[name].mul(factor)));
      return { updates, state: { hyper } };
    },
  };
}
