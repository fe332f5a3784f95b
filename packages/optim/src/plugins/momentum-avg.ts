/**
 * momentum-avg: momentum as a running average of the gradient (docs/theory.md, "Momentum as a running average").
 *
 *     N = 1 / (1 − μ)
 *     g̃ ← (1 − 1/N) g̃ + (1/N) ĝ
 *     Φ ← Φ − N η g̃
 *
 *   with η = (1 − μ) · B · η0 when given a temperature η0, so the step is Φ ← Φ − B η0 g̃: the
 *   temperature times the averaged gradient.
 *
 * At constant η this is the momentum plugin's Sutskever trajectory (v = N η g̃) up to float rounding.
 * Under a schedule it is not: the average g̃ holds raw gradients and the CURRENT η multiplies all of
 * it, which is the PyTorch convention (v_pytorch = N g̃), so a change of η acts at once on the whole
 * accumulated velocity, while the Sutskever form lets the old velocity decay at its old scale.
 *
 * Conventions: ĝ is the gradient of the mean loss over the batch; g̃ starts at 0, so the first step
 * is η ĝ; updates returned are ΔΦ.
 *
 * hyper: step, eta, mu, N, and eta0 and B when a batch size is known.
 */
import { checkMu } from '../hyper.js';
import type { OptimizerPlugin, PluginState } from '../plugin.js';
import { stepSize, type StepSizeOptions } from '../temperature.js';
import { zerosLikeTree, type UpdateTree } from '../tree.js';

export interface MomentumAvgOptions extends StepSizeOptions {
  /** Momentum coefficient μ ∈ [0, 1); the average spans N = 1/(1 − μ) steps. */
  mu: number;
}

export interface MomentumAvgState extends PluginState {
  /** The running average g̃ of the gradient. */
  average: UpdateTree;
}

export function momentumAvg(options: MomentumAvgOptions): OptimizerPlugin<MomentumAvgState> {
  const where = 'momentum-avg';
  const mu = checkMu(where, options.mu);
  const N = 1 / (1 - mu);
  const keep = 1 - 1 / N;
  const take = 1 / N;
  const size = stepSize(where, options, mu);
  return {
    name: where,
    init(params) {
      const hyper = { step: 0, mu, N };
      size.at(0, hyper);
      return { hyper, average: zerosLikeTree(params) };
    },
    update(grads, state) {
      const hyper = { step: state.hyper.step + 1, mu, N };
      const eta = size.at(state.hyper.step, hyper);
      const scale = N * eta;
      const average: UpdateTree = {};
      const updates: UpdateTree = {};
      for (const name of Object.keys(grads)) {
        const a = state.average[name].mul(keep).add(grads[name].mul(take));
        average[name] = a;
        updates[name] = a.mul(-scale);
      }
      return { updates, state: { hyper, average } };
    },
  };
}
