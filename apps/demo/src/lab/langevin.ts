/**
 * lab langevin: the stationary covariance of constant-η SGD solves a Lyapunov equation, not the
 * Boltzmann covariance T·H⁻¹; isotropic Langevin dynamics at temperature T does give T·H⁻¹.
 *
 * Problem (known H and Σ in closed form): linear regression with anisotropic Gaussian inputs,
 *   x ~ N(0, H),  y = xᵀw* + σ ε,  ε ~ N(0, 1),  per-example loss l = ½(xᵀw − y)².
 * With δ = w − w*, the per-example gradient is ĝ_b = x_b x_bᵀ δ − σ ε_b x_b, so the Hessian of the
 * population loss is E[xxᵀ] = H and, at the optimum (δ = 0), the per-example gradient covariance
 * is Σ = σ² E[ε²] E[xxᵀ] = σ² H.
 *
 * Convention (docs/theory.md's, with the loss a MEAN over the batch): ĝ = (1/B) Σ_b ĝ_b, Φ ← Φ − η ĝ.
 * Near the optimum ĝ = H δ + ξ with Cov ξ = Σ/B, so one step is δ' = (I − ηH) δ − η ξ and the
 * noise covariance per step is η² Σ/B. A stationary C must satisfy C = (I − ηH) C (I − ηH) + η² Σ/B,
 * i.e. H C + C H − η H C H = η Σ/B; to first order in η (the theory's continuous-time limit, with
 * diffusion ε ~ N(0, η Σ/B) per unit of flow time; Mandt, Hoffman & Blei 2017):
 *
 *     H C + C H = η Σ / B.                                                (the prediction tested)
 *
 * Here Σ = σ² H gives C = η σ²/(2B) · I: isotropic, however anisotropic H is. The Boltzmann
 * covariance at the matched temperature — the isotropic diffusion with the same total noise power,
 * 2T = η tr(Σ)/(B d), which also gives the same mean excess loss ½ tr(H C) — is T·H⁻¹, as
 * anisotropic as H. Isotropic Langevin (the `langevin` plugin: Φ ← Φ − η g + √(2ηT) ξ with the
 * full gradient g = H δ) has stationary covariance T·H⁻¹ (exactly T H⁻¹ (I − ηH/2)⁻¹ for the
 * discrete chain).
 *
 * The exact stationary covariance of the discrete SGD chain (reported as a diagnostic, not the
 * claim) also has the input-sampling (multiplicative) noise: with A = (1/B) Σ_b x_b x_bᵀ,
 * E[A C A] = H C H + (H C H + tr(H C) H)/B for Gaussian x, so
 *     H C + C H − η (1 + 1/B) H C H − η tr(H C) H / B = η σ² H / B.
 *
 * Many independent replicas run side by side: one parameter vector of K·d entries, each replica
 * with its own minibatches, stepped by thermograd's `sgd` and `langevin` plugins; the covariance
 * is averaged over replicas and over time after a burn-in of several relaxation times.
 */
import { Generator } from '@thermograd/autograd';
import { langevin, sgd, type OptimizerPlugin, type PluginState } from '@thermograd/optim';
import type { SeriesPoint } from '../plots.js';
import {
  cholesky,
  inverse,
  matmul,
  rotatedDiagonal,
  solveLinearMatrixEquation,
  solveLyapunov,
  trace,
  varianceAlong,
  type Matrix,
} from './linalg.js';
import { fmt, type Claim, type LabOptions, type LabResult, type LabTable } from './results.js';

interface Settings {
  eigenvalues: number[];
  angle: number;
  sigma: number;
  batch: number;
  eta: number;
  replicas: number;
  burnIn: number;
  steps: number;
  sampleEvery: number;
  tolerance: number;
}

const QUICK: Settings = {
  eigenvalues: [1, 0.25],
  angle: 0.5,
  sigma: 1,
  batch: 2,
  eta: 0.04,
  replicas: 256,
  burnIn: 500,
  steps: 3000,
  sampleEvery: 5,
  tolerance: 0.15,
};
const DEFAULT: Settings = {
  eigenvalues: [1, 0.3, 0.1],
  angle: 0.6,
  sigma: 1,
  batch: 4,
  eta: 0.02,
  replicas: 800,
  burnIn: 1500,
  steps: 8000,
  sampleEvery: 10,
  tolerance: 0.1,
};

