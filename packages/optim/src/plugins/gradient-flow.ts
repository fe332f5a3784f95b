/**
 * gradient-flow: the zero-learning-rate limit of SGD (seed, "Gradient flow").
 *
 *     dΦ/dt = −g(Φ)
 *
 * integrated with the FULL-BATCH gradient g, which a closure computes at any Φ (the gradients
 * handed to update() are ignored: they belong to a minibatch and to one point only). Each update
 * advances the flow time t by `interval` (a number or a schedule of the step):
 *
 *   method 'euler'   fixed steps h = interval/substeps:  Φ ← Φ − h g(Φ)  (this is gradient descent with η = h)
 *   method 'rk4'     fixed steps, classical fourth-order Runge–Kutta
 *   method 'dopri5'  (default) adaptive Dormand–Prince 5(4) with error control: a step is accepted when
 *                    the RMS over coordinates of err_i / (atol + rtol·max(|Φ_i|, |Φ_i'|)) is at most 1, and
 *                    the next step is h·clamp(0.9·err^(−1/5), 0.2, 5); the step size carries over
 *                    from one update to the next in the state.
 *
 * It runs on the host, in float64: the integrators need many evaluations of a closure that works
 * on flat arrays, and one update is many gradient evaluations, so the copies in and out are small
 * beside them. The update comes back as tensors of the parameters' dtype.
 *
 * Conventions: g is the gradient of the mean loss over the whole data set, so t is measured in
 * the same units as η (t after n steps of sgd with step η is n·η); updates returned are
 * ΔΦ = Φ(t + interval) − Φ(t).
 *
 * hyper: step, t (flow time), interval, dt (next proposed step, dopri5), evaluations (gradient
 * evaluations so far), rejected (rejected dopri5 steps so far).
 */
import {
  checkCount,
  checkHyperValue,
  checkPositive,
  evaluateHyper,
  type HyperValue,
} from '../hyper.js';
import type { OptimizerPlugin, PluginState } from '../plugin.js';
import { arraysToTree, treeToArrays, type ParamTree } from '../tree.js';

/** The full-batch gradient g(Φ) of the loss at the given parameter values (same names and sizes). */
export type GradientFunction = (params: ParamTree) => ParamTree;

export interface GradientFlowOptions {
  gradient: GradientFunction;
  /** Flow time advanced per update (a number or a schedule). */
  interval: HyperValue;
  method?: 'euler' | 'rk4' | 'dopri5';
  /** Fixed methods: equal steps per interval (default 1). */
  substeps?: number;
  /** dopri5: relative and absolute tolerances (defaults 1e-6 and 1e-9). */
  rtol?: number;
  atol?: number;
  /** dopri5: first trial step (default: from the size of Φ and g, Hairer's heuristic). */
  initialDt?: number;
  /** dopri5: most steps (accepted or rejected) within one update before giving up (default 100000). */
  maxSubsteps?: number;
}

export interface GradientFlowState extends PluginState {
  /** dopri5's next proposed step; 0 before the first. */
  dt: number;
}

// Dormand–Prince 5(4) tableau.
const A = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
  [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
];
/** Fifth-order weights (also row 7 of A: first same as last). */
const B5 = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0];
/** Fifth minus fourth-order weights: the local error estimate. */
const E = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40];

