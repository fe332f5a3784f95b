import { describe, expect, it } from 'vitest';
import {
  chain,
  clipByGlobalNorm,
  clipByValue,
  constantSchedule,
  momentum,
  momentumAvg,
  piecewiseConstantSchedule,
  sgd,
  stepSizeFromTemperature,
  temperatureFromStepSize,
  weightDecay,
} from '../src/index.js';
import { maxAbsDiff, quadraticGrad, run, tensors, updateOnArrays } from './helpers.js';

const x0 = () => ({ x: Float64Array.from([1, -2, 0.5, 3]) });
const ks = [0.5, 1, 2, 3.5];

describe('sgd on L = ½ k x²', () => {
  it('contracts by exactly (1 − ηk) per step (dyadic values: every product is exact)', () => {
    // η k = 1/8, so x_n = (7/8)^n x_0 exactly while 7^n < 2^53 (n <= 18).
    const { trace } = run(
      sgd({ eta: 0.25 }),
      { x: Float64Array.from([1, -3]) },
      quadraticGrad([0.5, 0.5]),
      18,
    );
    trace.forEach((p, i) => {
      const n = i + 1;
      expect([...p.x]).toEqual([7 ** n / 8 ** n, (-3 * 7 ** n) / 8 ** n]);
    });
  });

  it('matches (1 − ηk)^n x_0 for general η and k', () => {
    const eta = 0.07;
    const { trace } = run(sgd({ eta }), x0(), quadraticGrad(ks), 40);
    trace.forEach((p, i) =>
      expect(p.x).toBeAllClose(
        x0().x.map((v, j) => v * (1 - eta * ks[j]) ** (i + 1)),
        { rtol: 1e-12 },
      ),
    );
  });

  it('takes η = B·η0 when given a temperature, and records η0, η, B and the step', () => {
    const plugin = sgd({ eta0: 0.001, batchSize: 32 });
    const state = plugin.init(tensors(x0()));
    expect(state.hyper).toEqual({ step: 0, eta0: 0.001, eta: 0.032, B: 32 });
    const { trace, hypers } = run(plugin, x0(), quadraticGrad(ks), 5);
    expect(trace[4].x).toBeAllClose(
      x0().x.map((v, j) => v * (1 - 0.032 * ks[j]) ** 5),
      { rtol: 1e-12 },
    );
    expect(hypers.map((h) => h.step)).toEqual([1, 2, 3, 4, 5]);
  });

  it('follows a schedule of η0, evaluated at the 0-based step index', () => {
    const schedule = piecewiseConstantSchedule({ boundaries: [2], values: [0.01, 0.001] });
    const { hypers } = run(sgd({ eta0: schedule, batchSize: 10 }), x0(), quadraticGrad(ks), 4);
    expect(hypers.map((h) => h.eta)).toEqual([0.1, 0.1, 0.01, 0.01]);
    expect(hypers.map((h) => h.eta0)).toEqual([0.01, 0.01, 0.001, 0.001]);
  });
});

/** x_n of the heavy-ball recurrence x_{n+1} = (1 + μ − a) x_n − μ x_{n−1}, a = ηk, x_1 = (1 − a) x_0, in closed form. */
function heavyBallClosedForm(a: number, mu: number, x0v: number, n: number): number {
  const p = 1 + mu - a; // r² − p r + μ = 0
  const disc = p * p - 4 * mu;
  const x1 = (1 - a) * x0v;
  if (disc > 0) {
    const r1 = (p + Math.sqrt(disc)) / 2;
    const r2 = (p - Math.sqrt(disc)) / 2;
    const c2 = (x1 - r1 * x0v) / (r2 - r1);
    const c1 = x0v - c2;
    return c1 * r1 ** n + c2 * r2 ** n;
  }
  // Complex pair ρ e^{±iθ}: x_n = ρ^n (C cos nθ + D sin nθ).
  const rho = Math.sqrt(mu);
  const theta = Math.atan2(Math.sqrt(-disc) / 2, p / 2);
  const C = x0v;
  const D = (x1 / rho - C * Math.cos(theta)) / Math.sin(theta);
  return rho ** n * (C * Math.cos(n * theta) + D * Math.sin(n * theta));
}

