/**
 * sgd: plain stochastic gradient descent (docs/theory.md, "The minibatch gradient" and "The η0 parameterisation").
 *
 *     Φ ← Φ − η ĝ,        η = B · η0 when given a temperature η0
 *
 * Conventions:
 * - ĝ is the gradient of the MEAN loss over the batch, ĝ = (1/B) Σ_b ĝ_b (autograd's convention),
 *   so the per-example temperature η0 is η / B.
 * - η and η0 are each a number or a schedule of the step (see schedules.ts).
 * - The update returned is ΔΦ = −η ĝ (to be added to Φ).
 *
 * hyper: step, eta, and eta0 and B when a batch size is known.
 */
import type { OptimizerPlugin, PluginState } from '../plugin.js';
import { stepSize, type StepSizeOptions } from '../temperature.js';
import { mapTree } from '../tree.js';

export type SgdOptions = StepSizeOptions;

export type SgdState = PluginState;

export function sgd(options: SgdOptions): OptimizerPlugin<SgdState> {
  const where = 'sgd';
  const size = stepSize(where, options);
  return {
    name: where,
    init() {
      const hyper = { step: 0 };
      size.at(0, hyper);
      return { hyper };
    },
    update(grads, state) {
      const hyper = { step: state.hyper.step + 1 };
      const eta = size.at(state.hyper.step, hyper);
      return { updates: mapTree(grads, (g) => g.mul(-eta)), state: { hyper } };
    },
  };
}
