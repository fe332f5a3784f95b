/**
 * Optimizer: a plugin bound to a model's parameters, for training loops.
 *
 *     const opt = new Optimizer(model, momentum({ eta0: 1e-3, batchSize: 64, mu: 0.9 }));
 *     // or: Optimizer.byName(model, 'momentum', { eta0: 1e-3, batchSize: 64, mu: 0.9 })
 *     loss.backward();
 *     opt.step();          // reads .grad, runs the plugin, writes Φ + ΔΦ with assign()
 *     opt.zeroGrad();
 *     save(JSON.stringify(opt.state()));  ...  opt.loadState(JSON.parse(text));
 *
 * A non-finite gradient is an error naming the parameter, or with { skipNonFinite: true } the
 * step is skipped (parameters and plugin state untouched) and counted in `skippedSteps`, which is
 * part of the checkpoint. A non-finite result (an update that overflows) is always an error, so
 * the model never silently turns to NaN.
 */
import type { Tensor } from '@thermograd/autograd';
import type { Hyperparams, OptimizerPlugin, PerExampleStats, PluginState } from './plugin.js';
import { namedParams, type ParamSource } from './params.js';
import { createPlugin } from './registry.js';
import { stateFromJSON, stateToJSON, type JsonValue } from './serialize.js';
import { findNonFinite, type NumericArray, type ParamTree, type UpdateTree } from './tree.js';

export interface OptimizerOptions {
  /** Skip (and count) a step whose gradients hold NaN or ±Infinity instead of throwing. */
  skipNonFinite?: boolean;
}

export interface StepReport {
  /** Updates applied so far (skipped steps not included). */
  step: number;
  skipped: boolean;
  /** The plugin's hyperparameters for this step (see PluginState.hyper). */
  hyper: Hyperparams;
}

/** The checkpoint format of Optimizer.state(). */
export interface OptimizerCheckpoint {
  format: 'thermograd.optim/1';
  plugin: string;
  params: { name: string; size: number }[];
  skippedSteps: number;
  state: JsonValue;
}

export class Optimizer {
  readonly plugin: OptimizerPlugin;
  readonly params: ReadonlyArray<readonly [string, Tensor]>;
  private pluginState: PluginState;
  private skipped = 0;
  private readonly skipNonFinite: boolean;

  constructor(params: ParamSource, plugin: OptimizerPlugin, options: OptimizerOptions = {}) {
    if (!plugin || typeof plugin.init !== 'function' || typeof plugin.update !== 'function') {
      throw new TypeError(
        'Optimizer: the plugin must be an object with init and update (see createPlugin for names)',
      );
    }
    this.plugin = plugin;
    this.params = namedParams(params, 'Optimizer');
    if (this.params.length === 0)
      throw new Error('Optimizer: no parameters that require gradients');
    this.skipNonFinite = options.skipNonFinite ?? false;
    this.pluginState = plugin.init(this.values());
  }

  /** An Optimizer for the plugin registered under `name`. */
  static byName(
    params: ParamSource,
    name: string,
    pluginOptions: object = {},
    options: OptimizerOptions = {},
  ): Optimizer {
    return new Optimizer(params, createPlugin(name, pluginOptions), options);
  }

  /** Current parameter values by name (views: do not write to them). */
  values(): ParamTree {
    const out: Record<string, NumericArray> = {};
    for (const [name, p] of this.params) out[name] = p.dataSync();
    return out;
  }

  /** Current gradients by name (views), with a clear error for a parameter without one. */
  gradients(): ParamTree {
    const out: Record<string, NumericArray> = {};
    for (const [name, p] of this.params) {
      if (p.grad === null) {
        throw new Error(
          `${this.plugin.name}: parameter '${name}' has no gradient; call loss.backward() before step()`,
        );
      }
      out[name] = p.grad.dataSync();
    }
    return out;
  }

