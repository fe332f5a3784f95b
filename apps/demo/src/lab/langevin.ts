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
 * SGD-matched Langevin (the `langevin` plugin with noise 'sgd'): the exact drift H δ plus noise of
 * covariance η² Σ̂/B, Σ̂ the sample covariance of B fresh examples' per-example gradients at the
 * current parameters, i.e. SGD's own per-step noise. Its stationary covariance must be SGD's (the
 * Lyapunov solution). With noise 'sgd-diagonal' (only diag Σ̂) it solves H C + C H = η diag(Σ)/B
 * instead, which for the non-diagonal Σ = σ² H here is far from SGD's.
 *
 * Many independent replicas run side by side: one parameter vector of K·d entries, each replica
 * with its own minibatches, stepped by thermograd's `sgd` and `langevin` plugins; the covariance
 * is averaged over replicas and over time after a burn-in of several relaxation times.
 */
import { Generator, tensor, tidy } from '@thermograd/autograd';
import type { OptimizerPlugin, PluginState } from '@thermograd/optim';
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
import {
  fmt,
  judge,
  labPlugin,
  outcome,
  type Claim,
  type LabOptions,
  type LabResult,
  type LabTable,
  type Verdict,
  Z_HELD,
  Z_NOT_HELD,
} from './results.js';

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

/** A covariance estimate: the mean over replica groups and its standard error, entry by entry. */
interface CovarianceEstimate {
  mean: Matrix;
  se: Matrix;
}

/** Replica groups whose covariances give the standard error (replicas are independent chains). */
const GROUPS = 16;

/**
 * Runs a plugin on K replicas of the d-dimensional problem and returns the covariance of δ, with
 * standard errors from the spread of the covariances of GROUPS groups of replicas. `gradient`
 * fills the gradients and, for plugins that need them, the per-example gradients of every
 * replica ([B, K·d]: example b of every replica is one row, as autograd lays out a batch).
 * The 'sgd' noise draws one normal per example and step, shared by all replicas; their injected
 * noises stay uncorrelated (each replica's examples are its own), and the shared factor averages
 * out over the steps.
 */
function stationaryCovariance(
  plugin: OptimizerPlugin,
  d: number,
  s: Settings,
  wStar: Float64Array,
  gradient: (w: Float64Array, grads: Float64Array, perExample: Float64Array | null) => void,
  trace: { points: SeriesPoint[]; label: string; direction: Float64Array },
  perExampleRows = 0,
): CovarianceEstimate {
  const K = s.replicas;
  let w = new Float64Array(K * d);
  for (let k = 0; k < K; k++) for (let i = 0; i < d; i++) w[k * d + i] = wStar[i];
  // The replicas run as one float64 vector: plugins compute on tensors of the parameters' dtype.
  const asTensor = (values: Float64Array) => tensor(values, [values.length], { dtype: 'float64' });
  let state: PluginState = plugin.init({ w: asTensor(w) });
  const grads = new Float64Array(K * d);
  const perExample = perExampleRows > 0 ? new Float64Array(perExampleRows * K * d) : null;
  const extras = perExample
    ? { perExample: { w: { sqNorms: new Float64Array(perExampleRows), grads: perExample } } }
    : undefined;
  const sum = Array.from({ length: GROUPS }, () => new Float64Array(d));
  const sumSq = Array.from({ length: GROUPS }, () => new Float64Array(d * d));
  const count = new Float64Array(GROUPS);
  for (let t = 0; t < s.burnIn + s.steps; t++) {
    gradient(w, grads, perExample);
    const [next, nextState] = tidy(() => {
      const result = plugin.update({ w: asTensor(grads) }, state, { w: asTensor(w) }, extras);
      const upd = result.updates.w.dataSync();
      return [Float64Array.from(w, (v, i) => v + upd[i]), result.state] as const;
    });
    w = next;
    state = nextState;
    if (t >= s.burnIn && (t - s.burnIn) % s.sampleEvery === 0) {
      for (let k = 0; k < K; k++) {
        const g = k % GROUPS;
        count[g]++;
        for (let i = 0; i < d; i++) {
          const di = w[k * d + i] - wStar[i];
          sum[g][i] += di;
          for (let j = 0; j < d; j++) sumSq[g][i * d + j] += di * (w[k * d + j] - wStar[j]);
        }
      }
      // Running estimate of the variance along the slowest direction (shows convergence).
      const c = pooled(sum, sumSq, count, d);
      let v = 0;
      for (let a = 0; a < d; a++)
        for (let b = 0; b < d; b++) v += trace.direction[a] * trace.direction[b] * c[a * d + b];
      trace.points.push({ step: t + 1, value: v, series: trace.label });
    }
  }
  const groups = sum.map((_, g) => pooled([sum[g]], [sumSq[g]], [count[g]], d));
  const mean = new Float64Array(d * d);
  const se = new Float64Array(d * d);
  for (let e = 0; e < d * d; e++) {
    const values = groups.map((c) => c[e]);
    mean[e] = values.reduce((a, v) => a + v, 0) / GROUPS;
    se[e] = Math.sqrt(values.reduce((a, v) => a + (v - mean[e]) ** 2, 0) / (GROUPS - 1) / GROUPS);
  }
  return { mean, se };
}

