/**
 * Optimizer: a plugin bound to a model's parameters, for training loops.
 *
 *     const opt = new Optimizer(model, momentum({ eta0: 1e-3, batchSize: 64, mu: 0.9 }));
 *     // or: Optimizer.byName(model, 'momentum', { eta0: 1e-3, batchSize: 64, mu: 0.9 })
 *     loss.backward();
 *     opt.step();          // reads .grad, runs the plugin on the tensors, writes Φ + ΔΦ with assign()
 *     opt.zeroGrad();
 *     save(JSON.stringify(opt.state()));  ...  opt.loadState(JSON.parse(text));
 *
 * A non-finite gradient is an error naming the parameter, or with { skipNonFinite: true } the
 * step is skipped (parameters and plugin state untouched) and counted in `skippedSteps`, which is
 * part of the checkpoint. A non-finite result (an update that overflows) is always an error, so
 * the model never silently turns to NaN.
 *
 * The step stays on the parameters' backend: the plugin computes with tensor ops under noGrad
 * inside tidy, and the only value read back is one scalar, the sum of the finiteness probes
 * (autograd's `finiteProbe`: 0 when every element is finite, NaN otherwise) of every gradient and
 * every new parameter value, which is 0 when all of them are finite (the values are looked at one
 * by one only when it is not, to name the culprit). A probe cannot overflow and needs no fixed
 * order, so a backend checks at full SIMD width instead of one serial sum. The new state's
 * tensors are kept, the old state's released, Φ + ΔΦ is written with assign(), and everything
 * else goes back to the backend's pool.
 *
 * That one scalar is a blocking read-back, a device sync on a GPU. With { checkEvery: N } the
 * steps add their scalars on the backend and only every N-th step reads the running sum: one
 * sync per N steps. The price is that a step is no longer all-or-nothing: a non-finite value is
 * found at most N − 1 steps late, after it was written, and the error names the range of steps
 * and the parameter that holds it (never a NaN a thousand steps later). Skipping bad steps
 * (skipNonFinite) needs a decision per step, so it requires checkEvery 1.
 */
import { finiteProbe, keep, noGrad, tensor, tidy, type Tensor } from '@thermograd/autograd';
import type { Hyperparams, OptimizerPlugin, PerExampleStats, PluginState } from './plugin.js';
import { namedParams, type ParamSource } from './params.js';
import { createPlugin } from './registry.js';
import { stateFromJSON, stateToJSON, type JsonValue } from './serialize.js';
import {
  findNonFinite,
  type NumericArray,
  type ParamTree,
  type TensorTree,
  type UpdateTree,
} from './tree.js';

export interface OptimizerOptions {
  /** Skip (and count) a step whose gradients hold NaN or ±Infinity instead of throwing. */
  skipNonFinite?: boolean;
  /**
   * Read the finiteness check back every this many steps (default 1: every step, and a bad step
   * writes nothing). See the file comment for what a larger value trades.
   */
  checkEvery?: number;
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
  format: 'thermograd.optim/2';
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
  private readonly checkEvery: number;
  /** checkEvery > 1: the running sum of the unread steps' check scalars, and the first such step. */
  private unchecked: { sum: Tensor; firstStep: number; lastStep: number } | null = null;

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
    this.checkEvery = options.checkEvery ?? 1;
    if (!Number.isInteger(this.checkEvery) || this.checkEvery < 1)
      throw new RangeError(
        `Optimizer: checkEvery must be an integer >= 1, got ${String(options.checkEvery)}`,
      );
    if (this.skipNonFinite && this.checkEvery !== 1)
      throw new RangeError(
        'Optimizer: skipNonFinite decides every step, so it needs checkEvery 1 ' +
          `(got checkEvery ${this.checkEvery})`,
      );
    this.pluginState = keepState(noGrad(() => plugin.init(this.tensors())));
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

  /** The parameter tensors by name (the tree plugins receive as Φ). */
  tensors(): TensorTree {
    return Object.fromEntries(this.params);
  }

  /** Current parameter values by name (views: do not write to them). */
  values(): ParamTree {
    const out: Record<string, NumericArray> = {};
    for (const [name, p] of this.params) out[name] = p.dataSync() as NumericArray;
    return out;
  }

  /** Current gradient tensors by name, with a clear error for a parameter without one. */
  gradients(): TensorTree {
    const out: Record<string, Tensor> = {};
    for (const [name, p] of this.params) {
      if (p.grad === null) {
        throw new Error(
          `${this.plugin.name}: parameter '${name}' has no gradient; call loss.backward() before step()`,
        );
      }
      out[name] = p.grad;
    }
    return out;
  }