  step(): StepReport {
    const where = this.plugin.name;
    let grads: ParamTree = {};
    const perExample: Record<string, PerExampleStats> = {};
    if (this.plugin.usesGradients !== false) {
      grads = this.gradients();
      const bad = findNonFinite(grads);
      if (bad !== null) {
        const [name, index, value] = bad;
        if (this.skipNonFinite) {
          this.skipped++;
          return { step: this.pluginState.hyper.step, skipped: true, hyper: this.hyper };
        }
        throw new RangeError(
          `${where}: non-finite gradient ${value} for parameter '${name}' (element ${index}); ` +
            `construct the Optimizer with { skipNonFinite: true } to skip such steps`,
        );
      }
      for (const [name, p] of this.params) if (p.perExample) perExample[name] = p.perExample;
    }
    // Copies: a gradient-flow closure writes trial points into the tensors during the update.
    const params: Record<string, NumericArray> = {};
    for (const [name, p] of this.params) params[name] = p.toArray();
    const { updates, state } = this.plugin.update(grads, this.pluginState, params, { perExample });
    const next = this.applyChecked(params, updates);
    for (const [name, p] of this.params) p.assign(next[name]);
    this.pluginState = state;
    return { step: state.hyper.step, skipped: false, hyper: this.hyper };
  }

  private applyChecked(params: ParamTree, updates: UpdateTree): UpdateTree {
    const out: UpdateTree = {};
    for (const [name] of this.params) {
      const p = params[name];
      const u = updates[name];
      if (!u || u.length !== p.length) {
        throw new RangeError(
          `${this.plugin.name}: the update for parameter '${name}' has ${u ? u.length : 'no'} values, expected ${p.length}`,
        );
      }
      const v = new Float64Array(p.length);
      for (let i = 0; i < p.length; i++) {
        v[i] = p[i] + u[i];
        if (!Number.isFinite(v[i])) {
          throw new RangeError(
            `${this.plugin.name}: step ${this.pluginState.hyper.step} would make parameter '${name}' element ${i} non-finite ` +
              `(${p[i]} + ${u[i]}); hyperparameters ${JSON.stringify(this.pluginState.hyper)}`,
          );
        }
      }
      out[name] = v;
    }
    return out;
  }

  zeroGrad(): void {
    for (const [, p] of this.params) p.zeroGrad();
  }

  /** The hyperparameters of the latest step (η0, η, μ, B, T, step, ...) and the count of skipped steps. */
  get hyper(): Hyperparams {
    return { ...this.pluginState.hyper, skippedSteps: this.skipped };
  }

  get skippedSteps(): number {
    return this.skipped;
  }

  /** The raw plugin state (do not mutate). */
  get rawState(): PluginState {
    return this.pluginState;
  }

  /** A JSON-safe checkpoint: `JSON.stringify(opt.state())`, and loadState resumes bit-identically. */
  state(): OptimizerCheckpoint {
    return {
      format: 'thermograd.optim/1',
      plugin: this.plugin.name,
      params: this.params.map(([name, p]) => ({ name, size: p.size })),
      skippedSteps: this.skipped,
      state: stateToJSON(this.pluginState),
    };
  }

  loadState(checkpoint: OptimizerCheckpoint): void {
    if (!checkpoint || checkpoint.format !== 'thermograd.optim/1') {
      throw new Error(
        `Optimizer.loadState: not an optimizer checkpoint (format ${JSON.stringify(checkpoint?.format)})`,
      );
    }
    if (checkpoint.plugin !== this.plugin.name) {
      throw new Error(
        `Optimizer.loadState: checkpoint is for plugin '${checkpoint.plugin}', this optimizer runs '${this.plugin.name}'`,
      );
    }
    const mine = this.params.map(([name, p]) => `${name}:${p.size}`).join(', ');
    const theirs = checkpoint.params.map((p) => `${p.name}:${p.size}`).join(', ');
    if (mine !== theirs)
      throw new Error(
        `Optimizer.loadState: parameters differ: checkpoint [${theirs}], optimizer [${mine}]`,
      );
    this.pluginState = stateFromJSON<PluginState>(checkpoint.state);
    this.skipped = checkpoint.skippedSteps;
  }
}

/**
 * A full-batch gradient closure for gradient-flow from a loss function over the bound tensors:
 * it writes the requested values into the parameters, runs loss().backward() and returns float64
 * copies of the gradients. The parameters are left at the last evaluated point; an Optimizer
 * writes the final values after the update.
 */
export function lossGradient(
  params: ParamSource,
  loss: () => Tensor,
): (values: ParamTree) => UpdateTree {
  const pairs = namedParams(params, 'lossGradient');
  return (values) => {
    for (const [name, p] of pairs) {
      p.assign(values[name]);
      p.zeroGrad();
    }
    loss().backward();
    const out: UpdateTree = {};
    for (const [name, p] of pairs) {
      if (p.grad === null)
        throw new Error(`lossGradient: parameter '${name}' got no gradient from the loss`);
      out[name] = Float64Array.from(p.grad.dataSync());
    }
    return out;
  };
}