/** The covariance of all samples in the given groups' sums. */
function pooled(
  sum: Float64Array[],
  sumSq: Float64Array[],
  count: ArrayLike<number>,
  d: number,
): Matrix {
  let n = 0;
  const m = new Float64Array(d);
  const q = new Float64Array(d * d);
  sum.forEach((sg, g) => {
    n += count[g];
    for (let i = 0; i < d; i++) m[i] += sg[i];
    for (let e = 0; e < d * d; e++) q[e] += sumSq[g][e];
  });
  const c = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) c[i * d + j] = q[i * d + j] / n - (m[i] / n) * (m[j] / n);
  return c;
}

/**
 * Entry errors |measured − predicted| / √(P_ii P_jj) with their standard errors, and the verdicts
 * on "every entry within tol" and "some entry beyond `beyond`".
 */
function compare(
  measured: CovarianceEstimate,
  predicted: Matrix,
  d: number,
  tol: number,
  beyond = 3 * tol,
): { errors: Float64Array; max: number; within: Verdict; outside: Verdict } {
  const errors = normalizedErrors(measured.mean, predicted, d);
  const ses = normalizedErrors(measured.se, new Float64Array(d * d), d, predicted);
  const each = (f: (e: number, se: number) => Verdict) =>
    Array.from(errors, (e, k) => f(e, ses[k]));
  // Every entry within tol: held if all are, not held if any is beyond it.
  const within = each((e, se) => judge(tol - e, se));
  // Some entry beyond `beyond`: held if any is, not held if all are within it.
  const outside = each((e, se) => judge(e - beyond, se));
  return {
    errors,
    max: maxOf(errors),
    within: within.includes('not held')
      ? 'not held'
      : within.every((v) => v === 'held')
        ? 'held'
        : 'inconclusive',
    outside: outside.includes('held')
      ? 'held'
      : outside.every((v) => v === 'not held')
        ? 'not held'
        : 'inconclusive',
  };
}

