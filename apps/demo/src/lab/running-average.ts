/**
 * lab running-average: the two momentum forms of docs/theory.md ("Momentum as a running average"),
 *
 *   velocity (Sutskever):  v ← μ v + η ĝ,                 Φ ← Φ − v
 *   running average:       g̃ ← (1 − 1/N) g̃ + (1/N) ĝ,     Φ ← Φ − N η g̃,   N = 1/(1 − μ)
 *
 * are the same trajectory at constant η (v = N η g̃ exactly), and differ under a schedule: the
 * velocity keeps each past gradient at the η of its own step, so a drop in η takes effect over
 * ~1/(1 − μ) steps, while the running average is multiplied by the current η all at once —
 * which is the PyTorch convention v ← μ v + ĝ, Φ ← Φ − η v.
 *
 * Three models with the same initial weights see the same minibatches (float64, so "the same"
 * means equal to rounding): momentum (sutskever), momentum-avg, momentum (pytorch); once at
 * constant η0 and once with η0 dropped tenfold halfway (a step schedule).
 */
import {
  momentum,
  momentumAvg,
  piecewiseConstantSchedule,
  type HyperValue,
  type OptimizerPlugin,
} from '@thermograd/optim';
import { crossEntropy, type nn } from '@thermograd/autograd';
import { Optimizer } from '@thermograd/optim';
import type { SeriesPoint } from '../plots.js';
import {
  batchOf,
  fullLoss,
  loadLabMnist,
  Sampler,
  softmaxRegression,
  type LabData,
  LAB_SAMPLING,
} from './mnist.js';
import { fmt, type Claim, type LabOptions, type LabResult, outcome } from './results.js';

interface Settings {
  n: number;
  pool: number;
  batch: number;
  mu: number;
  eta0: number;
  steps: number;
  evalEvery: number;
}
const QUICK: Settings = {
  n: 300,
  pool: 4,
  batch: 16,
  mu: 0.9,
  eta0: 2e-3,
  steps: 300,
  evalEvery: 10,
};
const DEFAULT: Settings = {
  n: 2000,
  pool: 2,
  batch: 32,
  mu: 0.9,
  eta0: 2e-3,
  steps: 1500,
  evalEvery: 10,
};

function distance(a: nn.Linear, b: nn.Linear): { abs: number; rel: number } {
  let d = 0;
  let n = 0;
  const pb = new Map(b.namedParameters());
  for (const [name, p] of a.namedParameters()) {
    const x = p.dataSync();
    const y = pb.get(name)!.dataSync();
    for (let i = 0; i < x.length; i++) {
      d += (x[i] - y[i]) ** 2;
      n += x[i] ** 2;
    }
  }
  return { abs: Math.sqrt(d), rel: Math.sqrt(d / n) };
}

interface Trio {
  maxRelSutskeverVsAvg: number;
  maxRelAvgVsPytorch: number;
  points: SeriesPoint[];
  losses: SeriesPoint[];
}

function runTrio(data: LabData, s: Settings, seed: number, eta0: HyperValue, tag: string): Trio {
  const make = (plugin: OptimizerPlugin) => {
    const model = softmaxRegression(data, seed);
    return { model, opt: new Optimizer(model, plugin) };
  };
  const common = { eta0, batchSize: s.batch, mu: s.mu };
  const sut = make(momentum({ ...common, convention: 'sutskever' }));
  const avg = make(momentumAvg(common));
  const pyt = make(momentum({ ...common, convention: 'pytorch' }));
  const sampler = new Sampler(data.n, seed + 11);
  const out: Trio = { maxRelSutskeverVsAvg: 0, maxRelAvgVsPytorch: 0, points: [], losses: [] };
  for (let step = 1; step <= s.steps; step++) {
    const { x, y } = batchOf(data, sampler.next(s.batch));
    for (const r of [sut, avg, pyt]) {
      r.opt.zeroGrad();
      crossEntropy(r.model.forward(x), y).backward();
      r.opt.step();
    }
    const a = distance(sut.model, avg.model);
    const b = distance(avg.model, pyt.model);
    out.maxRelSutskeverVsAvg = Math.max(out.maxRelSutskeverVsAvg, a.rel);
    out.maxRelAvgVsPytorch = Math.max(out.maxRelAvgVsPytorch, b.rel);
    if (step % s.evalEvery === 0) {
      // A log-scale chart cannot show exact zeros: floor at 1e-18.
      out.points.push(
        { step, value: Math.max(a.rel, 1e-18), series: `|Φ_velocity − Φ_avg| / |Φ| (${tag})` },
        { step, value: Math.max(b.rel, 1e-18), series: `|Φ_avg − Φ_pytorch| / |Φ| (${tag})` },
      );
      out.losses.push(
        { step, value: fullLoss(sut.model, data), series: `velocity (Sutskever), ${tag}` },
        { step, value: fullLoss(avg.model, data), series: `running average, ${tag}` },
      );
    }
  }
  return out;
}

