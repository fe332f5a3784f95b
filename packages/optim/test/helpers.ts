/** Shared test helpers: a functional training loop on plain arrays and bit-level comparisons. */
import {
  applyUpdates,
  type OptimizerPlugin,
  type ParamTree,
  type PluginState,
  type UpdateExtras,
} from '../src/index.js';

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
  let state = options.state ?? plugin.init(params);
  let p = params;
  const trace: ParamTree[] = [];
  const hypers: Record<string, number>[] = [];
  for (let n = 0; n < steps; n++) {
    const result = plugin.update(grad(p, n), state, p, options.extras?.(n));
    p = applyUpdates(p, result.updates);
    state = result.state;
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