describe('momentum', () => {
  it('matches the closed form of its linear recurrence (over- and under-damped)', () => {
    const mu = 0.9;
    const eta = 0.1;
    // a = ηk: 0.0005 is over-damped ((1+μ−a)² > 4μ), the others under-damped (oscillating).
    const k = [0.005, 1, 5];
    const start = { x: Float64Array.from([1, -1, 2]) };
    const { trace } = run(momentum({ eta, mu }), start, quadraticGrad(k), 60);
    trace.forEach((p, i) => {
      const expected = k.map((kk, j) => heavyBallClosedForm(eta * kk, mu, start.x[j], i + 1));
      expect(p.x).toBeAllClose(expected, { rtol: 0, atol: 1e-12 });
    });
    // Both branches of the closed form are exercised: the under-damped coordinate changes sign,
    // the over-damped one decays monotonically.
    expect(trace.some((p) => p.x[2] < 0)).toBe(true);
    expect(trace.every((p, i) => p.x[0] > 0 && (i === 0 || p.x[0] < trace[i - 1].x[0]))).toBe(true);
  });

  it('takes η = (1 − μ)·B·η0 from a temperature', () => {
    const state = momentum({ eta0: 0.002, batchSize: 50, mu: 0.9 }).init(tensors(x0()));
    expect(state.hyper.eta).toBeCloseTo(0.1 * 50 * 0.002, 15);
    expect(state.hyper).toMatchObject({ mu: 0.9, eta0: 0.002, B: 50, step: 0 });
    expect(stepSizeFromTemperature(0.002, 50, 0.9)).toBe((1 - 0.9) * 50 * 0.002);
    expect(temperatureFromStepSize(stepSizeFromTemperature(0.002, 50, 0.9), 50, 0.9)).toBeCloseTo(
      0.002,
      15,
    );
  });

  it('Sutskever and PyTorch conventions agree at constant η up to rounding', () => {
    const a = run(momentum({ eta: 0.05, mu: 0.95 }), x0(), quadraticGrad(ks), 100);
    const b = run(
      momentum({ eta: 0.05, mu: 0.95, convention: 'pytorch' }),
      x0(),
      quadraticGrad(ks),
      100,
    );
    a.trace.forEach((p, i) => expect(maxAbsDiff(p.x, b.trace[i].x)).toBeLessThan(1e-13));
  });

  it('under a schedule the conventions differ: Sutskever lets the old velocity decay at its old scale', () => {
    // Constant gradient ĝ = 1, μ = 0.5, η drops from 1 to 0.1 at step 3.
    const mu = 0.5;
    const eta = piecewiseConstantSchedule({ boundaries: [3], values: [1, 0.1] });
    const ones = () => ({ x: Float64Array.of(1) });
    const s = run(momentum({ eta, mu }), { x: Float64Array.of(0) }, ones, 4);
    const p = run(momentum({ eta, mu, convention: 'pytorch' }), { x: Float64Array.of(0) }, ones, 4);
    // Steps: Sutskever v = 1, 1.5, 1.75, then 0.5·1.75 + 0.1 = 0.975.
    //        PyTorch  v = 1, 1.5, 1.75 (steps η v = same), then v = 1.875 and the step 0.1·1.875 = 0.1875.
    const stepsOf = (r: typeof s) =>
      r.trace.map((t, i) => (i === 0 ? -t.x[0] : r.trace[i - 1].x[0] - t.x[0]));
    expect(stepsOf(s)).toBeAllClose([1, 1.5, 1.75, 0.975], { rtol: 1e-15 });
    expect(stepsOf(p)).toBeAllClose([1, 1.5, 1.75, 0.1875], { rtol: 1e-15 });
  });

  it('nesterov steps are μ v + η ĝ (Sutskever) and η(ĝ + μ v) (PyTorch)', () => {
    const ones = () => ({ x: Float64Array.of(1) });
    const s = run(
      momentum({ eta: 0.1, mu: 0.5, nesterov: true }),
      { x: Float64Array.of(0) },
      ones,
      2,
    );
    // v1 = 0.1, step 0.5·0.1 + 0.1 = 0.15; v2 = 0.15, step 0.075 + 0.1 = 0.175.
    expect([s.trace[0].x[0], s.trace[1].x[0]]).toBeAllClose([-0.15, -0.325], { rtol: 1e-15 });
    const p = run(
      momentum({ eta: 0.1, mu: 0.5, nesterov: true, convention: 'pytorch' }),
      { x: Float64Array.of(0) },
      ones,
      2,
    );
    expect([p.trace[0].x[0], p.trace[1].x[0]]).toBeAllClose([-0.15, -0.325], { rtol: 1e-15 });
  });
});