/** Runs a plugin on K replicas of the d-dimensional problem and returns the covariance of δ. */
function stationaryCovariance(
  plugin: OptimizerPlugin,
  d: number,
  s: Settings,
  wStar: Float64Array,
  gradient: (w: Float64Array, grads: Float64Array) => void,
  trace: { points: SeriesPoint[]; label: string; direction: Float64Array },
): Matrix {
  const K = s.replicas;
  let w = new Float64Array(K * d);
  for (let k = 0; k < K; k++) for (let i = 0; i < d; i++) w[k * d + i] = wStar[i];
  let state: PluginState = plugin.init({ w });
  const grads = new Float64Array(K * d);
  const sum = new Float64Array(d);
  const sumSq = new Float64Array(d * d);
  let samples = 0;
  for (let t = 0; t < s.burnIn + s.steps; t++) {
    gradient(w, grads);
    const result = plugin.update({ w: grads }, state, { w });
    state = result.state;
    const upd = result.updates.w;
    const next = new Float64Array(K * d);
    for (let i = 0; i < K * d; i++) next[i] = w[i] + upd[i];
    w = next;
    if (t >= s.burnIn && (t - s.burnIn) % s.sampleEvery === 0) {
      for (let k = 0; k < K; k++)
        for (let i = 0; i < d; i++) {
          const di = w[k * d + i] - wStar[i];
          sum[i] += di;
          for (let j = 0; j < d; j++) sumSq[i * d + j] += di * (w[k * d + j] - wStar[j]);
        }
      samples += K;
      // Running estimate of the variance along the slowest direction (shows convergence).
      let v = 0;
      for (let a = 0; a < d; a++)
        for (let b = 0; b < d; b++)
          v +=
            trace.direction[a] *
            trace.direction[b] *
            (sumSq[a * d + b] / samples - (sum[a] / samples) * (sum[b] / samples));
      trace.points.push({ step: t + 1, value: v, series: trace.label });
    }
  }
  const c = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++)
      c[i * d + j] = sumSq[i * d + j] / samples - (sum[i] / samples) * (sum[j] / samples);
  return c;
}

/** Largest |measured − predicted| over entries, each scaled by √(P_ii P_jj) of the prediction. */
function normalizedErrors(measured: Matrix, predicted: Matrix, d: number): Float64Array {
  const e = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      e[i * d + j] =
        Math.abs(measured[i * d + j] - predicted[i * d + j]) /
        Math.sqrt(predicted[i * d + i] * predicted[j * d + j]);
    }
  return e;
}
const maxOf = (a: Float64Array) => a.reduce((m, v) => Math.max(m, v), 0);

