/**
 * langevin's SGD-matched noise ('sgd', full covariance; 'sgd-diagonal', its diagonal): the injected
 * covariance against the sample covariance of the per-example gradients, one step's total
 * covariance against SGD at the imitated batch size, and the stationary covariance against the
 * Lyapunov solution on a 2-D quadratic whose Σ is not diagonal.
 */
import { Generator } from '@thermograd/autograd';
import { describe, expect, it } from 'vitest';
import { langevin, sgd, type LangevinOptions, type ParamTree } from '../src/index.js';
import { bits, tensors, updateOnArrays } from './helpers.js';

type Matrix2 = [number, number, number, number]; // row-major 2×2

/** extras.perExample for a tree of parameters, from per-example gradients laid out [B, size] each. */
function perExample(grads: Record<string, Float64Array>, B: number) {
  return {
    perExample: Object.fromEntries(
      Object.entries(grads).map(([name, g]) => [name, { sqNorms: new Float64Array(B), grads: g }]),
    ),
  };
}

/** Sample covariance (mean removed) of the rows of `rows` (each a vector). */
function covariance(rows: Float64Array[]): { cov: Float64Array; n: number } {
  const d = rows[0].length;
  const n = rows.length;
  const mean = new Float64Array(d);
  for (const r of rows) for (let i = 0; i < d; i++) mean[i] += r[i] / n;
  const cov = new Float64Array(d * d);
  for (const r of rows)
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) cov[i * d + j] += ((r[i] - mean[i]) * (r[j] - mean[j])) / (n - 1);
  return { cov, n };
}

/**
 * Expects every entry of a covariance estimated from n independent Gaussian vectors within `z`
 * standard errors of `expected`: Var(ĉ_ij) = (C_ii C_jj + C_ij²)/n.
 */
function expectCovariance(measured: Float64Array, expected: ArrayLike<number>, n: number, z = 5) {
  const d = Math.round(Math.sqrt(expected.length));
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      const se = Math.sqrt(
        (expected[i * d + i] * expected[j * d + j] + expected[i * d + j] ** 2) / n,
      );
      expect(Math.abs(measured[i * d + j] - expected[i * d + j]), `entry ${i},${j}`).toBeLessThan(
        z * se,
      );
    }
}

/** Stationary covariance of δ' = A δ + noise with Cov noise = Q, 2×2: C = A C Aᵀ + Q (A symmetric). */
function discreteLyapunov2(A: Matrix2, Q: Matrix2): Matrix2 {
  // Unknowns c00, c01, c11; (A C A)_ij = Σ_kl A_ik C_kl A_lj.
  const [a, b, , d] = A;
  const M = [
    [1 - a * a, -2 * a * b, -b * b],
    [-a * b, 1 - (a * d + b * b), -b * d],
    [-b * b, -2 * b * d, 1 - d * d],
  ];
  const rhs = [Q[0], Q[1], Q[3]];
  // Cramer's rule on the 3×3 system.
  const det3 = (m: number[][]) =>
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  const D = det3(M);
  const solve = (col: number) =>
    det3(M.map((row, r) => row.map((v, c) => (c === col ? rhs[r] : v)))) / D;
  const [c00, c01, c11] = [solve(0), solve(1), solve(2)];
  return [c00, c01, c01, c11];
}

