import { describe, expect, it } from 'vitest';
import { langevin, linearWarmup, sgd, type ParamTree } from '../src/index.js';
import { bits, run, tensors, updateOnArrays } from './helpers.js';

/** Mean and variance over all elements of the snapshots (each element an independent chain). */
function moments(snapshots: Float64Array[]): { mean: number; variance: number; count: number } {
  let n = 0;
  let s = 0;
  let s2 = 0;
  for (const a of snapshots) {
    for (let i = 0; i < a.length; i++) {
      s += a[i];
      s2 += a[i] * a[i];
      n++;
    }
  }
  const mean = s / n;
  return { mean, variance: s2 / n - mean * mean, count: n };
}

describe('langevin', () => {
  it('on L = ½ k x² the stationary variance is T/k (10000 chains, 20 snapshots)', () => {
    const k = 2;
    const T = 0.5;
    const eta = 0.02; // ηk = 0.04: the discrete chain's variance T/(k(1 − ηk/2)) is 2% above T/k.
    const chains = 10_000;
    const plugin = langevin({ eta, temperature: T, seed: 7 });
    const grad = (p: ParamTree) => ({ x: Float64Array.from(p.x, (v) => k * v) });
    // Burn-in: from x = 0 the variance approaches its limit as 1 − (1 − ηk)^{2n}; 200 steps leave 1e-7.
    let { params, state } = run(plugin, { x: new Float64Array(chains) }, grad, 200, {
      keepTrace: false,
    });
    const snapshots: Float64Array[] = [];
    // Snapshots 25 steps apart: their correlation is (1 − ηk)^25 = 0.36 per value, 0.13 per variance.
    for (let s = 0; s < 20; s++) {
      ({ params, state } = run(plugin, params, grad, 25, { state, keepTrace: false }));
      snapshots.push(Float64Array.from(params.x));
    }
    const { mean, variance, count } = moments(snapshots);
    const exact = T / (k * (1 - (eta * k) / 2));
    // Sampling tolerance: the variance of a sample variance is 2σ⁴/n; inflate n's effect by 2 for
    // the snapshot correlation and allow 5 standard errors (~2.2%).
    const se = exact * Math.sqrt((2 * 2) / count);
    expect(Math.abs(variance - exact)).toBeLessThan(5 * se);
    expect(Math.abs(variance - T / k) / (T / k)).toBeLessThan(0.02 + (5 * se) / exact);
    expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt((2 * exact) / count));
    expect(state.hyper).toMatchObject({ step: 700, eta, T, noiseStd: Math.sqrt(2 * eta * T) });
  });

  it('samples the posterior N(N ȳ/(N + λ), T/(N + λ)) with dataSize N and a Gaussian prior', () => {
    // Mean loss ½ (x − ȳ)² (gradient x − ȳ) over N = 10 examples, prior precision λ = 2:
    // U = N·½(x − ȳ)² + ½ λ x², so the posterior at T = 1 has precision 12 and mean 10ȳ/12.
    const N = 10;
    const lambda = 2;
    const ybar = 0.6;
    const plugin = langevin({
      eta: 0.004,
      temperature: 1,
      dataSize: N,
      priorPrecision: lambda,
      seed: 3,
    });
    const grad = (p: ParamTree) => ({ x: Float64Array.from(p.x, (v) => v - ybar) });
    let { params, state } = run(plugin, { x: new Float64Array(5_000) }, grad, 200, {
      keepTrace: false,
    });
    const snapshots: Float64Array[] = [];
    for (let s = 0; s < 10; s++) {
      ({ params, state } = run(plugin, params, grad, 25, { state, keepTrace: false }));
      snapshots.push(Float64Array.from(params.x));
    }
    const { mean, variance, count } = moments(snapshots);
    const precision = N + lambda;
    // Discretisation: ηk = 0.048 gives variance (1/12)/(1 − 0.024); sampling 5 SE with 2x inflation.
    const exactVar = 1 / (precision * (1 - (0.004 * precision) / 2));
    expect(Math.abs(variance - exactVar)).toBeLessThan(5 * exactVar * Math.sqrt(4 / count));
    expect(Math.abs(mean - (N * ybar) / precision)).toBeLessThan(
      5 * Math.sqrt((2 * exactVar) / count),
    );
    expect(state.hyper.N).toBe(N);
  });

  it('with T = 0 is sgd bit for bit (float32 parameters, a schedule of η0)', () => {
    const eta0 = linearWarmup({ init: 0.001, peak: 0.01, warmupSteps: 5 });
    const start = { x: Float32Array.from([0.3, -1.7, 2.2, 1e-3]) };
    const grad = (p: ParamTree) => ({
      x: Float32Array.from(p.x, (v, i) => (i + 1) * v + Math.sin(v)),
    });
    const a = run(langevin({ eta0, batchSize: 16, temperature: 0, seed: 1 }), start, grad, 30);
    const b = run(sgd({ eta0, batchSize: 16 }), start, grad, 30);
    a.trace.forEach((p, i) => expect(bits(p.x)).toBe(bits(b.trace[i].x)));
    expect(a.state.hyper.eta).toBe(b.state.hyper.eta);
  });

  it('draws its noise from the seeded generator in its state: same seed, same bits; other seed, other bits', () => {
    const grad = (p: ParamTree) => ({ x: Float64Array.from(p.x) });
    const mk = (seed: number) =>
      run(langevin({ eta: 0.1, temperature: 1, seed }), { x: new Float64Array(5) }, grad, 10).params
        .x;
    expect(bits(mk(42))).toBe(bits(mk(42)));
    expect(bits(mk(42))).not.toBe(bits(mk(43)));
  });

  it("'sgd-diagonal' noise has variance η²·diag(Σ)/B' per element (exact gradient)", () => {
    // Per-example gradients ±c_i around the mean: B = 4 examples, two at m + c, two at m − c, so
    // the sample variance (B − 1 denominator) is 4c²/3 per element.
    const B = 4;
    const size = 4000;
    const m = 0.5;
    const c = Float64Array.from({ length: size }, (_, i) => 0.5 + (i % 4) * 0.25);
    const per = new Float64Array(B * size);
    for (let b = 0; b < B; b++)
      for (let i = 0; i < size; i++) per[b * size + i] = m + (b < 2 ? c[i] : -c[i]);
    const grads = { w: new Float64Array(size).fill(m) };
    const extras = { perExample: { w: { sqNorms: new Float64Array(B), grads: per } } };
    const eta = 0.1;
    const imitate = 32;
    const plugin = langevin({
      eta,
      noise: 'sgd-diagonal',
      imitateBatchSize: imitate,
      gradientBatchSize: 'full',
      seed: 5,
    });
    let state = plugin.init(tensors(grads));
    let sumZ2 = 0;
    let n = 0;
    for (let step = 0; step < 10; step++) {
      const r = updateOnArrays(plugin, grads, state, grads, extras);
      state = r.state;
      for (let i = 0; i < size; i++) {
        // Standardise: z = (u + η m) / (η √(4c²/3 / B')) should be N(0, 1).
        const z = (r.updates.w[i] + eta * m) / (eta * Math.sqrt((4 * c[i] * c[i]) / 3 / imitate));
        sumZ2 += z * z;
        n++;
      }
    }
    // E z² = 1 with standard error √(2/n) = 0.0035; allow 5 of them.
    expect(Math.abs(sumZ2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(state.hyper.imitateBatchSize).toBe(imitate);
    expect(state.hyper.gradientBatchSize).toBeUndefined();
  });

  it("'sgd-diagonal' without per-example gradients is a clear error", () => {
    const plugin = langevin({ eta: 0.1, noise: 'sgd-diagonal' });
    const g = { w: Float64Array.of(1) };
    expect(() => updateOnArrays(plugin, g, plugin.init(tensors(g)), g)).toThrow(
      /langevin: noise 'sgd-diagonal' needs per-example gradients for parameter 'w': call loss.backward\(undefined, \{ perExample: 'grads' \}\)/,
    );
    expect(() => langevin({ eta: 0.1, noise: 'sgd-diagonal', temperature: 1 })).toThrow(
      /temperature \(T\) is not used/,
    );
  });
});
