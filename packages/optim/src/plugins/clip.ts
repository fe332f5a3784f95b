/**
 * Gradient clipping, as PyTorch's clip_grad_norm_ / clip_grad_value_ and optax's
 * clip_by_global_norm / clip. Place these before the optimizer plugin in a chain.
 *
 *   clip-by-global-norm:   ĝ ← ĝ · min(1, c / |ĝ|),   |ĝ| the norm over ALL parameters together
 *   clip-by-value:         ĝ_i ← min(c, max(−c, ĝ_i))
 *
 * c is a number or a schedule. hyper: step, maxNorm and gradNorm (the norm before clipping), or
 * maxValue and clipped (how many elements were clipped this step).
 */
import { checkHyperValue, evaluateHyper, checkPositive, type HyperValue } from '../hyper.js';
import type { OptimizerPlugin, PluginState } from '../plugin.js';
import { mapTree, treeSqNorm } from '../tree.js';

export interface ClipByGlobalNormOptions {
  maxNorm: HyperValue;
}

export function clipByGlobalNorm(options: ClipByGlobalNormOptions): OptimizerPlugin {
  const where = 'clip-by-global-norm';
  const maxNorm = checkHyperValue(where, 'maxNorm', options.maxNorm);
  if (typeof maxNorm === 'number') checkPositive(where, 'maxNorm', maxNorm);
  return {
    name: where,
    init: () => ({
      hyper: { step: 0, maxNorm: evaluateHyper(where, 'maxNorm', maxNorm, 0), gradNorm: 0 },
    }),
    update(grads, state: PluginState) {
      const c = evaluateHyper(where, 'maxNorm', maxNorm, state.hyper.step);
      const norm = Math.sqrt(treeSqNorm(grads));
      const scale = norm > c ? c / norm : 1;
      return {
        updates: mapTree(grads, (g) => g.mul(scale)),
        state: { hyper: { step: state.hyper.step + 1, maxNorm: c, gradNorm: norm } },
      };
    },
  };
}

export interface ClipByValueOptions {
  maxValue: HyperValue;
}

export function clipByValue(options: ClipByValueOptions): OptimizerPlugin {
  const where = 'clip-by-value';
  const maxValue = checkHyperValue(where, 'maxValue', options.maxValue);
  if (typeof maxValue === 'number') checkPositive(where, 'maxValue', maxValue);
  return {
    name: where,
    init: () => ({
      hyper: { step: 0, maxValue: evaluateHyper(where, 'maxValue', maxValue, 0), clipped: 0 },
    }),
    update(grads, state: PluginState) {
      const c = evaluateHyper(where, 'maxValue', maxValue, state.hyper.step);
      let clipped = 0;
      const updates = mapTree(grads, (g) => {
        clipped += g.abs().gt(c).sum().item();
        return g.clamp(-c, c);
      });
      return { updates, state: { hyper: { step: state.hyper.step + 1, maxValue: c, clipped } } };
    },
  };
}
