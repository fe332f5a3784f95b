/**
 * momentum: heavy-ball momentum (docs/theory.md, "Temperature").
 *
 *   convention 'sutskever' (default, the theory's form):
 *     v ← μ v + η ĝ,       Φ ← Φ − v                       (nesterov: Φ ← Φ − (μ v + η ĝ), v the new one)
 *   convention 'pytorch' (torch.optim.SGD with dampening 0):
 *     v ← μ v + ĝ,         Φ ← Φ − η v                     (nesterov: Φ ← Φ − η (ĝ + μ v))
 *
 *   with η = (1 − μ) · B · η0 when given a temperature η0, so that the stationary state depends on
 *   η0 alone (docs/theory.md, "The η0 parameterisation").
 *
 * At constant η the two conventions are the same trajectory (v_sutskever = η · v_pytorch) up to
 * float rounding. They differ when η changes under a schedule: in the Sutskever form v holds the
 * past steps η_s ĝ_s already scaled by the η of their own step, so a drop in η takes effect
 * gradually, over about 1/(1 − μ) steps, as the old velocity decays; in the PyTorch form v holds
 * raw gradients and the whole velocity is rescaled by the new η at once. (momentum-avg behaves as
 * the PyTorch form, see momentum-avg.ts.)
 *
 * Conventions: ĝ is the gradient of the mean loss over the batch; v starts at 0 (so the first
 * step is η ĝ in both forms); updates returned are ΔΦ.
 *
 * hyper: step, eta, mu, and eta0 and B when a batch size is known.
 */
import { checkMu } from '../hyper.js';
import type { OptimizerPlugin, PluginState } from '../plugin.js';
import { stepSize, type StepSizeOptions } from '../temperature.js';
import { zerosLikeTree, type UpdateTree } from '../tree.js';

export interface MomentumOptions extends StepSizeOptions {
  /** Momentum coefficient μ ∈ [0, 1). */
  mu: number;
  convention?: 'sutskever' | 'pytorch';
  nesterov?: boolean;
}

export interface MomentumState extends PluginState {
  velocity: UpdateTree;
}

export function momentum(options: MomentumOptions): OptimizerPlugin<MomentumState> {
  const where = 'momentum';
  const mu = checkMu(where, options.mu);
  const convention = options.convention ?? 'sutskever';
  if (convention !== 'sutskever' && convention !== 'pytorch') {
    throw new RangeError(
      `${where}: convention must be 'sutskever' or 'pytorch', got ${JSON.stringify(convention)}`,
    );
  }
  const nesterov = options.nesterov ?? false;
  const size = stepSize(where, options, mu);
  return {
    name: where,
    init(params) {
      const hyper = { step: 0, mu };
      size.at(0, hyper);
      return { hyper, velocity: zerosLikeTree(params) };
    },
    update(grads, state) {
      const hyper = { step: state.hyper.step + 1, mu };
      const eta = size.at(state.hyper.step, hyper);
      const velocity: UpdateTree = {};
      const updates: UpdateTree = {};
      for (const name of Object.keys(grads)) {
        const g = grads[name];
        const vOld = state.velocity[name];
        if (convention === 'sutskever') {
          const v = vOld.mul(mu).add(g.mul(eta));
          velocity[name] = v;
          updates[name] = nesterov ? v.mul(mu).add(g.mul(eta)).neg() : v.neg();
        } else {
          const v = vOld.mul(mu).add(g);
          velocity[name] = v;
          updates[name] = nesterov ? g.add(v.mul(mu)).mul(-eta) : v.mul(-eta);
        }
      }
      return { updates, state: { hyper, velocity } };
    },
  };
}
