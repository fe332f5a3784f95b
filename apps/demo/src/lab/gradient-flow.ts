/**
 * lab gradient-flow: as the temperature η0 → 0, SGD trajectories approach the gradient-flow
 * trajectory dΦ/dt = −g(Φ) (docs/theory.md, "Gradient flow").
 *
 * SGD with η = B·η0 advances the flow time by η per step (docs/theory.md, "The η0 parameterisation": B steps of
 * size η0 per example ≈ one step of B·η0). The flow itself is integrated by the gradient-flow
 * plugin (adaptive Dormand–Prince on the full-batch gradient) and sampled at flow times
 * t_k = kΔ; an SGD run with η = Δ/m (m steps per interval) is compared at the same t_k. The
 * distance is the RMS over the t_k of |Φ_SGD(t_k) − Φ_flow(t_k)|, averaged over seeds. It should
 * shrink like √η0 (the diffusion term ε√Δt with ε ~ N(0, ηΣ/B)) plus O(η0) discretisation.
 */
import { gradientFlow, lossGradient, Optimizer, sgd } from '@thermograd/optim';
import type { SeriesPoint } from '../plots.js';
import {
  fullLoss,
  fullLossTensor,
  loadLabMnist,
  softmaxRegression,
  trainRun,
  LAB_SAMPLING,
} from './mnist.js';
import {
  fmt,
  type Claim,
  type LabOptions,
  type LabResult,
  type LabTable,
  outcome,
} from './results.js';
import { logLogSlope, mean } from './stats.js';

interface Settings {
  n: number;
  pool: number;
  batch: number;
  /** Flow time between comparisons. */
  interval: number;
  intervals: number;
  /** Steps per interval of the SGD runs (η = interval/m). */
  stepsPerInterval: number[];
  repeats: number;
}
const QUICK: Settings = {
  n: 300,
  pool: 4,
  batch: 16,
  interval: 0.25,
  intervals: 12,
  stepsPerInterval: [1, 4, 16],
  repeats: 2,
};
const DEFAULT: Settings = {
  n: 2000,
  pool: 2,
  batch: 16,
  interval: 0.25,
  intervals: 16,
  stepsPerInterval: [1, 2, 4, 8, 16, 32, 64],
  repeats: 4,
};

function flatten(model: ReturnType<typeof softmaxRegression>): Float64Array {
  const parts = model.namedParameters().map(([, p]) => p.dataSync());
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
const dist = (a: Float64Array, b: Float64Array) =>
  Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0));