export async function runRunningAverage(opts: LabOptions): Promise<LabResult> {
  const start = performance.now();
  const s = opts.quick ? QUICK : DEFAULT;
  const data = loadLabMnist(s.n, s.pool, 'float64');
  const drop = Math.floor(s.steps / 2);
  opts.log(
    `lab running-average: softmax regression (float64), ${data.n} examples × ${data.features} features, B=${s.batch}, μ=${s.mu}, ${s.steps} steps; schedule: η0 ÷ 10 at step ${drop}`,
  );
  const constant = runTrio(data, s, opts.seed, s.eta0, 'constant η');
  const scheduled = runTrio(
    data,
    s,
    opts.seed,
    piecewiseConstantSchedule({ boundaries: [drop], values: [s.eta0, s.eta0 / 10] }),
    'η0 ÷ 10 at the drop',
  );
  const identical = 1e-10;
  const differ = 1e-4;
  const claims: Claim[] = [
    {
      id: 'same-at-constant-eta',
      claim:
        'at constant η the velocity form and the running-average form give the same trajectory',
      criterion: `max over steps of |Φ_velocity − Φ_avg| / |Φ| < ${fmt(identical)} (float64 rounding)`,
      measured: { maxRelDistance: constant.maxRelSutskeverVsAvg },
      ...outcome(constant.maxRelSutskeverVsAvg < identical),
    },
    {
      id: 'differ-under-schedule',
      claim:
        'under a schedule they differ: the velocity lets a drop in η act gradually, the running average at once',
      criterion: `max relative distance after the drop > ${fmt(differ)}`,
      measured: { maxRelDistance: scheduled.maxRelSutskeverVsAvg },
      ...outcome(scheduled.maxRelSutskeverVsAvg > differ),
    },
    {
      id: 'avg-is-pytorch',
      claim:
        'under the schedule the running average equals the PyTorch convention (v ← μv + ĝ, Φ ← Φ − ηv)',
      criterion: `max relative distance < ${fmt(identical)}`,
      measured: { maxRelDistance: scheduled.maxRelAvgVsPytorch },
      ...outcome(scheduled.maxRelAvgVsPytorch < identical),
    },
  ];
  return {
    experiment: 'running-average',
    seed: opts.seed,
    quick: opts.quick,
    sampling: LAB_SAMPLING,
    wallSeconds: (performance.now() - start) / 1000,
    setup: [
      `softmax regression in float64 on the first ${data.n} MNIST images (${s.pool}×${s.pool} pooled, ${data.features} features), B = ${s.batch}, μ = ${s.mu} (N = ${fmt(1 / (1 - s.mu))}), η0 = ${s.eta0} (η = (1−μ)Bη0 = ${fmt((1 - s.mu) * s.batch * s.eta0)})`,
      `three optimizers on identical weights and minibatches: momentum (sutskever), momentum-avg, momentum (pytorch); schedule: η0 ÷ 10 at step ${drop}`,
    ],
    claims,
    tables: [],
    charts: [
      {
        name: 'running-average-distance',
        title: 'Distance between the momentum forms (relative to |Φ|)',
        yTitle: 'relative distance (log)',
        points: [...constant.points, ...scheduled.points],
        logScale: true,
      },
      {
        name: 'running-average-loss',
        title: 'Training loss of the two forms',
        yTitle: 'full training loss',
        points: [...constant.losses, ...scheduled.losses],
      },
    ],
  };
}
