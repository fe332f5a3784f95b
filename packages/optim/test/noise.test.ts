import { describe, expect, it } from 'vitest';
import { Generator, linear, mseLoss, tensor } from '@thermograd/autograd';
import { GradientNoiseMeter, gradientNoiseFromNorms, measureGradientNoise } from '../src/index.js';

/** |v|² of a plain vector. */
const sq = (v: number[]) => v.reduce((s, x) => s + x * x, 0);

describe('gradient noise from per-example norms', () => {
  it('tr(Σ) is the sample variance of the per-example gradients and |g|² = |ĝ|² − tr(Σ)/B', () => {
    const examples = [
      [1, 2, -1],
      [0.5, -1, 3],
      [2, 0, 0],
      [-1, 1, 1],
      [0, 0.5, 2],
    ];
    const B = examples.length;
    const mean = [0, 1, 2].map((i) => examples.reduce((s, e) => s + e[i], 0) / B);
    const sampleVar = examples.reduce((s, e) => s + sq(e.map((x, i) => x - mean[i])), 0) / (B - 1);
    const stats = gradientNoiseFromNorms(sq(mean), Float64Array.from(examples.map(sq)), {
      eta: 0.5,
      eta0: 0.1,
    });
    expect(stats.batchSize).toBe(5);
    expect(stats.traceSigma).toBeCloseTo(sampleVar, 12);
    expect(stats.trueGradSqNorm).toBeCloseTo(sq(mean) - sampleVar / B, 12);
    expect(stats.noiseScale).toBeCloseTo(stats.traceSigma / stats.trueGradSqNorm, 12);
    expect(stats.sgdNoiseTemperature).toBeCloseTo((0.5 * sampleVar) / B, 12);
    expect(stats.eta0).toBe(0.1);
  });

  it('is unbiased even at B = 2, where the naive |ĝ|² is far off (Monte Carlo, known g and Σ)', () => {
    // ĝ_b = g + ε_b, ε ~ N(0, diag(4, 1)): |g|² = 1.25, tr(Σ) = 5, B_noise = 4.
    const rng = new Generator(11);
    const g = [1, 0.5];
    const sd = [2, 1];
    const trials = 40_000;
    let sumTr = 0;
    let sumG2 = 0;
    let sumNaive = 0;
    let sumTr2 = 0;
    let sumG22 = 0;
    for (let t = 0; t < trials; t++) {
      const e = [0, 1].map(() => g.map((gi, i) => gi + sd[i] * rng.normal()));
      const batch = g.map((_, i) => (e[0][i] + e[1][i]) / 2);
      const s = gradientNoiseFromNorms(sq(batch), Float64Array.from(e.map(sq)));
      sumTr += s.traceSigma;
      sumTr2 += s.traceSigma ** 2;
      sumG2 += s.trueGradSqNorm;
      sumG22 += s.trueGradSqNorm ** 2;
      sumNaive += s.batchGradSqNorm;
    }
    const se = (s: number, s2: number) => Math.sqrt((s2 / trials - (s / trials) ** 2) / trials);
    expect(Math.abs(sumTr / trials - 5)).toBeLessThan(5 * se(sumTr, sumTr2));
    expect(Math.abs(sumG2 / trials - 1.25)).toBeLessThan(5 * se(sumG2, sumG22));
    // The naive estimate E|ĝ|² = |g|² + tr(Σ)/B = 3.75: the correction matters.
    expect(sumNaive / trials).toBeGreaterThan(3.5);
    // B_noise from the averages (what GradientNoiseMeter reports).
    expect(sumTr / sumG2).toBeGreaterThan(3.6);
    expect(sumTr / sumG2).toBeLessThan(4.4);
  });

  it('end to end: linear regression, per-example gradients 2 r_b x_b and 2 r_b in closed form', () => {
    // l_b = (w·x_b + c − y_b)², L = mean_b l_b: ĝ_b(W) = 2 r_b x_b, ĝ_b(c) = 2 r_b, r_b the residual.
    const X = [
      [1, 2, 0],
      [0, -1, 1],
      [2, 1, 1],
      [-1, 0, 3],
      [0.5, 0.5, -2],
      [1, -2, 1],
    ];
    const Y = [1, 0, 2, -1, 0.5, 1];
    const w0 = [0.3, -0.2, 0.1];
    const c0 = 0.05;
    const B = X.length;
    const W = tensor([w0], [1, 3], { dtype: 'float64', requiresGrad: true });
    const c = tensor([c0], [1], { dtype: 'float64', requiresGrad: true });
    const loss = mseLoss(
      linear(tensor(X, [B, 3], { dtype: 'float64' }), W, c),
      tensor(Y, [B, 1], { dtype: 'float64' }),
    );
    loss.backward(undefined, { perExample: 'norms' });
    const stats = measureGradientNoise(
      {
        namedParameters: () =>
          [
            ['fc.weight', W],
            ['fc.bias', c],
          ] as const,
      },
      { eta: 0.1 },
    );

    const per = X.map((x, b) => {
      const r = x.reduce((s, xi, i) => s + xi * w0[i], c0) - Y[b];
      return [...x.map((xi) => 2 * r * xi), 2 * r];
    });
    const mean = [0, 1, 2, 3].map((i) => per.reduce((s, e) => s + e[i], 0) / B);
    const trSigma = per.reduce((s, e) => s + sq(e.map((v, i) => v - mean[i])), 0) / (B - 1);
    expect(stats.batchGradSqNorm).toBeCloseTo(sq(mean), 10);
    expect(stats.meanExampleSqNorm).toBeCloseTo(per.reduce((s, e) => s + sq(e), 0) / B, 10);
    expect(stats.traceSigma).toBeCloseTo(trSigma, 10);
    expect(stats.trueGradSqNorm).toBeCloseTo(sq(mean) - trSigma / B, 10);
    expect(stats.sgdNoiseTemperature).toBeCloseTo((0.1 * trSigma) / B, 10);
  });

  it('errors: B < 2, missing per-example statistics, negative norms', () => {
    expect(() => gradientNoiseFromNorms(1, Float64Array.of(1))).toThrow(
      /at least 2 per-example norms/,
    );
    expect(() => gradientNoiseFromNorms(1, Float64Array.of(1, -1))).toThrow(
      /per-example \|ĝ_b\|² must be finite and >= 0, got -1 for example 1/,
    );
    const w = tensor([1, 2], [2], { dtype: 'float64', requiresGrad: true });
    w.grad = tensor([0.1, 0.2], [2], { dtype: 'float64' });
    expect(() => measureGradientNoise([['w', w]])).toThrow(
      "measureGradientNoise: parameter 'w' has no per-example statistics; call loss.backward(undefined, { perExample: 'norms' })",
    );
  });
});

describe('GradientNoiseMeter', () => {
  it('bias-corrected moving averages; B_noise is the ratio of the averages; state round-trips', () => {
    const meter = new GradientNoiseMeter({ decay: 0.9 });
    expect(meter.update({ traceSigma: 8, trueGradSqNorm: 2 })).toEqual({
      traceSigma: 8,
      trueGradSqNorm: 2,
      noiseScale: 4,
    });
    const v = meter.update({ traceSigma: 4, trueGradSqNorm: 2 });
    // Weights 0.9·0.1 and 0.1 over 1 − 0.81: (0.072 + 0.4) / 0.19.
    expect(v.traceSigma).toBeCloseTo((0.9 * 0.1 * 8 + 0.1 * 4) / 0.19, 14);
    expect(v.trueGradSqNorm).toBeCloseTo(2, 14);
    const copy = new GradientNoiseMeter(JSON.parse(JSON.stringify(meter.state())));
    expect(copy.value).toEqual(meter.value);
    expect(() => new GradientNoiseMeter({ decay: 1 })).toThrow(/decay must be in \[0, 1\), got 1/);
  });
});
