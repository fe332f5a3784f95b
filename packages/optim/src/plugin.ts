/**
 * The plugin contract, in the style of optax's GradientTransformation.
 *
 * A plugin is made by a factory from hyperparameters and has two pure functions:
 *
 *     init(Φ)             -> state
 *     update(ĝ, state, Φ) -> { updates: ΔΦ, state' }      and then   Φ ← Φ + ΔΦ
 *
 * Φ, ĝ and ΔΦ are trees of tensors by parameter name (tree.ts): a plugin computes with tensor ops
 * on the parameters' backend and dtype, so nothing is copied to the host and float64 parameters
 * keep float64 arithmetic. The building blocks outside plugins need are exported too (stepSize for
 * η from η0, evaluateHyper, mapTree, zerosLikeTree, ...). An Optimizer runs update() under noGrad
 * and inside tidy, keeps the tensors of the new state, releases those of the old one and writes
 * Φ + ΔΦ into the parameters: a step allocates nothing beyond what the backend pools.
 *
 * `updates` are what to ADD to the parameters (optax's sign convention), so plain SGD returns
 * ΔΦ = −η ĝ. In a chain the "updates" passed from one plugin to the next are gradient-like until
 * an optimizer plugin (sgd, momentum, ...) turns them into a step.
 *
 * State is plain data: numbers, strings, booleans, arrays, plain objects, typed arrays and tensors
 * (velocities, averages: of the parameters' dtype). `stateToJSON`/`stateFromJSON` (serialize.ts)
 * turn it into JSON and back bit for bit, so a checkpoint of the state resumes exactly. update()
 * never mutates the state it is given: it returns new tensors.
 *
 * Gradients reaching a plugin through an Optimizer are finite (it checks them, once per step);
 * a plugin called directly gets what it is given.
 *
 * Every state carries `hyper`: the hyperparameters of its most recent update (before any update,
 * those the first update will use) — above all `eta0` (the temperature η0) and `eta` (the step η) —
 * and `step`, the number of updates applied so far. Loggers and plots read them from there.
 */
import type { TensorTree, UpdateTree } from './tree.js';

/** Current hyperparameters and per-step figures, by name (eta0, eta, mu, B, T, step, t, gradNorm, ...). */
export type Hyperparams = Record<string, number>;

export interface PluginState {
  /** Hyperparameters of the latest update; `hyper.step` = updates applied so far. */
  hyper: Hyperparams;
  [key: string]: unknown;
}

/** Per-example statistics of one parameter, as autograd leaves them on `param.perExample`. */
export interface PerExampleStats {
  /** |ĝ_b|² for each example b of the batch. */
  sqNorms: Float64Array;
  /** Per-example gradients [B, ...shape] flattened, when backward ran with perExample: 'grads'. */
  grads?: ArrayLike<number>;
}

/** Extra information a step may give to plugins beyond gradients and parameters. */
export interface UpdateExtras {
  /** Per-example gradient statistics by parameter name (langevin's 'sgd' and 'sgd-diagonal' noise need grads). */
  perExample?: Readonly<Record<string, PerExampleStats>>;
  /** Hyperparameters of the plugins earlier in a chain (decoupled weight decay reads η from here). */
  upstream?: Readonly<Hyperparams>;
}

export interface UpdateResult<S extends PluginState = PluginState> {
  updates: UpdateTree;
  state: S;
}

export interface OptimizerPlugin<S extends PluginState = PluginState> {
  /** The registry name or a descriptive one (`chain(clip-by-global-norm, momentum)`). */
  readonly name: string;
  /**
   * False when update() ignores the incoming gradients (gradient-flow evaluates its own full-batch
   * gradient), so an Optimizer does not require `.grad` on the parameters.
   */
  readonly usesGradients?: boolean;
  init(params: TensorTree): S;
  update(grads: TensorTree, state: S, params: TensorTree, extras?: UpdateExtras): UpdateResult<S>;
}

/** The hyperparameters recorded in a plugin state (see PluginState.hyper). */
export function hyperparams(state: PluginState): Hyperparams {
  return { ...state.hyper };
}
