/**
 * lab cooling: hot-then-cold temperature schedules against constant temperatures
 * (docs/theory.md, "Temperature"): a hot run moves fast but settles in a hot, high-loss
 * stationary state; a cold run settles low but gets there slowly; starting hot and cooling gets
 * both, so the cooled run ends at a lower loss than either constant temperature.
 *
 * Plain SGD (η = B·η0) on softmax regression; every run sees the same minibatches. The final loss
 * is the mean full training loss over the last 5% of the run (so one lucky evaluation does not decide).
 */
import {
  cosineSchedule,
  joinSchedules,
  constantSchedule,
  sgd,
  stepSchedule,
  type HyperValue,
} from '@thermograd/optim';
import type { SeriesPoint } from '../plots.js';
import { loadLabMnist, softmaxRegression, trainRun, LAB_SAMPLING } from './mnist.js';
import {
  fmt,
  type Claim,
  type LabOptions,
  type LabResult,
  type LabTable,
  outcome,
} from './results.js';
import { mean } from './stats.js';

interface Settings {
  n: number;
  pool: number;
  batch: number;
  hot: number;
  cold: number;
  examples: number;
  evals: number;
  /** L2 penalty λ: gives the objective a finite minimum (a small subset is nearly separable). */
  l2: number;
}
const QUICK: Settings = {
  n: 500,
  pool: 4,
  batch: 4,
  hot: 0.03,
  cold: 0.03 / 16,
  examples: 30_000,
  evals: 60,
  l2: 1e-2,
};
const DEFAULT: Settings = {
  n: 3000,
  pool: 2,
  batch: 4,
  hot: 0.01,
  cold: 0.01 / 16,
  examples: 160_000,
  evals: 200,
  l2: 1e-2,
};

export async function runCooling(opts: LabOptions): Promise<LabResult> {
  const start = performance.now();
  const s = opts.quick ? QUICK : DEFAULT;
  const data = loadLabMnist(s.n, s.pool);
  const steps = Math.floor(s.examples / s.batch);
  const half = Math.floor(steps / 2);
  opts.log(
    `lab cooling: softmax regression, ${data.n} examples × ${data.features} features, B=${s.batch}, η0 hot ${s.hot}, cold ${s.cold}, ${steps} steps`,
  );
  const schedules: { name: string; eta0: HyperValue; cooled: boolean }[] = [
    { name: `constant hot η0=${fmt(s.hot)}`, eta0: constantSchedule(s.hot), cooled: false },
    { name: `constant cold η0=${fmt(s.cold)}`, eta0: constantSchedule(s.cold), cooled: false },
    {
      name: 'hot, then cold at half-time',
      eta0: stepSchedule({ init: s.hot, stepSize: half, gamma: s.cold / s.hot }),
      cooled: true,
    },
    {
      name: 'hot for 1/4, then cosine to cold',
      eta0: joinSchedules(
        [
          constantSchedule(s.hot),
          cosineSchedule({ init: s.hot, decaySteps: steps - Math.floor(steps / 4), final: s.cold }),
        ],
        [Math.floor(steps / 4)],
      ),
      cooled: true,
    },
  ];
  const losses: SeriesPoint[] = [];
  const temps: SeriesPoint[] = [];
  const results: { name: string; final: number; cooled: boolean }[] = [];
  for (const sch of schedules) {
    const model = softmaxRegression(data, opts.seed);
    const curve: number[] = [];
    trainRun({
      data,
      model,
      plugin: sgd({ eta0: sch.eta0, batchSize: s.batch }),
      batch: s.batch,
      l2: s.l2,
      examples: s.examples,
      evalEvery: s.examples / s.evals,
      samplerSeed: opts.seed + 5,
      onEval: (r) => {
        curve.push(r.loss);
        losses.push({ step: r.step, value: r.loss, series: sch.name });
        temps.push({ step: r.step, value: Number(r.hyper.eta0), series: sch.name });
      },
    });
    const final = mean(curve.slice(-Math.max(2, Math.round(curve.length / 20))));
    results.push({ name: sch.name, final, cooled: sch.cooled });
    opts.log(`  ${sch.name}: final loss ${fmt(final)}`);
  }
  const bestConstant = Math.min(...results.filter((r) => !r.cooled).map((r) => r.final));
  const cooled = results.filter((r) => r.cooled);
  const claims: Claim[] = cooled.map((r, i) => ({
    id: `cooled-beats-constant-${i + 1}`,
    claim: `the cooled run (${r.name}) ends at a lower training loss than both constant temperatures`,
    criterion: 'final loss (mean over the last 5% of the run) below the better constant run',
    measured: { cooled: r.final, bestConstant, difference: bestConstant - r.final },
    ...outcome(r.final < bestConstant),
  }));
  const table: LabTable = {
    title: 'Final training loss per schedule',
    header: ['schedule', 'final loss'],
    rows: results.map((r) => [r.name, r.final]),
  };
  return {
    experiment: 'cooling',
    seed: opts.seed,
    quick: opts.quick,
    sampling: LAB_SAMPLING,
    wallSeconds: (performance.now() - start) / 1000,
    setup: [
      `softmax regression on the first ${data.n} MNIST images (${s.pool}×${s.pool} pooled, ${data.features} features), sgd plugin, B = ${s.batch}, ${steps} steps, same initial weights and minibatches for every run`,
      `objective U = cross-entropy + ½λ|Φ|², λ = ${s.l2} (coupled weight decay), so U has a finite minimum`,
      `temperatures: hot η0 = ${s.hot}, cold η0 = ${s.cold}; cooled schedules: step at half-time, and constant for a quarter then cosine to cold`,
    ],
    claims,
    tables: [table],
    charts: [
      {
        name: 'cooling-loss',
        title: 'Training loss under each temperature schedule',
        yTitle: 'full training objective U (log)',
        points: losses,
        logScale: true,
      },
      {
        name: 'cooling-eta0',
        title: 'Temperature η0 over the run',
        yTitle: 'η0 (log)',
        points: temps,
        logScale: true,
      },
    ],
  };
}