describe("langevin noise 'sgd' (full covariance)", () => {
  // Five per-example gradients of a tree with two parameters (sizes 2 and 1): the noise must be
  // correlated across parameters too.
  const B = 5;
  const rows = [
    [1.0, 0.5, -0.3],
    [0.2, -1.1, 0.8],
    [-0.7, 0.4, 0.1],
    [1.5, 1.2, -1.0],
    [-0.4, -0.2, 0.9],
  ];
  const layout = (col: number[]) => Float64Array.from(rows.flatMap((r) => col.map((c) => r[c]))); // [B, size]
  const perGrads = { a: layout([0, 1]), b: layout([2]) };
  const mean = [0, 1, 2].map((c) => rows.reduce((s, r) => s + r[c], 0) / B);
  const sigmaHat = new Float64Array(9);
  for (const r of rows)
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++)
        sigmaHat[i * 3 + j] += ((r[i] - mean[i]) * (r[j] - mean[j])) / (B - 1);

  /** The injected noise u + η ĝ of `draws` steps, as vectors over (a0, a1, b0). */
  function injected(options: Partial<LangevinOptions>, draws: number): Float64Array[] {
    const eta = 0.3;
    const grads = { a: Float64Array.from(mean.slice(0, 2)), b: Float64Array.of(mean[2]) };
    const plugin = langevin({ eta, noise: 'sgd', seed: 11, ...options });
    let state = plugin.init(tensors(grads));
    const out: Float64Array[] = [];
    const extras = perExample(perGrads, B);
    for (let k = 0; k < draws; k++) {
      const r = updateOnArrays(plugin, grads, state, grads, extras);
      state = r.state;
      out.push(
        Float64Array.of(
          r.updates.a[0] + eta * mean[0],
          r.updates.a[1] + eta * mean[1],
          r.updates.b[0] + eta * mean[2],
        ),
      );
    }
    return out;
  }

  it('injects covariance η²·Σ̂/B′ for an exact gradient, Σ̂ the unbiased sample covariance (20,000 draws)', () => {
    const imitate = 2;
    const { cov, n } = covariance(
      injected({ imitateBatchSize: imitate, gradientBatchSize: 'full' }, 20_000),
    );
    expectCovariance(
      cov,
      sigmaHat.map((v) => (0.3 ** 2 * v) / imitate),
      n,
    );
  });

  it('injects η²·Σ̂·(1/B′ − 1/B_g) for a gradient over B_g examples, times noiseScale; B′ = B_g injects nothing', () => {
    const { cov, n } = covariance(
      injected({ imitateBatchSize: 2, gradientBatchSize: 8, noiseScale: 3 }, 20_000),
    );
    expectCovariance(
      cov,
      sigmaHat.map((v) => 0.3 ** 2 * v * 3 * (1 / 2 - 1 / 8)),
      n,
    );
    // Default B′ and B_g: both the per-example batch's B, so nothing is injected.
    for (const u of injected({}, 5))
      expect(Array.from(u)).toEqual([0, 0, 0].map(() => expect.closeTo(0, 15)));
  });

  it('two examples with gradients (1, 1) and (−1, −1): the full noise is perfectly correlated, the diagonal one not', () => {
    const per = { w: Float64Array.of(1, 1, -1, -1) };
    const grads = { w: Float64Array.of(0, 0) };
    const correlation = (noise: 'sgd' | 'sgd-diagonal') => {
      const plugin = langevin({ eta: 1, noise, gradientBatchSize: 'full', seed: 2 });
      let state = plugin.init(tensors(grads));
      const draws: Float64Array[] = [];
      for (let k = 0; k < 4000; k++) {
        const r = updateOnArrays(plugin, grads, state, grads, perExample(per, 2));
        state = r.state;
        draws.push(Float64Array.from(r.updates.w));
      }
      const { cov } = covariance(draws);
      return cov[1] / Math.sqrt(cov[0] * cov[3]);
    };
    expect(correlation('sgd')).toBeCloseTo(1, 12);
    // 4000 draws: the sample correlation of independent normals has standard error 1/√4000.
    expect(Math.abs(correlation('sgd-diagonal'))).toBeLessThan(5 / Math.sqrt(4000));
  });

  it("one step's total covariance (minibatch noise + injected) is SGD's at B′", () => {
    // Per-example gradients ~ N(m, Σ) with a non-diagonal Σ; a minibatch of B = 8 gives ĝ with
    // covariance Σ/8, and the plugin adds η²Σ̂(1/B′ − 1/8): the update's covariance is η²Σ/B′.
    const Sigma: Matrix2 = [1, 0.6, 0.6, 0.8];
    const L = [1, 0, 0.6, Math.sqrt(0.8 - 0.36)]; // Cholesky of Σ
    const m = [0.4, -0.2];
    const Bm = 8;
    const imitate = 2;
    const eta = 0.5;
    const rng = new Generator(21);
    const plugin = langevin({ eta, noise: 'sgd', imitateBatchSize: imitate, seed: 4 });
    const zero = { w: new Float64Array(2) };
    let state = plugin.init(tensors(zero));
    const totals: Float64Array[] = [];
    const draws = 40_000;
    for (let k = 0; k < draws; k++) {
      const per = new Float64Array(Bm * 2);
      const g = new Float64Array(2);
      for (let b = 0; b < Bm; b++) {
        const z0 = rng.normal();
        const z1 = rng.normal();
        per[b * 2] = m[0] + L[0] * z0;
        per[b * 2 + 1] = m[1] + L[2] * z0 + L[3] * z1;
        g[0] += per[b * 2] / Bm;
        g[1] += per[b * 2 + 1] / Bm;
      }
      const r = updateOnArrays(plugin, { w: g }, state, zero, perExample({ w: per }, Bm));
      state = r.state;
      totals.push(Float64Array.from(r.updates.w));
    }
    const { cov, n } = covariance(totals);
    // The total is a Gaussian mixture (its variance given Σ̂ is random), so inflate the Gaussian
    // standard error by 1.5 before allowing 5 of them.
    expectCovariance(
      cov,
      Sigma.map((v) => (eta * eta * v) / imitate),
      n / 1.5 ** 2,
    );
    expect(state.hyper).toMatchObject({ imitateBatchSize: imitate, gradientBatchSize: Bm });
  });

  it('with B′ equal to the gradient batch size the update is sgd bit for bit', () => {
    const per = { w: Float64Array.of(1, 2, 3, -1, 0.5, 0.25) };
    const grads: ParamTree = { w: Float64Array.of(1, 2) };
    const a = langevin({ eta: 0.1, noise: 'sgd', imitateBatchSize: 3, gradientBatchSize: 3 });
    const b = sgd({ eta: 0.1 });
    const ua = updateOnArrays(a, grads, a.init(tensors(grads)), grads, perExample(per, 3)).updates
      .w;
    const ub = updateOnArrays(b, grads, b.init(tensors(grads)), grads).updates.w;
    expect(bits(ua)).toBe(bits(ub));
  });

  it('refuses B′ larger than the gradient batch size, and bad gradientBatchSize values, with clear errors', () => {
    expect(() =>
      langevin({ eta: 0.1, noise: 'sgd', imitateBatchSize: 64, gradientBatchSize: 32 }),
    ).toThrow(
      /imitateBatchSize B′ = 64 exceeds the gradient's batch size 32.*noise cannot take noise away/,
    );
    // At the step, against the per-example batch's B (the default gradient batch size).
    const plugin = langevin({ eta: 0.1, noise: 'sgd-diagonal', imitateBatchSize: 4 });
    const g = { w: Float64Array.of(0) };
    expect(() =>
      updateOnArrays(
        plugin,
        g,
        plugin.init(tensors(g)),
        g,
        perExample({ w: Float64Array.of(1, 2) }, 2),
      ),
    ).toThrow(/imitateBatchSize B′ = 4 exceeds the gradient's batch size 2/);
    expect(() => langevin({ eta: 0.1, noise: 'sgd', gradientBatchSize: 0 })).toThrow(
      /gradientBatchSize must be an integer >= 1, 'full' or Infinity, got 0/,
    );
    expect(() => langevin({ eta: 0.1, temperature: 1, imitateBatchSize: 4 })).toThrow(
      /imitateBatchSize is used only with noise 'sgd' or 'sgd-diagonal'/,
    );
    expect(() =>
      updateOnArrays(
        langevin({ eta: 0.1, noise: 'sgd' }),
        g,
        langevin({ eta: 0.1, noise: 'sgd' }).init(tensors(g)),
        g,
      ),
    ).toThrow(/noise 'sgd' needs per-example gradients for parameter 'w'/);
  });

  it('stationary covariance on a 2-D quadratic with non-diagonal Σ: full noise solves the Lyapunov equation, the diagonal one does not', () => {
    // U = ½ δᵀHδ with the exact gradient Hδ; per-example gradients Hδ + e_b with four fixed e_b
    // whose sample covariance is exactly Σ, so every step injects η²Σ/B′ (B′ = 1) and the discrete
    // chain's stationary covariance solves C = (I − ηH) C (I − ηH) + η²Σ exactly.
    const eta = 0.1;
    const H: Matrix2 = [1, 0.5, 0.5, 1];
    const Sigma: Matrix2 = [1, 0.9, 0.9, 1];
    const L = [1, 0, 0.9, Math.sqrt(1 - 0.81)];
    const z = [
      [1, 1],
      [1, -1],
      [-1, 1],
      [-1, -1],
    ].map(([p, q]) => [p * Math.sqrt(3 / 4), q * Math.sqrt(3 / 4)]); // Σ_b z zᵀ = 3 I, Σ_b z = 0
    const e = z.map(([p, q]) => [L[0] * p, L[2] * p + L[3] * q]);
    const A: Matrix2 = [1 - eta * H[0], -eta * H[1], -eta * H[2], 1 - eta * H[3]];
    const predicted = discreteLyapunov2(A, Sigma.map((v) => eta * eta * v) as Matrix2);
    const predictedDiagonal = discreteLyapunov2(A, [
      eta * eta * Sigma[0],
      0,
      0,
      eta * eta * Sigma[3],
    ]);

    const stationary = (noise: 'sgd' | 'sgd-diagonal') => {
      const plugin = langevin({
        eta,
        noise,
        imitateBatchSize: 1,
        gradientBatchSize: 'full',
        seed: 8,
      });
      let x = new Float64Array(2);
      let state = plugin.init(tensors({ x }));
      const steps = 100_000;
      const burnIn = 500;
      const blocks = 20;
      const block = steps / blocks;
      const sums = Array.from({ length: blocks }, () => new Float64Array(3));
      for (let t = 0; t < burnIn + steps; t++) {
        const g = Float64Array.of(H[0] * x[0] + H[1] * x[1], H[2] * x[0] + H[3] * x[1]);
        const per = Float64Array.from(e.flatMap(([p, q]) => [g[0] + p, g[1] + q]));
        const r = updateOnArrays(plugin, { x: g }, state, { x }, perExample({ x: per }, 4));
        state = r.state;
        x = Float64Array.of(x[0] + r.updates.x[0], x[1] + r.updates.x[1]);
        if (t >= burnIn) {
          const s = sums[Math.floor((t - burnIn) / block)];
          s[0] += (x[0] * x[0]) / block;
          s[1] += (x[0] * x[1]) / block;
          s[2] += (x[1] * x[1]) / block;
        }
      }
      // The mean is 0 by symmetry; entries and their standard errors from batch means.
      return [0, 1, 2].map((k) => {
        const values = sums.map((s) => s[k]);
        const m = values.reduce((a, v) => a + v, 0) / blocks;
        const sd = Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (blocks - 1));
        return { value: m, se: sd / Math.sqrt(blocks) };
      });
    };
    const full = stationary('sgd');
    [predicted[0], predicted[1], predicted[3]].forEach((p, k) =>
      expect(Math.abs(full[k].value - p), `full entry ${k}`).toBeLessThan(5 * full[k].se),
    );
    // The diagonal noise matches its own (wrong) prediction, whose off-diagonal entry has the
    // opposite sign to SGD's.
    const diagonal = stationary('sgd-diagonal');
    expect(predicted[1]).toBeGreaterThan(0);
    expect(predictedDiagonal[1]).toBeLessThan(0);
    expect(Math.abs(diagonal[1].value - predictedDiagonal[1])).toBeLessThan(5 * diagonal[1].se);
    expect(diagonal[1].value).toBeLessThan(predicted[1] - 10 * diagonal[1].se);
  });
});