describe('momentum-avg', () => {
  it('is the Sutskever momentum trajectory at constant η, up to float rounding', () => {
    const a = run(momentum({ eta: 0.02, mu: 0.9 }), x0(), quadraticGrad(ks), 200);
    const b = run(momentumAvg({ eta: 0.02, mu: 0.9 }), x0(), quadraticGrad(ks), 200);
    a.trace.forEach((p, i) => expect(maxAbsDiff(p.x, b.trace[i].x)).toBeLessThan(1e-12));
    expect(b.state.hyper).toMatchObject({ mu: 0.9, step: 200 });
    expect(b.state.hyper.N).toBeCloseTo(10, 12);
  });

  it('under a schedule it is the PyTorch-convention trajectory, not the Sutskever one', () => {
    const eta = piecewiseConstantSchedule({ boundaries: [20, 40], values: [0.05, 0.005, 0.02] });
    const avg = run(momentumAvg({ eta, mu: 0.9 }), x0(), quadraticGrad(ks), 60);
    const torch = run(
      momentum({ eta, mu: 0.9, convention: 'pytorch' }),
      x0(),
      quadraticGrad(ks),
      60,
    );
    const suts = run(momentum({ eta, mu: 0.9 }), x0(), quadraticGrad(ks), 60);
    avg.trace.forEach((p, i) => expect(maxAbsDiff(p.x, torch.trace[i].x)).toBeLessThan(1e-12));
    // Identical before the first change, clearly different after it.
    expect(maxAbsDiff(avg.trace[19].x, suts.trace[19].x)).toBeLessThan(1e-12);
    expect(maxAbsDiff(avg.trace[25].x, suts.trace[25].x)).toBeGreaterThan(1e-3);
  });

  it('with a temperature steps Φ ← Φ − B·η0·g̃', () => {
    const ones = () => ({ x: Float64Array.of(1) });
    const r = run(
      momentumAvg({ eta0: 0.01, batchSize: 8, mu: 0.75 }),
      { x: Float64Array.of(0) },
      ones,
      1,
    );
    // g̃ = (1/N)·1 = 0.25, step = B η0 g̃ = 0.08·0.25 = 0.02 = η ĝ with η = (1−μ)Bη0.
    expect(r.trace[0].x[0]).toBeCloseTo(-0.02, 15);
    expect(r.state.hyper.eta).toBeCloseTo(0.02, 15);
  });
});