  step(): StepReport {
    const usesGradients = this.plugin.usesGradients !== false;
    const grads: TensorTree = usesGradients ? this.gradients() : {};
    const perExample: Record<string, PerExampleStats> = {};
    if (usesGradients)
      for (const [name, p] of this.params) if (p.perExample) perExample[name] = p.perExample;
    // A gradient-flow closure writes trial points into the tensors during the update: Φ + ΔΦ is
    // taken from a copy of Φ made before it.
    const params = this.tensors();
    const base = usesGradients ? params : snapshot(params);
    // Under noGrad, except for a plugin that evaluates its own gradients (gradient-flow's closure
    // runs backward).
    const guard = <T>(fn: () => T): T => (usesGradients ? noGrad(fn) : fn());
    const outcome = tidy(() =>
      guard(() => {
        const { updates, state } = this.plugin.update(grads, this.pluginState, params, {
          perExample,
        });
        const next: Record<string, Tensor> = {};
        let probe: Tensor | null = null;
        const add = (x: Tensor) => {
          const total = finiteProbe(x);
          probe = probe === null ? total : probe.add(total);
        };
        for (const g of Object.values(grads)) add(g);
        for (const [name, p] of this.params) {
          const u = this.checkedUpdate(name, p, updates);
          next[name] = base[name].add(u);
          add(next[name]);
        }
        const check = probe as Tensor | null;
        // Deferred: the scalar stays on the backend (returned, so the scope keeps it).
        if (this.checkEvery > 1) return { updates, state, next, total: 0, check };
        return { updates, state, next, total: check?.item() ?? 0, check: null };
      }),
    );
    // What the step made and does not keep: updates (unless a plugin passed an input through) and
    // the new values.
    const inputs = new Set([...Object.values(grads), ...Object.values(params)]);
    for (const t of stateTensors(this.pluginState)) inputs.add(t);
    const scratch = [...Object.values(outcome.updates), ...Object.values(outcome.next)].filter(
      (t) => !inputs.has(t),
    );
    // A finite total (0) means every value is finite; otherwise the values are looked at one by
    // one to name the culprit.
    const failure = Number.isFinite(outcome.total)
      ? null
      : this.failure(grads, base, outcome.updates, outcome.next);
    if (failure !== null) {
      disposeNew(outcome.state, this.pluginState);
      for (const t of scratch) t.dispose();
      if (!usesGradients) for (const t of Object.values(base)) t.dispose();
      if (failure === 'skip') {
        this.skipped++;
        return { step: this.pluginState.hyper.step, skipped: true, hyper: this.hyper };
      }
      throw failure;
    }
    const stepIndex = this.pluginState.hyper.step;
    for (const [name, p] of this.params) writeInto(p, outcome.next[name]);
    for (const t of scratch) t.dispose();
    if (!usesGradients) for (const t of Object.values(base)) t.dispose();
    disposeNew(this.pluginState, outcome.state);
    this.pluginState = keepState(outcome.state);
    if (outcome.check !== null) this.deferCheck(outcome.check, stepIndex, grads);
    return { step: this.pluginState.hyper.step, skipped: false, hyper: this.hyper };
  }

  /**
   * checkEvery > 1: adds this step's check scalar to the running sum on the backend (no read), and
   * every checkEvery steps checks it (checkFinite).
   */
  private deferCheck(check: Tensor, stepIndex: number, grads: TensorTree): void {
    const previous = this.unchecked;
    const sum = keep(previous === null ? check : noGrad(() => previous.sum.add(check)));
    if (previous !== null) {
      previous.sum.dispose();
      check.dispose();
    }
    this.unchecked = { sum, firstStep: previous?.firstStep ?? stepIndex, lastStep: stepIndex };
    if (stepIndex - this.unchecked.firstStep + 1 >= this.checkEvery) this.checkFinite(grads);
  }

  /**
   * With checkEvery > 1, reads the steps not checked yet (one scalar) and throws naming the steps
   * and the parameter if a value went non-finite; call it after the last step (state() does).
   */
  checkFinite(grads: TensorTree = {}): void {
    const pending = this.unchecked;
    if (pending === null) return;
    this.unchecked = null;
    const total = pending.sum.item();
    pending.sum.dispose();
    if (Number.isFinite(total)) return;
    const { firstStep, lastStep } = pending;
    const steps = firstStep === lastStep ? `step ${lastStep}` : `steps ${firstStep} to ${lastStep}`;
    const how = `(checked every ${this.checkEvery} steps; checkEvery 1 stops at the step itself, before it is written)`;
    const badParam = findNonFinite(this.tensors());
    if (badParam !== null) {
      const [name, index, value] = badParam;
      throw new RangeError(
        `${this.plugin.name}: parameter '${name}' element ${index} became ${value} during ${steps} ${how}; ` +
          `hyperparameters ${JSON.stringify(this.pluginState.hyper)}`,
      );
    }
    const badGrad = findNonFinite(grads);
    if (badGrad !== null) {
      const [name, index, value] = badGrad;
      throw new RangeError(
        `${this.plugin.name}: non-finite gradient ${value} for parameter '${name}' (element ${index}) at step ${lastStep} ${how}`,
      );
    }
    // Every parameter and the last gradients are finite: a gradient earlier in the range was not,
    // without leaving a non-finite parameter behind (a plugin such as signSGD maps NaN to 0).
    throw new RangeError(
      `${this.plugin.name}: a non-finite gradient (NaN or ±Infinity) during ${steps} ${how}; ` +
        'no non-finite value is left to name',
    );
  }

