/**
 * chain: plugins applied in sequence, as optax.chain. The first receives the gradients, each next
 * one receives the previous one's output:
 *
 *     chain(clipByGlobalNorm({ maxNorm: 1 }), weightDecay({ lambda: 1e-4 }), momentum({ ... }))
 *
 * clips ĝ, adds λΦ, then takes a momentum step. Each plugin sees the hyperparameters of the ones
 * before it (`extras.upstream`), which is how a decoupled weight decay placed after an optimizer
 * finds η. The chain's state holds its parts' states; its `hyper` merges theirs (a later plugin's
 * value wins on a shared name; `step` is the same in all).
 */
import type { Hyperparams, OptimizerPlugin, PluginState } from './plugin.js';
import type { UpdateTree } from './tree.js';

export interface ChainState extends PluginState {
  parts: PluginState[];
}

function merge(states: PluginState[]): Hyperparams {
  return Object.assign({}, ...states.map((s) => s.hyper)) as Hyperparams;
}

export function chain(...plugins: OptimizerPlugin[]): OptimizerPlugin<ChainState> {
  if (plugins.length === 0) throw new Error('chain: needs at least one plugin');
  plugins.forEach((p, i) => {
    if (!p || typeof p.init !== 'function' || typeof p.update !== 'function') {
      throw new TypeError(`chain: argument ${i} is not a plugin (an object with init and update)`);
    }
  });
  const parts = [...plugins];
  return {
    name: `chain(${parts.map((p) => p.name).join(', ')})`,
    usesGradients: parts[0].usesGradients !== false,
    init(params) {
      const states = parts.map((p) => p.init(params));
      return { hyper: merge(states), parts: states };
    },
    update(grads, state, params, extras) {
      if (!Array.isArray(state.parts) || state.parts.length !== parts.length) {
        throw new Error(
          `chain: state holds ${state.parts?.length} parts, the chain has ${parts.length}`,
        );
      }
      let updates = grads;
      const states: PluginState[] = [];
      let upstream: Hyperparams = {};
      parts.forEach((p, i) => {
        const result = p.update(updates, state.parts[i], params, { ...extras, upstream });
        updates = result.updates;
        states.push(result.state);
        upstream = { ...upstream, ...result.state.hyper };
      });
      return {
        updates: updates as UpdateTree,
        state: { hyper: merge(states), parts: states },
      };
    },
  };
}