export function gradientFlow(options: GradientFlowOptions): OptimizerPlugin<GradientFlowState> {
  const where = 'gradient-flow';
  if (typeof options.gradient !== 'function')
    throw new TypeError(`${where}: gradient must be a function of the parameters`);
  const interval = checkHyperValue(where, 'interval', options.interval);
  const method = options.method ?? 'dopri5';
  if (method !== 'euler' && method !== 'rk4' && method !== 'dopri5') {
    throw new RangeError(
      `${where}: method must be 'euler', 'rk4' or 'dopri5', got ${JSON.stringify(method)}`,
    );
  }
  const substeps = checkCount(where, 'substeps', options.substeps ?? 1);
  const rtol = checkPositive(where, 'rtol', options.rtol ?? 1e-6);
  const atol = checkPositive(where, 'atol', options.atol ?? 1e-9);
  const initialDt =
    options.initialDt === undefined
      ? undefined
      : checkPositive(where, 'initialDt', options.initialDt);
  const maxSubsteps = checkCount(where, 'maxSubsteps', options.maxSubsteps ?? 100_000);

  return {
    name: where,
    usesGradients: false,
    init() {
      const hyper = {
        step: 0,
        t: 0,
        interval: evaluateHyper(where, 'interval', interval, 0),
        evaluations: 0,
        rejected: 0,
        dt: 0,
      };
      return { hyper, dt: 0 };
    },
    update(_grads, state, params) {
      const step = state.hyper.step;
      const span = evaluateHyper(where, 'interval', interval, step);
      // Host copies first: a closure such as lossGradient writes trial points into the tensors.
      const values = treeToArrays(params);
      const layout = Layout.of(values);
      const y0 = layout.flatten(values);
      let evaluations = state.hyper.evaluations;
      // f(Φ) = −g(Φ), checked so that a NaN never leaves the integrator silently.
      const f = (y: Float64Array): Float64Array => {
        evaluations++;
        const g = options.gradient(layout.tree(y));
        const out = layout.flatten(g);
        for (let i = 0; i < out.length; i++) {
          if (!Number.isFinite(out[i])) {
            const [name, index] = layout.locate(i);
            throw new RangeError(
              `${where}: non-finite gradient ${out[i]} for parameter '${name}' (element ${index}) at flow time ${state.hyper.t}`,
            );
          }
          out[i] = -out[i];
        }
        return out;
      };

      let y = y0;
      let dt = state.dt;
      let rejected = state.hyper.rejected;
      if (span > 0) {
        if (method === 'dopri5') {
          const result = dopri5(f, y0, span, dt > 0 ? dt : initialDt, {
            rtol,
            atol,
            maxSubsteps,
            where,
          });
          y = result.y;
          dt = result.dt;
          rejected += result.rejected;
        } else {
          const h = span / substeps;
          for (let n = 0; n < substeps; n++)
            y = method === 'euler' ? eulerStep(f, y, h) : rk4Step(f, y, h);
        }
      }
      const delta = new Float64Array(y.length);
      for (let i = 0; i < y.length; i++) delta[i] = y[i] - y0[i];
      const hyper = {
        step: step + 1,
        t: state.hyper.t + span,
        interval: span,
        evaluations,
        rejected,
        dt,
      };
      return { updates: arraysToTree(layout.tree(delta), params), state: { hyper, dt } };
    },
  };
}

/** Where each parameter sits in one flat float64 vector (the integrators work on vectors). */
class Layout {
  private constructor(
    readonly names: string[],
    readonly offsets: number[],
    readonly total: number,
  ) {}

  static of(tree: ParamTree): Layout {
    const names = Object.keys(tree);
    const offsets: number[] = [];
    let total = 0;
    for (const n of names) {
      offsets.push(total);
      total += tree[n].length;
    }
    return new Layout(names, offsets, total);
  }

  flatten(tree: ParamTree): Float64Array {
    const out = new Float64Array(this.total);
    this.names.forEach((n, k) => {
      const a = tree[n];
      const expected =
        (k + 1 < this.names.length ? this.offsets[k + 1] : this.total) - this.offsets[k];
      if (!a || a.length !== expected) {
        throw new RangeError(
          `gradient-flow: the gradient function returned ${a ? a.length : 'no'} values for '${n}', expected ${expected}`,
        );
      }
      out.set(a, this.offsets[k]);
    });
    return out;
  }

  /** Views into y (no copy), by name. */
  tree(y: Float64Array): ParamTree {
    const out: Record<string, Float64Array> = {};
    this.names.forEach((n, k) => {
      out[n] = y.subarray(
        this.offsets[k],
        k + 1 < this.names.length ? this.offsets[k + 1] : this.total,
      );
    });
    return out;
  }

  locate(i: number): [string, number] {
    let k = this.offsets.length - 1;
    while (this.offsets[k] > i) k--;
    return [this.names[k], i - this.offsets[k]];
  }
}