export async function runGradientFlow(opts: LabOptions): Promise<LabResult> {
  const start = performance.now();
  const s = opts.quick ? QUICK : DEFAULT;
  const data = loadLabMnist(s.n, s.pool, 'float64');
  opts.log(
    `lab gradient-flow: softmax regression (float64), ${data.n} examples × ${data.features} features, flow time ${s.interval * s.intervals}, B=${s.batch}, η0 ∈ {${s.stepsPerInterval.map((m) => fmt(s.interval / m / s.batch)).join(', ')}}`,
  );

  // The gradient-flow trajectory at t_k = kΔ.
  const flowModel = softmaxRegression(data, opts.seed);
  const flow = new Optimizer(
    flowModel,
    gradientFlow({
      gradient: lossGradient(flowModel, () => fullLossTensor(flowModel, data)),
      interval: s.interval,
      rtol: 1e-8,
      atol: 1e-10,
    }),
  );
  const flowPoints: Float64Array[] = [];
  const lossCurves: SeriesPoint[] = [
    { step: 0, value: fullLoss(flowModel, data), series: 'gradient flow' },
  ];
  let evaluations = 0;
  for (let k = 1; k <= s.intervals; k++) {
    const report = flow.step();
    evaluations = Number(report.hyper.evaluations);
    flowPoints.push(flatten(flowModel));
    lossCurves.push({
      step: k * s.interval,
      value: fullLoss(flowModel, data),
      series: 'gradient flow',
    });
  }

  const rows: { eta0: number; eta: number; distance: number; finalDistance: number }[] = [];
  for (const m of s.stepsPerInterval) {
    const eta = s.interval / m;
    const distances: number[] = [];
    const finals: number[] = [];
    for (let r = 0; r < s.repeats; r++) {
      const model = softmaxRegression(data, opts.seed);
      const sq: number[] = [];
      trainRun({
        data,
        model,
        plugin: sgd({ eta, batchSize: s.batch }),
        batch: s.batch,
        examples: m * s.intervals * s.batch,
        evalEvery: m * s.batch,
        samplerSeed: opts.seed + 100 * r + m,
        onEval: (rec) => {
          if (rec.step === 0) return;
          const k = rec.step / m;
          sq.push(dist(flatten(model), flowPoints[k - 1]) ** 2);
          if (r === 0)
            lossCurves.push({
              step: k * s.interval,
              value: rec.loss,
              series: `SGD η0=${fmt(eta / s.batch)}`,
            });
        },
      });
      distances.push(Math.sqrt(mean(sq)));
      finals.push(Math.sqrt(sq[sq.length - 1]));
    }
    rows.push({ eta0: eta / s.batch, eta, distance: mean(distances), finalDistance: mean(finals) });
    opts.log(`  η0=${fmt(eta / s.batch)}: RMS distance to the flow ${fmt(rows.at(-1)!.distance)}`);
  }
  // rows go from the largest η0 to the smallest.
  const monotone = rows.every((row, i) => i === 0 || row.distance < rows[i - 1].distance);
  const slope = logLogSlope(
    rows.map((r) => r.eta0),
    rows.map((r) => r.distance),
  );
  const claims: Claim[] = [
    {
      id: 'sgd-approaches-flow',
      claim: 'as η0 → 0 the SGD trajectory approaches the gradient-flow trajectory',
      criterion:
        'the RMS distance falls at every halving (or quartering) of η0, and its log-log slope against η0 is above 0.25 (diffusion predicts 0.5)',
      measured: {
        monotone,
        slope,
        largestEta0Distance: rows[0].distance,
        smallestEta0Distance: rows[rows.length - 1].distance,
      },
      ...outcome(monotone && slope > 0.25),
    },
  ];
  const table: LabTable = {
    title: 'Distance to the gradient-flow trajectory',
    header: ['η0', 'η = Bη0', 'RMS distance over t_k', 'distance at the end'],
    rows: rows.map((r) => [r.eta0, r.eta, r.distance, r.finalDistance]),
  };
  return {
    experiment: 'gradient-flow',
    seed: opts.seed,
    quick: opts.quick,
    sampling: LAB_SAMPLING,
    wallSeconds: (performance.now() - start) / 1000,
    setup: [
      `softmax regression in float64 on the first ${data.n} MNIST images (${s.pool}×${s.pool} pooled, ${data.features} features), same initial weights for all runs`,
      `gradient flow: gradient-flow plugin (dopri5, rtol 1e-8, atol 1e-10) on the full-batch gradient, ${evaluations} gradient evaluations, sampled every Δt = ${s.interval} up to t = ${s.interval * s.intervals}`,
      `SGD: sgd plugin, B = ${s.batch}, η = Δt/m for m ∈ {${s.stepsPerInterval.join(', ')}}, ${s.repeats} seeds each (minibatches with replacement)`,
    ],
    claims,
    tables: [table],
    charts: [
      {
        name: 'gradient-flow-distance',
        title: 'Distance between SGD and gradient flow against η0',
        yTitle: 'RMS distance |Φ_SGD − Φ_flow| (log)',
        xTitle: 'η0 (log-spaced)',
        points: rows.map((r) => ({ step: r.eta0, value: r.distance, series: 'measured' })),
        logScale: true,
      },
      {
        name: 'gradient-flow-loss',
        title: 'Training loss against flow time t = step·η',
        yTitle: 'full training loss',
        xTitle: 'flow time t',
        points: lossCurves,
      },
    ],
  };
}
