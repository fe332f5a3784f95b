import { describe, expect, it } from 'vitest';
import { tensor, mul, sum, square } from '@thermograd/autograd';
import { gradientFlow, lossGradient, Optimizer, type ParamTree } from '../src/index.js';
import { run, tensors, updateOnArrays } from './helpers.js';

const k = [0.5, 1, 2, 3];
const x0 = [1, -2, 0.5, 1.5];
const gradient = (p: ParamTree) => ({ x: Float64Array.from(p.x, (v, i) => k[i] * v) });
const exact = (t: number) => x0.map((v, i) => v * Math.exp(-k[i] * t));

describe('gradient-flow on L = ½ Σ k_i x_i²', () => {
  it('adaptive dopri5 matches x0·exp(−k t) to 1e-4 relative at every update, and reports t', () => {
    const plugin = gradientFlow({ gradient, interval: 0.1 });
    const { trace, hypers, state } = run(plugin, { x: Float64Array.from(x0) }, () => ({}), 30);
    trace.forEach((p, n) => expect(p.x).toBeAllClose(exact(hypers[n].t), { rtol: 1e-4 }));
    expect(state.hyper.t).toBeCloseTo(3, 12);
    expect(state.hyper.step).toBe(30);
    // Error control really adapted: few evaluations per unit time, the step carried in the state.
    expect(state.hyper.evaluations).toBeGreaterThan(30);
    expect(state.dt).toBeGreaterThan(0);
  });

  it('tighter tolerances give a smaller error (the error control is live)', () => {
    const err = (rtol: number) => {
      const r = run(
        gradientFlow({ gradient, interval: 1, rtol, atol: 1e-12 }),
        { x: Float64Array.from(x0) },
        () => ({}),
        3,
      );
      return Math.max(
        ...[...r.params.x].map((v, i) => Math.abs(v - exact(3)[i]) / Math.abs(exact(3)[i])),
      );
    };
    const loose = err(1e-3);
    const tight = err(1e-9);
    expect(tight).toBeLessThan(1e-7);
    expect(loose).toBeGreaterThan(tight * 100);
  });

  it('fixed-step rk4 matches exp(−k t) to 1e-4 relative; euler is gradient descent (1 − k h)^n', () => {
    const rk4 = run(
      gradientFlow({ gradient, interval: 0.1, method: 'rk4', substeps: 2 }),
      { x: Float64Array.from(x0) },
      () => ({}),
      30,
    );
    rk4.trace.forEach((p, n) => expect(p.x).toBeAllClose(exact(rk4.hypers[n].t), { rtol: 1e-4 }));
    const euler = run(
      gradientFlow({ gradient, interval: 0.1, method: 'euler', substeps: 4 }),
      { x: Float64Array.from(x0) },
      () => ({}),
      5,
    );
    expect(euler.params.x).toBeAllClose(
      x0.map((v, i) => v * (1 - k[i] * 0.025) ** 20),
      { rtol: 1e-13 },
    );
    expect(euler.state.hyper.evaluations).toBe(20);
  });

  it('drives autograd tensors through an Optimizer with a full-batch loss closure', () => {
    const x = tensor(x0, [4], { dtype: 'float64', requiresGrad: true });
    const kt = tensor(k, [4], { dtype: 'float64' });
    const loss = () => mul(sum(mul(kt, square(x))), 0.5);
    const opt = new Optimizer(
      [['x', x]],
      gradientFlow({ gradient: lossGradient([['x', x]], loss), interval: 0.25 }),
    );
    for (let n = 0; n < 8; n++) opt.step(); // no backward needed: the plugin evaluates its own gradient
    expect(opt.hyper.t).toBe(2);
    expect(x.toArray()).toBeAllClose(exact(2), { rtol: 1e-4 });
  });

  it('a non-finite gradient inside the integrator is an error naming the parameter', () => {
    const bad = (p: ParamTree) => ({ x: Float64Array.from(p.x, (v) => (v < 0.9 ? NaN : v)) });
    const plugin = gradientFlow({ gradient: bad, interval: 1 });
    const p = { x: Float64Array.of(1) };
    expect(() => updateOnArrays(plugin, {}, plugin.init(tensors(p)), p)).toThrow(
      /gradient-flow: non-finite gradient NaN for parameter 'x' \(element 0\)/,
    );
  });
});