describe('clipping and weight decay', () => {
  it('clip-by-global-norm scales all parameters together and records the norm', () => {
    const plugin = clipByGlobalNorm({ maxNorm: 1 });
    const grads = { a: Float64Array.of(3, 0), b: Float64Array.of(4) };
    const { updates, state } = updateOnArrays(plugin, grads, plugin.init(tensors(grads)), grads);
    expect([...updates.a, ...updates.b]).toBeAllClose([0.6, 0, 0.8], { rtol: 1e-15 });
    expect(state.hyper).toEqual({ step: 1, maxNorm: 1, gradNorm: 5 });
    const small = updateOnArrays(
      plugin,
      { a: Float64Array.of(0.3, 0), b: Float64Array.of(0.4) },
      state,
      grads,
    ).updates;
    expect([...small.a, ...small.b]).toEqual([0.3, 0, 0.4]);
  });

  it('clip-by-value clamps each element', () => {
    const plugin = clipByValue({ maxValue: 0.5 });
    const g = { a: Float64Array.of(-2, 0.1, 0.7) };
    const r = updateOnArrays(plugin, g, plugin.init(tensors(g)), g);
    expect([...r.updates.a]).toEqual([-0.5, 0.1, 0.5]);
    expect(r.state.hyper.clipped).toBe(2);
  });

  it('coupled weight decay is L2 on the loss: chain(weight-decay, sgd) = sgd on ½(k + λ)x²', () => {
    const lambda = 0.3;
    const a = run(chain(weightDecay({ lambda }), sgd({ eta: 0.1 })), x0(), quadraticGrad(ks), 20);
    const b = run(sgd({ eta: 0.1 }), x0(), quadraticGrad(ks.map((k) => k + lambda)), 20);
    expect(maxAbsDiff(a.params.x, b.params.x)).toBeLessThan(1e-14);
    expect(a.state.hyper).toMatchObject({ lambda, eta: 0.1, step: 20 });
  });

  it('decoupled weight decay after momentum takes η from upstream and bypasses the velocity', () => {
    const lambda = 0.1;
    const zero = () => ({ x: Float64Array.of(0) });
    // Zero gradient: momentum does nothing, decoupled decay shrinks Φ by (1 − ηλ) per step.
    const r = run(
      chain(momentum({ eta: 0.5, mu: 0.9 }), weightDecay({ lambda, mode: 'decoupled' })),
      { x: Float64Array.of(1) },
      zero,
      3,
    );
    expect(r.params.x).toBeAllClose([(1 - 0.05) ** 3], { rtol: 1e-15 });
    expect(r.state.hyper.decayEta).toBe(0.5);
    expect(() =>
      run(weightDecay({ lambda, mode: 'decoupled' }), { x: Float64Array.of(1) }, zero, 1),
    ).toThrow(/weight-decay: decoupled mode needs an η/);
  });

  it('chain(clip -> weight decay -> momentum) equals applying the three by hand', () => {
    const plugin = chain(
      clipByGlobalNorm({ maxNorm: 1 }),
      weightDecay({ lambda: 0.01 }),
      momentum({ eta: 0.1, mu: 0.9 }),
    );
    const start = { x: Float64Array.of(3, -4) };
    const k = [1, 1];
    const r = run(plugin, start, quadraticGrad(k), 2);
    // By hand, step 1: ĝ = (3,−4), |ĝ| = 5 → (0.6,−0.8); + 0.01Φ → (0.63,−0.84); v = 0.1·that; Φ −= v.
    let x = [3, -4];
    let v = [0, 0];
    for (let n = 0; n < 2; n++) {
      const g = x.map((xi, i) => k[i] * xi);
      const norm = Math.hypot(...g);
      const c = g.map((gi) => gi * (norm > 1 ? 1 / norm : 1)).map((gi, i) => gi + 0.01 * x[i]);
      v = v.map((vi, i) => 0.9 * vi + 0.1 * c[i]);
      x = x.map((xi, i) => xi - v[i]);
    }
    expect(r.params.x).toBeAllClose(x, { rtol: 1e-14 });
    expect(r.state.hyper).toMatchObject({ step: 2, maxNorm: 1, lambda: 0.01, eta: 0.1, mu: 0.9 });
    expect(plugin.name).toBe('chain(clip-by-global-norm, weight-decay, momentum)');
  });

  it('a constant schedule gives the same bits as the constant', () => {
    const a = run(sgd({ eta: 0.03 }), x0(), quadraticGrad(ks), 10);
    const b = run(sgd({ eta: constantSchedule(0.03) }), x0(), quadraticGrad(ks), 10);
    expect([...a.params.x]).toEqual([...b.params.x]);
  });
});
