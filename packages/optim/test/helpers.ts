/**
 * Shared test helpers: a functional training loop that takes and gives plain arrays (the plugins
 * run on tensors of the arrays' dtype) and bit-level comparisons.
 */
import { tensor, tidy } from '@thermograd/autograd';
import {
  mapTree,
  treeToArrays,
  type OptimizerPlugin,
  type ParamTree,
  type PluginState,
  type TensorTree,
  type UpdateExtras,
} from '../src/index.js';

/** Flat tensors of the arrays' dtype (float64 for plain arrays) on the current backend. */
export function tensors(tree: Readonly<Record<string, ArrayLike<number>>>): TensorTree {
  const out: TensorTree = {};
  for (const [name, a] of Object.entries(tree))
    (out as Record<string, unknown>)[name] = tensor(a, [a.length], {
      dtype: a instanceof Float32Array ? 'float32' : 'float64',
    });
  return out;
}

/** One plugin update on arrays: the updates come back as float64 host arrays. */
export function updateOnArrays<S extends PluginState>(
  plugin: OptimizerPlugin<S>,
  grads: ParamTree,
  state: S,
  params: ParamTree,
  extras?: UpdateExtras,
): { updates: Record<string, Float64Array>; state: S } {
  const r = plugin.update(tensors(grads), state, tensors(params), extras);
  const updates: Record<string, Float64Array> = {};
  for (const [name, u] of Object.entries(r.updates))
    updates[name] = Float64Array.from(u.dataSync());
  return { updates, state: r.state };
}

export type GradFn = (params: ParamTree, step: number) => ParamTree;

export interface RunResult {
  params: ParamTree;
  state: PluginState;
  /** Parameter trees after each step (trace[0] is after the first step). */
  trace: ParamTree[];
  hypers: Record<string, number>[];
}

/** Runs `steps` updates of a plugin on plain float64 arrays: Φ ← Φ + update(∇L(Φ)). */
export function run(
  plugin: OptimizerPlugin,
  params: ParamTree,
  grad: GradFn,
  steps: number,
  options: {
    state?: PluginState;
    extras?: (step: number) => UpdateExtras;
    keepTrace?: boolean;
  } = {},
): RunResult {
  let state = options.state ?? plugin.init(tensors(params));
  let p = params;
  const trace: ParamTree[] = [];
  const hypers: Record<string, number>[] = [];
  for (let n = 0; n < steps; n++) {
    const g = grad(p, n);
    const [next, nextState] = tidy(() => {
      const pt = tensors(p);
      const result = plugin.update(tensors(g), state, pt, options.extras?.(n));
      const values = treeToArrays(mapTree(pt, (t, name) => t.add(result.updates[name])));
      return [values, result.state] as const;
    });
    p = next;
    state = nextState;
    if (options.keepTrace !== false) trace.push(p);
    hypers.push({ ...state.hyper });
  }
  return { params: p, state, trace, hypers };
}

/** ∇(½ Σ k_i x_i²) = k ⊙ x for one parameter named 'x'. */
export function quadraticGrad(k: number[]): GradFn {
  return (p) => ({ x: Float64Array.from(p.x, (v, i) => k[i] * v) });
}

/** Hex of the bytes: equal strings mean equal bits (−0 and NaN payloads included). */
export function bits(a: ArrayLike<number> & { buffer?: ArrayBufferLike }): string {
  const arr = a as Float32Array | Float64Array;
  return Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength).toString('hex');
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