function axpy(y: Float64Array, terms: [number, Float64Array][]): Float64Array {
  const out = Float64Array.from(y);
  for (const [c, k] of terms) {
    if (c === 0) continue;
    for (let i = 0; i < out.length; i++) out[i] += c * k[i];
  }
  return out;
}

function eulerStep(f: (y: Float64Array) => Float64Array, y: Float64Array, h: number): Float64Array {
  return axpy(y, [[h, f(y)]]);
}

function rk4Step(f: (y: Float64Array) => Float64Array, y: Float64Array, h: number): Float64Array {
  const k1 = f(y);
  const k2 = f(axpy(y, [[h / 2, k1]]));
  const k3 = f(axpy(y, [[h / 2, k2]]));
  const k4 = f(axpy(y, [[h, k3]]));
  return axpy(y, [
    [h / 6, k1],
    [h / 3, k2],
    [h / 3, k3],
    [h / 6, k4],
  ]);
}

function rmsNorm(v: Float64Array, scale: Float64Array): number {
  if (v.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] / scale[i]) ** 2;
  return Math.sqrt(s / v.length);
}

function dopri5(
  f: (y: Float64Array) => Float64Array,
  y0: Float64Array,
  span: number,
  firstDt: number | undefined,
  opts: { rtol: number; atol: number; maxSubsteps: number; where: string },
): { y: Float64Array; dt: number; rejected: number } {
  const { rtol, atol } = opts;
  let y = y0;
  let k1 = f(y);
  let h = firstDt ?? initialStep(y, k1, rtol, atol);
  let t = 0;
  let rejected = 0;
  let tries = 0;
  while (t < span) {
    if (++tries > opts.maxSubsteps) {
      throw new Error(
        `${opts.where}: dopri5 took more than maxSubsteps = ${opts.maxSubsteps} steps within one interval (step size ${h}); the flow may be stiff`,
      );
    }
    const last = h >= span - t;
    const hStep = last ? span - t : h;
    if (!(hStep > Math.abs(t) * 1e-15)) {
      throw new Error(
        `${opts.where}: dopri5 step size underflowed to ${hStep} at t = ${t} within the interval; the flow may be stiff or the tolerances too tight`,
      );
    }
    const k = [k1];
    for (let s = 1; s < 7; s++) {
      k.push(
        f(
          axpy(
            y,
            A[s].map((a, j): [number, Float64Array] => [hStep * a, k[j]]),
          ),
        ),
      );
    }
    const yNew = axpy(
      y,
      B5.map((b, j): [number, Float64Array] => [hStep * b, k[j]]),
    );
    const err = new Float64Array(y.length);
    const scale = new Float64Array(y.length);
    for (let i = 0; i < y.length; i++) {
      let e = 0;
      for (let j = 0; j < 7; j++) e += E[j] * k[j][i];
      err[i] = hStep * e;
      scale[i] = atol + rtol * Math.max(Math.abs(y[i]), Math.abs(yNew[i]));
    }
    const errNorm = rmsNorm(err, scale);
    const factor = errNorm === 0 ? 5 : Math.min(5, Math.max(0.2, 0.9 * errNorm ** -0.2));
    if (errNorm <= 1) {
      t = last ? span : t + hStep;
      y = yNew;
      k1 = k[6]; // first same as last: f at the new point
      // A step shortened to land on the end of the interval does not shrink the next proposal.
      h = last ? Math.max(h, hStep * factor) : hStep * factor;
    } else {
      rejected++;
      h = hStep * Math.min(1, factor);
    }
  }
  return { y, dt: h, rejected };
}

/** Hairer, Nørsett & Wanner's starting step: 0.01·|y|/|f| in the error norm, bounded below. */
function initialStep(y: Float64Array, f0: Float64Array, rtol: number, atol: number): number {
  const scale = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) scale[i] = atol + rtol * Math.abs(y[i]);
  const d0 = rmsNorm(y, scale);
  const d1 = rmsNorm(f0, scale);
  return d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
}