/** |measured − predicted| per entry, scaled by √(S_ii S_jj) of `scale` (default the prediction). */
function normalizedErrors(
  measured: Matrix,
  predicted: Matrix,
  d: number,
  scale: Matrix = predicted,
): Float64Array {
  const e = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      e[i * d + j] =
        Math.abs(measured[i * d + j] - predicted[i * d + j]) /
        Math.sqrt(scale[i * d + i] * scale[j * d + j]);
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
  // What noise with only Σ's diagonal gives: H C + C H = η diag(Σ)/B.
  const diagonalPrediction = solveLyapunov(
    H,
    Sigma.map((v, e) => (e % (d + 1) === 0 ? (s.eta * v) / B : 0)),
    d,
  );
  opts.log(
    `lab langevin: d=${d}, eig(H)=[${s.eigenvalues.join(', ')}], σ=${s.sigma}, B=${B}, η=${s.eta}, matched T=${T.toExponential(3)}; ${s.replicas} replicas × ${s.burnIn + s.steps} steps`,
  );

  const rng = new Generator(opts.seed);
  const x = new Float64Array(d);
  const z = new Float64Array(d);
  const K = s.replicas;
  /**
   * Minibatch gradient of the mean loss ½(xᵀw − y)² over B fresh examples, for every replica, and
   * (when asked) the per-example gradients x_b (x_bᵀw − y_b), laid out [B, K·d].
   */
  const sgdGradient = (w: Float64Array, grads: Float64Array, perExample: Float64Array | null) => {
    grads.fill(0);
    for (let k = 0; k < K; k++) {
      for (let b = 0; b < B; b++) {
        for (let i = 0; i < d; i++) z[i] = rng.normal();
        let residual = -s.sigma * rng.normal(); // xᵀw − y = xᵀ(w − w*) − σ ε
        for (let i = 0; i < d; i++) {
          let xi = 0;
          for (let j = 0; j <= i; j++) xi += L[i * d + j] * z[j];
          x[i] = xi;
          residual += xi * (w[k * d + i] - wStar[i]);
        }
        for (let i = 0; i < d; i++) {
          grads[k * d + i] += (x[i] * residual) / B;
          if (perExample) perExample[b * K * d + k * d + i] = x[i] * residual;
        }
      }
    }
  };
  // The full (population) gradient H (w − w*): Langevin's drift carries no sampling noise.
  const fullGradient = (w: Float64Array, grads: Float64Array) => {
    for (let k = 0; k < K; k++)
      for (let i = 0; i < d; i++) {
        let g = 0;
        for (let j = 0; j < d; j++) g += H[i * d + j] * (w[k * d + j] - wStar[j]);
        grads[k * d + i] = g;
      }
  };
  // The exact drift, and per-example gradients of B fresh examples for SGD-matched noise.
  const scratch = new Float64Array(K * d);
  const fullGradientWithExamples = (
    w: Float64Array,
    grads: Float64Array,
    perExample: Float64Array | null,
  ) => {
    sgdGradient(w, scratch, perExample);
    fullGradient(w, grads);
  };

  const slowest = d - 1; // eigenvalues are given in decreasing order
  const direction = Float64Array.from({ length: d }, (_, a) => R[a * d + slowest]);
  const running: SeriesPoint[] = [];
  const runOf = (
    plugin: OptimizerPlugin,
    gradient: typeof sgdGradient,
    label: string,
    perExampleRows = 0,
  ) =>
    stationaryCovariance(
      plugin,
      d,
      s,
      wStar,
      gradient,
      { points: running, label, direction },
      perExampleRows,
    );
  const cSgd = runOf(
    labPlugin(opts, 'sgd', { eta: s.eta, batchSize: B }),
    sgdGradient,
    'SGD (running estimate)',
  );
  const cLangevin = runOf(
    labPlugin(opts, 'langevin', { eta: s.eta, temperature: T, seed: opts.seed + 1 }),
    fullGradient,
    'Langevin (running estimate)',
  );
  // SGD-matched Langevin: the exact gradient plus noise of covariance η²Σ̂/B from B examples.
  const sgdNoise = (noise: 'sgd' | 'sgd-diagonal', seed: number) =>
    labPlugin(opts, 'langevin', {
      eta: s.eta,
      noise,
      imitateBatchSize: B,
      gradientBatchSize: 'full',
      seed,
    });
  const cFull = runOf(
    sgdNoise('sgd', opts.seed + 2),
    fullGradientWithExamples,
    "Langevin, noise 'sgd' (running estimate)",
    B,
  );
  const cDiagonal = runOf(
    sgdNoise('sgd-diagonal', opts.seed + 3),
    fullGradientWithExamples,
    "Langevin, noise 'sgd-diagonal' (running estimate)",
    B,
  );

  const tol = s.tolerance;
  const sgdLyap = compare(cSgd, lyapunov, d, tol);
  const sgdBoltz = compare(cSgd, boltzmann, d, tol);
  const langBoltz = compare(cLangevin, boltzmann, d, tol);
  const fullLyap = compare(cFull, lyapunov, d, tol);
  const diagonalLyap = compare(cDiagonal, lyapunov, d, tol);
  const errLyapBoltz = normalizedErrors(lyapunov, boltzmann, d);
  const errSgdExact = normalizedErrors(cSgd.mean, exactDiscrete, d);
  const errDiagonalPrediction = normalizedErrors(diagonalPrediction, lyapunov, d);
  const frob = (m: CovarianceEstimate, p: Matrix) =>
    Math.sqrt(
      m.mean.reduce((a, v, i) => a + (v - p[i]) ** 2, 0) / p.reduce((a, v) => a + v * v, 0),
    );
  const largestSe = (m: CovarianceEstimate, p: Matrix) =>
    maxOf(normalizedErrors(m.se, new Float64Array(d * d), d, p));
  const within = `every entry within ${tol} of the prediction, in units of √(P_ii P_jj), by ${Z_HELD} standard errors (held); some entry beyond it by ${Z_NOT_HELD} (not held); else inconclusive`;
  const beyond = (what: string) =>
    `some entry's error against ${what} above ${fmt(3 * tol)} (three times the tolerance that counts as a match) by ${Z_HELD} standard errors (held); every entry below it by ${Z_NOT_HELD} (not held); else inconclusive`;
  const claims: Claim[] = [
    {
      id: 'sgd-matches-lyapunov',
      claim: 'the stationary covariance C of constant-η SGD solves H C + C H = η Σ / B',
      criterion: within,
      measured: {
        maxEntryError: sgdLyap.max,
        largestStandardError: largestSe(cSgd, lyapunov),
        frobeniusRelError: frob(cSgd, lyapunov),
        maxEntryErrorVsExactDiscrete: maxOf(errSgdExact),
      },
      ...outcome(sgdLyap.within),
    },
    {
      id: 'sgd-not-boltzmann',
      claim: 'the SGD covariance is not the Boltzmann covariance T·H⁻¹ at the matched temperature',
      criterion: beyond('T·H⁻¹'),
      measured: {
        maxEntryErrorVsBoltzmann: sgdBoltz.max,
        largestStandardError: largestSe(cSgd, boltzmann),
        predictedMaxEntryGap: maxOf(errLyapBoltz),
        T,
      },
      ...outcome(sgdBoltz.outside),
    },
    {
      id: 'langevin-matches-boltzmann',
      claim: 'isotropic Langevin dynamics at temperature T has stationary covariance T·H⁻¹',
      criterion: within,
      measured: {
        maxEntryError: langBoltz.max,
        largestStandardError: largestSe(cLangevin, boltzmann),
        frobeniusRelError: frob(cLangevin, boltzmann),
      },
      ...outcome(langBoltz.within),
    },
    {
      id: 'sgd-noise-matches-lyapunov',
      claim:
        "Langevin dynamics with SGD's noise (langevin noise 'sgd': full per-example covariance, exact gradient) has SGD's stationary covariance, solving H C + C H = η Σ / B",
      criterion: within,
      measured: {
        maxEntryError: fullLyap.max,
        largestStandardError: largestSe(cFull, lyapunov),
        frobeniusRelError: frob(cFull, lyapunov),
      },
      ...outcome(fullLyap.within),
    },
    {
      id: 'diagonal-noise-does-not',
      claim:
        "with only the diagonal of SGD's noise covariance (noise 'sgd-diagonal') the stationary covariance is not SGD's: Σ = σ²H is not diagonal",
      criterion: beyond('the Lyapunov solution'),
      measured: {
        maxEntryError: diagonalLyap.max,
        largestStandardError: largestSe(cDiagonal, lyapunov),
        predictedMaxEntryGap: maxOf(errDiagonalPrediction),
      },
      ...outcome(diagonalLyap.outside),
    },
  ];

  const entries: LabTable = {
    title:
      'Covariance entries (measured against predicted; err = |m − p| / √(p_ii p_jj), ± its standard error)',
    header: [
      'entry',
      'SGD measured',
      'Lyapunov ηΣ/B',
      'err',
      '± err',
      'exact discrete',
      'T·H⁻¹',
      'SGD err vs T·H⁻¹',
      'Langevin measured',
      'Langevin err vs T·H⁻¹',
      "noise 'sgd' measured",
      "'sgd' err vs Lyapunov",
      "noise 'sgd-diagonal' measured",
      'diagonal prediction',
      "'sgd-diagonal' err vs Lyapunov",
    ],
    rows: [],
  };
  const entryPoints: SeriesPoint[] = [];
  let entryIndex = 0;
  for (let i = 0; i < d; i++)
    for (let j = i; j < d; j++) {
      const k = i * d + j;
      const scale = Math.sqrt(lyapunov[i * d + i] * lyapunov[j * d + j]);
      entries.rows.push([
        `C[${i}][${j}]`,
        cSgd.mean[k],
        lyapunov[k],
        sgdLyap.errors[k],
        cSgd.se[k] / scale,
        exactDiscrete[k],
        boltzmann[k],
        sgdBoltz.errors[k],
        cLangevin.mean[k],
        langBoltz.errors[k],
        cFull.mean[k],
        fullLyap.errors[k],
        cDiagonal.mean[k],
        diagonalPrediction[k],
        diagonalLyap.errors[k],
      ]);
      entryIndex++;
      for (const [label, m] of [
        ['Lyapunov', lyapunov],
        ['SGD', cSgd.mean],
        ["noise 'sgd'", cFull.mean],
        ["noise 'sgd-diag'", cDiagonal.mean],
      ] as const)
        entryPoints.push({ step: entryIndex, value: m[k] / scale, series: label });
    }
  const eig: SeriesPoint[] = [];
  for (let j = 0; j < d; j++) {
    const lambda = s.eigenvalues[j];
    eig.push(
      { step: lambda, value: varianceAlong(cSgd.mean, R, j, d), series: 'SGD measured' },
      {
        step: lambda,
        value: varianceAlong(lyapunov, R, j, d),
        series: 'Lyapunov H C + C H = ηΣ/B',
      },
      { step: lambda, value: T / lambda, series: 'Boltzmann T/λ' },
      {
        step: lambda,
        value: varianceAlong(cLangevin.mean, R, j, d),
        series: 'Langevin measured',
      },
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
    sampling: 'fresh examples every step (independent batches from an unlimited population)',
    wallSeconds: (performance.now() - start) / 1000,
    setup: [
      `linear regression, x ~ N(0, H), y = xᵀw* + σε; H = R diag(${s.eigenvalues.join(', ')}) Rᵀ (rotation angle ${s.angle}), σ = ${s.sigma}, so Σ = σ²H`,
      `SGD: sgd plugin, η = ${s.eta} (η0 = η/B = ${s.eta / B}), B = ${B}, fresh examples each step; Langevin: langevin plugin, same η, T = η tr(Σ)/(2Bd) = ${T.toExponential(4)}, full gradient`,
      `SGD-matched Langevin: langevin plugin with noise 'sgd' (full covariance) and 'sgd-diagonal', same η, the exact gradient (gradientBatchSize 'full') and per-example gradients of B = ${B} fresh examples per step, imitateBatchSize ${B}`,
      `standard errors from the spread over ${GROUPS} groups of replicas`,
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
        name: 'langevin-entries',
        title:
          "Covariance entries: SGD, its Lyapunov solution, and Langevin with SGD's noise (full 'sgd', diagonal 'sgd-diag')",
        yTitle: 'C_ij / √(P_ii P_jj), P the Lyapunov solution',
        xTitle: `entry (${Array.from({ length: d }, (_, i) =>
          Array.from({ length: d - i }, (_, j) => `C${i}${i + j}`).join(', '),
        ).join(', ')})`,
        points: entryPoints,
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