  private checkedUpdate(name: string, p: Tensor, updates: UpdateTree): Tensor {
    const u = updates[name];
    if (
      !u ||
      typeof u.dataSync !== 'function' ||
      u.size !== p.size ||
      u.dtype !== p.dtype ||
      u.backend !== p.backend
    ) {
      const got = !u
        ? 'nothing'
        : typeof u.dataSync !== 'function'
          ? 'not a tensor'
          : `${u.size} values of ${u.dtype} on '${u.backend.name}'`;
      throw new RangeError(
        `${this.plugin.name}: the update for parameter '${name}' is ${got}; expected a tensor of ${p.size} values of ${p.dtype} on '${p.backend.name}'`,
      );
    }
    return u.shape.length === p.shape.length && u.shape.every((d, i) => d === p.shape[i])
      ? u
      : u.reshape(p.shape);
  }

  /** What a non-finite element makes of the step: 'skip', an error to throw, or null (none found). */
  private failure(
    grads: TensorTree,
    base: TensorTree,
    updates: UpdateTree,
    next: TensorTree,
  ): 'skip' | Error | null {
    const bad = findNonFinite(grads);
    if (bad !== null) {
      if (this.skipNonFinite) return 'skip';
      const [name, index, value] = bad;
      return new RangeError(
        `${this.plugin.name}: non-finite gradient ${value} for parameter '${name}' (element ${index}); ` +
          `construct the Optimizer with { skipNonFinite: true } to skip such steps`,
      );
    }
    const found = findNonFinite(next);
    if (found === null) return null;
    const [name, i] = found;
    const p = base[name].dataSync()[i];
    const u = updates[name].dataSync()[i];
    return new RangeError(
      `${this.plugin.name}: step ${this.pluginState.hyper.step} would make parameter '${name}' element ${i} non-finite ` +
        `(${p} + ${u}); hyperparameters ${JSON.stringify(this.pluginState.hyper)}`,
    );
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
    this.checkFinite(); // a checkpoint holds checked values only
    return {
      format: 'thermograd.optim/2',
      plugin: this.plugin.name,
      params: this.params.map(([name, p]) => ({ name, size: p.size })),
      skippedSteps: this.skipped,
      state: stateToJSON(this.pluginState),
    };
  }

  loadState(checkpoint: OptimizerCheckpoint): void {
    if (!checkpoint || checkpoint.format !== 'thermograd.optim/2') {
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
    const backend = this.params[0][1].backend;
    const state = keepState(stateFromJSON<PluginState>(checkpoint.state, { backend }));
    disposeNew(this.pluginState, state);
    this.pluginState = state;
    this.skipped = checkpoint.skippedSteps;
  }

  /** Releases the plugin state's tensors; the optimizer cannot step afterwards. */
  dispose(): void {
    this.unchecked?.sum.dispose();
    this.unchecked = null;
    disposeNew(this.pluginState, { hyper: this.pluginState.hyper });
  }
}

/** Every tensor in a plugin state (plain objects and arrays, as serialize.ts allows). */
function stateTensors(value: unknown, out = new Set<Tensor>()): Set<Tensor> {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return out;
  if (typeof (value as Tensor).dataSync === 'function' && 'shape' in value) {
    out.add(value as Tensor);
  } else {
    for (const v of Object.values(value)) stateTensors(v, out);
  }
  return out;
}

/**
 * Takes a state's tensors out of the enclosing tidy scopes (autograd's one scope stack serves every
 * backend): the optimizer owns them until replaced.
 */
function keepState<S extends PluginState>(state: S): S {
  for (const t of stateTensors(state)) keep(t);
  return state;
}

/** Disposes the tensors of `state` that `survivor` does not also hold. */
function disposeNew(state: PluginState, survivor: PluginState): void {
  const kept = stateTensors(survivor);
  for (const t of stateTensors(state)) if (!kept.has(t)) t.dispose();
}

/**
 * p ← value. A backend with its own device-side copy (the gpu backend's assign) keeps the values
 * on the device; elsewhere Tensor.assign writes them (on the CPU backends, a copy in memory).
 */
function writeInto(p: Tensor, value: Tensor): void {
  const backend = p.backend as { assign?: (target: Tensor, value: Tensor) => void };
  if (typeof backend.assign === 'function') backend.assign(p, value);
  else p.assign(value);
}

/** Copies of the tensors (outside any graph). */
function snapshot(tree: TensorTree): UpdateTree {
  const out: UpdateTree = {};
  for (const [name, t] of Object.entries(tree))
    out[name] = tensor(t.toArray(), t.shape, { dtype: t.dtype, backend: t.backend });
  return out;
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
): (values: ParamTree) => ParamTree {
  const pairs = namedParams(params, 'lossGradient');
  return (values) => {
    for (const [name, p] of pairs) {
      p.assign(values[name]);
      p.zeroGrad();
    }
    loss().backward();
    const out: Record<string, Float64Array> = {};
    for (const [name, p] of pairs) {
      if (p.grad === null)
        throw new Error(`lossGradient: parameter '${name}' got no gradient from the loss`);
      out[name] = Float64Array.from(p.grad.dataSync());
    }
    return out;
  };
}