export async function runLangevin(opts: LabOptions): Promise<LabResult> {
  const start = performance.now();
  const s = opts.quick ? QUICK : DEFAULT;
  const d = s.eigenvalues.length;
  const B = s.batch;
  const { matrix: H, rotation: R } = rotatedDiagonal(s.eigenvalues, s.angle);
  const L = cholesky(H, d);
  const Sigma = H.map((v) => s.sigma * s.sigma * v);
  const wStar = Float64Array.from({ length: d }, (_, i) => (i % 2 === 0 ? 1 : -1) * (1 + i / 2));

  // Predictions.
  const lyapunov = solveLyapunov(
    H,
    Sigma.map((v) => (s.eta * v) / B),
    d,
  );
  const exactDiscrete = solveLinearMatrixEquation(
    (c) => {
      const hc = matmul(H, c, d);
      const ch = matmul(c, H, d);
      const hch = matmul(hc, H, d);
      const trHC = trace(hc, d);
      return hc.map((v, i) => v + ch[i] - s.eta * (1 + 1 / B) * hch[i] - (s.eta * trHC * H[i]) / B);
    },
    Sigma.map((v) => (s.eta * v) / B),
    d,
  );
  const T = (s.eta * trace(Sigma, d)) / (2 * B * d);
  const Hinv = inverse(H, d);
  const boltzmann = Hinv.map((v) => T * v);
  opts.log(
    `lab langevin: d=${d}, eig(H)=[${s.eigenvalues.join(', ')}], σ=${s.sigma}, B=${B}, η=${s.eta}, matched T=${T.toExponential(3)}; ${s.replicas} replicas × ${s.burnIn + s.steps} steps`,
  );

  const rng = new Generator(opts.seed);
  const x = new Float64Array(d);
  const z = new Float64Array(d);
  // Minibatch gradient of the mean loss ½(xᵀw − y)² over B fresh examples, for every replica.
  const sgdGradient = (w: Float64Array, grads: Float64Array) => {
    grads.fill(0);
    for (let k = 0; k < s.replicas; k++) {
      for (let b = 0; b < B; b++) {
        for (let i = 0; i < d; i++) z[i] = rng.normal();
        let residual = -s.sigma * rng.normal(); // xᵀw − y = xᵀ(w − w*) − σ ε
        for (let i = 0; i < d; i++) {
          let xi = 0;
          for (let j = 0; j <= i; j++) xi += L[i * d + j] * z[j];
          x[i] = xi;
          residual += xi * (w[k * d + i] - wStar[i]);
        }
        for (let i = 0; i < d; i++) grads[k * d + i] += (x[i] * residual) / B;
      }
    }
  };
  // The full (population) gradient H (w − w*): Langevin's drift carries no sampling noise.
  const fullGradient = (w: Float64Array, grads: Float64Array) => {
    for (let k = 0; k < s.replicas; k++)
      for (let i = 0; i < d; i++) {
        let g = 0;
        for (let j = 0; j < d; j++) g += H[i * d + j] * (w[k * d + j] - wStar[j]);
        grads[k * d + i] = g;
      }
  };

  const slowest = d - 1; // eigenvalues are given in decreasing order
  const direction = Float64Array.from({ length: d }, (_, a) => R[a * d + slowest]);
  const running: SeriesPoint[] = [];
  const cSgd = stationaryCovariance(sgd({ eta: s.eta, batchSize: B }), d, s, wStar, sgdGradient, {
    points: running,
    label: 'SGD (running estimate)',
    direction,
  });
  const cLangevin = stationaryCovariance(
    langevin({ eta: s.eta, temperature: T, seed: opts.seed + 1 }),
    d,
    s,
    wStar,
    fullGradient,
    { points: running, label: 'Langevin (running estimate)', direction },
  );

  const errSgdLyap = normalizedErrors(cSgd, lyapunov, d);
  const errSgdBoltz = normalizedErrors(cSgd, boltzmann, d);
  const errLyapBoltz = normalizedErrors(lyapunov, boltzmann, d);
  const errLangBoltz = normalizedErrors(cLangevin, boltzmann, d);
  const errSgdExact = normalizedErrors(cSgd, exactDiscrete, d);
  const frob = (m: Matrix, p: Matrix) =>
    Math.sqrt(m.reduce((a, v, i) => a + (v - p[i]) ** 2, 0) / p.reduce((a, v) => a + v * v, 0));
  const tol = s.tolerance;
  const claims: Claim[] = [
    {
      id: 'sgd-matches-lyapunov',
      claim: 'the stationary covariance C of constant-η SGD solves H C + C H = η Σ / B',
      criterion: `every entry within ${tol} of the prediction, in units of √(P_ii P_jj)`,
      measured: {
        maxEntryError: maxOf(errSgdLyap),
        frobeniusRelError: frob(cSgd, lyapunov),
        maxEntryErrorVsExactDiscrete: maxOf(errSgdExact),
      },
      held: maxOf(errSgdLyap) <= tol,
    },
    {
      id: 'sgd-not-boltzmann',
      claim: 'the SGD covariance is not the Boltzmann covariance T·H⁻¹ at the matched temperature',
      criterion: `largest entry error against T·H⁻¹ above ${fmt(3 * tol)} (three times the tolerance that counts as a match)`,
      measured: {
        maxEntryErrorVsBoltzmann: maxOf(errSgdBoltz),
        predictedMaxEntryGap: maxOf(errLyapBoltz),
        T,
      },
      held: maxOf(errSgdBoltz) > 3 * tol,
    },
    {
      id: 'langevin-matches-boltzmann',
      claim: 'isotropic Langevin dynamics at temperature T has stationary covariance T·H⁻¹',
      criterion: `every entry within ${tol} of T·H⁻¹, in units of √(P_ii P_jj)`,
      measured: {
        maxEntryError: maxOf(errLangBoltz),
        frobeniusRelError: frob(cLangevin, boltzmann),
      },
      held: maxOf(errLangBoltz) <= tol,
    },
  ];

  const entries: LabTable = {
    title: 'Covariance entries (measured against predicted; err = |m − p| / √(p_ii p_jj))',
    header: [
      'entry',
      'SGD measured',
      'Lyapunov ηΣ/B',
      'err',
      'exact discrete',
      'T·H⁻¹',
      'SGD err vs T·H⁻¹',
      'Langevin measured',
      'Langevin err vs T·H⁻¹',
    ],
    rows: [],
  };
  for (let i = 0; i < d; i++)
    for (let j = i; j < d; j++) {
      const k = i * d + j;
      entries.rows.push([
        `C[${i}][${j}]`,
        cSgd[k],
        lyapunov[k],
        errSgdLyap[k],
        exactDiscrete[k],
        boltzmann[k],
        errSgdBoltz[k],
        cLangevin[k],
        errLangBoltz[k],
      ]);
    }
  const eig: SeriesPoint[] = [];
  for (let j = 0; j < d; j++) {
    const lambda = s.eigenvalues[j];
    eig.push(
      { step: lambda, value: varianceAlong(cSgd, R, j, d), series: 'SGD measured' },
      {
        step: lambda,
        value: varianceAlong(lyapunov, R, j, d),
        series: 'Lyapunov H C + C H = ηΣ/B',
      },
      { step: lambda, value: T / lambda, series: 'Boltzmann T/λ' },
      { step: lambda, value: varianceAlong(cLangevin, R, j, d), series: 'Langevin measured' },
    );
  }
  const predictedSlow = [
    { label: 'Lyapunov prediction (SGD)', v: varianceAlong(lyapunov, R, slowest, d) },
    { label: 'T·H⁻¹ (Langevin)', v: T / s.eigenvalues[slowest] },
  ];
  const first = running[0]?.step ?? 0;
  const last = s.burnIn + s.steps;
  for (const p of predictedSlow)
    running.push(
      { step: first, value: p.v, series: p.label },
      { step: last, value: p.v, series: p.label },
    );

  return {
    experiment: 'langevin',
    seed: opts.seed,
    quick: opts.quick,
    wallSeconds: (performance.now() - start) / 1000,
    setup: [
      `linear regression, x ~ N(0, H), y = xᵀw* + σε; H = R diag(${s.eigenvalues.join(', ')}) Rᵀ (rotation angle ${s.angle}), σ = ${s.sigma}, so Σ = σ²H`,
      `SGD: sgd plugin, η = ${s.eta} (η0 = η/B = ${s.eta / B}), B = ${B}, fresh examples each step; Langevin: langevin plugin, same η, T = η tr(Σ)/(2Bd) = ${T.toExponential(4)}, full gradient`,
      `${s.replicas} independent replicas, ${s.burnIn} burn-in steps (≥ ${(s.burnIn * 2 * s.eta * s.eigenvalues[d - 1]).toFixed(1)} variance relaxation times of the slowest direction), ${s.steps} sampled steps every ${s.sampleEvery}`,
    ],
    claims,
    tables: [entries],
    charts: [
      {
        name: 'langevin-eigen',
        title: 'Stationary variance along the eigenvectors of H',
        yTitle: 'variance (log scale)',
        xTitle: 'eigenvalue λ of H',
        points: eig,
        logScale: true,
      },
      {
        name: 'langevin-running',
        title: 'Running estimate of the variance along the slowest eigenvector',
        yTitle: 'variance',
        points: running,
      },
    ],
  };
}
