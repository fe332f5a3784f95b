/**
 * lab temperature: the temperature is η0, not η (seed, "Minibatching" and "Momentum").
 *
 * With η = (1 − μ)·B·η0 the stationary loss and its fluctuation depend on η0 alone: the same for
 * every batch size B ∈ {8, 32, 128} and momentum μ ∈ {0, 0.9, 0.99}; with the raw η held fixed
 * instead, the effective temperature η/((1 − μ)B) ranges over three decades and so do the states.
 *
 * Setup: softmax regression on a standardised, average-pooled MNIST subset (convex, so a
 * stationary state exists), all runs starting from one shared warm start (a run at η0 itself, so
 * that the fast directions begin near equilibrium) and processing the same number of examples,
 * hence the same flow time t = η0·examples at fixed η0. The stationary loss is the mean of the
 * full training loss over the last part of the run; its fluctuation is the standard deviation of
 * that loss about a fitted line (so a slow residual drift does not count as fluctuation).
 *
 * Criterion: at fixed η0 the spread (max − min over the nine (B, μ)) of the stationary loss and of
 * its fluctuation must be below half the change that halving η0 produces in the reference
 * configuration (B = 32, μ = 0.9); at fixed raw η the spread of the stationary loss must exceed
 * that change.
 */
import { momentum } from '@thermograd/optim';
import type { SeriesPoint } from '../plots.js';
import { loadLabMnist, softmaxRegression, trainRun, type LabData } from './mnist.js';
import { fmt, type Claim, type LabOptions, type LabResult, type LabTable } from './results.js';
import { detrendedStd, mean } from './stats.js';

interface Settings {
  n: number;
  pool: number;
  eta0: number;
  examples: number;
  warmExamples: number;
  evals: number;
  /** Fraction of the run (from its start) discarded before measuring. */
  burnFraction: number;
  /** L2 penalty λ: makes the objective strongly convex, so its slowest direction relaxes in ~1/(2λ) flow time. */
  l2: number;
}

const QUICK: Settings = { n: 500, pool: 4, eta0: 2e-3, examples: 40_000, warmExamples: 60_000, evals: 200, burnFraction: 0.25, l2: 2e-2 };
const DEFAULT: Settings = { n: 2000, pool: 4, eta0: 2e-3, examples: 300_000, warmExamples: 150_000, evals: 600, burnFraction: 0.25, l2: 2e-2 };

const BATCHES = [8, 32, 128];
const MUS = [0, 0.9, 0.99];
const REF = { B: 32, mu: 0.9 };

interface Measured {
  label: string;
  B: number;
  mu: number;
  eta: number;
  eta0: number;
  stationaryLoss: number;
  fluctuation: number;
  curve: SeriesPoint[];
}

type Weights = ReturnType<ReturnType<typeof softmaxRegression>['stateDict']>;

/** Plain SGD at temperature eta0 (B = 32) from the initial weights: a start thermalised at eta0. */
function warmStart(data: LabData, s: Settings, seed: number, eta0: number, examples: number): Weights {
  const model = softmaxRegression(data, seed);
  trainRun({ data, model, plugin: momentum({ eta0, batchSize: REF.B, mu: 0 }), batch: REF.B, l2: s.l2, examples, evalEvery: examples, samplerSeed: seed + 3 });
  return model.stateDict();
}

function measure(data: LabData, s: Settings, seed: number, warm: Weights, B: number, mu: number, step: { eta0: number } | { eta: number }, label: string): Measured {
  const model = softmaxRegression(data, seed);
  model.loadStateDict(warm);
  const losses: { examples: number; loss: number }[] = [];
  const plugin = 'eta0' in step ? momentum({ eta0: step.eta0, batchSize: B, mu }) : momentum({ eta: step.eta, batchSize: B, mu });
  let hyper = { eta: NaN, eta0: NaN };
  trainRun({
    data, model, plugin, batch: B, l2: s.l2, examples: s.examples, evalEvery: s.examples / s.evals, samplerSeed: seed + 7,
    onEval: (r) => {
      losses.push({ examples: r.examples, loss: r.loss });
      hyper = r.hyper as { eta: number; eta0: number };
    },
  });
  const tail = losses.filter((r) => r.examples >= s.burnFraction * s.examples).map((r) => r.loss);
  return {
    label, B, mu, eta: hyper.eta, eta0: hyper.eta0,
    stationaryLoss: mean(tail),
    fluctuation: detrendedStd(tail),
    curve: losses.map((r) => ({ step: r.examples, value: r.loss, series: label })),
  };
}

const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);

export async function runTemperature(opts: LabOptions): Promise<LabResult> {
  const start = performance.now();
  const s = opts.quick ? QUICK : DEFAULT;
  const data = loadLabMnist(s.n, s.pool);
  opts.log(`lab temperature: softmax regression, ${data.n} examples × ${data.features} features, η0 = ${s.eta0}, ${s.examples} examples per run, 9 (B, μ) × {η0 fixed, raw η fixed} + η0/2`);

  // Shared warm start thermalised at η0 (plain SGD, B = 32); the η0/2 reference gets its own,
  // twice as long (the same flow time), so that it is measured in its own stationary state.
  const warm = warmStart(data, s, opts.seed, s.eta0, s.warmExamples);
  const warmHalf = warmStart(data, s, opts.seed, s.eta0 / 2, 2 * s.warmExamples);

  const rawEta = (1 - REF.mu) * REF.B * s.eta0;
  const scaled: Measured[] = [];
  const raw: Measured[] = [];
  for (const B of BATCHES) for (const mu of MUS) {
    scaled.push(measure(data, s, opts.seed, warm, B, mu, { eta0: s.eta0 }, `B=${B} μ=${mu}`));
    raw.push(measure(data, s, opts.seed, warm, B, mu, { eta: rawEta }, `B=${B} μ=${mu} (raw η)`));
    opts.log(`  B=${B} μ=${mu}: η0 fixed → loss ${fmt(scaled.at(-1)!.stationaryLoss)} ± ${fmt(scaled.at(-1)!.fluctuation)}; raw η fixed → ${fmt(raw.at(-1)!.stationaryLoss)} ± ${fmt(raw.at(-1)!.fluctuation)}`);
  }
  const ref = scaled.find((m) => m.B === REF.B && m.mu === REF.mu)!;
  const half = measure(data, s, opts.seed, warmHalf, REF.B, REF.mu, { eta0: s.eta0 / 2 }, `B=${REF.B} μ=${REF.mu} η0/2`);
  const dLoss = Math.abs(ref.stationaryLoss - half.stationaryLoss);
  const dFluct = Math.abs(ref.fluctuation - half.fluctuation);
  const spreadLoss = spread(scaled.map((m) => m.stationaryLoss));
  const spreadFluct = spread(scaled.map((m) => m.fluctuation));
  const rawSpreadLoss = spread(raw.map((m) => m.stationaryLoss));
  const rawSpreadFluct = spread(raw.map((m) => m.fluctuation));

  const claims: Claim[] = [
    {
      id: 'eta0-sets-stationary-loss',
      claim: 'at fixed η0 with η = (1−μ)Bη0, the stationary loss does not depend on B or μ',
      criterion: 'spread over the 9 (B, μ) < 0.5 × |change from halving η0| (B=32, μ=0.9)',
      measured: { spread: spreadLoss, halvingChange: dLoss, ratio: spreadLoss / dLoss },
      held: spreadLoss < 0.5 * dLoss,
    },
    {
      id: 'eta0-sets-fluctuation',
      claim: 'at fixed η0 the fluctuation (std) of the loss does not depend on B or μ',
      criterion: 'spread over the 9 (B, μ) < 0.5 × |change from halving η0|',
      measured: { spread: spreadFluct, halvingChange: dFluct, ratio: spreadFluct / dFluct },
      held: spreadFluct < 0.5 * dFluct,
    },
    {
      id: 'raw-eta-does-not',
      claim: 'with the raw η held fixed instead, the stationary loss does depend on B and μ',
      criterion: 'spread over the 9 (B, μ) > |change from halving η0|',
      measured: { spread: rawSpreadLoss, halvingChange: dLoss, ratio: rawSpreadLoss / dLoss, fluctuationSpread: rawSpreadFluct, rawEta },
      held: rawSpreadLoss > dLoss,
    },
  ];
  const table: LabTable = {
    title: 'Stationary loss and fluctuation per configuration',
    header: ['B', 'μ', 'η (η0 fixed)', 'loss (η0 fixed)', 'std (η0 fixed)', 'η0 (raw η fixed)', 'loss (raw η fixed)', 'std (raw η fixed)'],
    rows: scaled.map((m, i) => [m.B, m.mu, m.eta, m.stationaryLoss, m.fluctuation, raw[i].eta0, raw[i].stationaryLoss, raw[i].fluctuation]),
  };
  table.rows.push([REF.B, REF.mu, half.eta, half.stationaryLoss, half.fluctuation, '(η0/2 reference)', '', '']);
  const summary: SeriesPoint[] = [];
  for (const [set, tag] of [[scaled, 'η0 fixed'], [raw, 'raw η fixed']] as const) {
    for (const m of set) summary.push({ step: m.B, value: m.stationaryLoss, series: `μ=${m.mu}, ${tag}` });
  }
  for (const B of BATCHES) summary.push({ step: B, value: half.stationaryLoss, series: `η0/2 (B=32, μ=0.9), for scale` });
  return {
    experiment: 'temperature',
    seed: opts.seed,
    quick: opts.quick,
    wallSeconds: (performance.now() - start) / 1000,
    setup: [
      `objective U = cross-entropy + ½λ|Φ|², λ = ${s.l2} (coupled weight decay), so U has one minimum and its slowest direction relaxes within the warm start`,
      `softmax regression on the first ${data.n} MNIST training images, ${s.pool}×${s.pool} average-pooled to ${data.features} features, standardised`,
      `momentum plugin (Sutskever; μ = 0 is plain SGD); η0 = ${s.eta0}; raw η fixed at ${fmt(rawEta)} (the η of B=32, μ=0.9)`,
      `shared warm start: ${s.warmExamples} examples of SGD at η0 (B=32; the η0/2 reference: ${2 * s.warmExamples} at η0/2); then ${s.examples} examples per run, minibatches drawn with replacement; full training loss every ${Math.round(s.examples / s.evals)} examples; first ${100 * s.burnFraction}% discarded`,
    ],
    claims,
    tables: [table],
    charts: [
      { name: 'temperature-summary', title: 'Stationary training loss against batch size', yTitle: 'mean full training loss', xTitle: 'batch size B', points: summary, logScale: true },
      { name: 'temperature-eta0-fixed', title: 'Training loss at fixed η0 (η = (1−μ)Bη0)', yTitle: 'full training loss', xTitle: 'examples', points: scaled.flatMap((m) => m.curve.filter((_, i) => i % 4 === 0)) },
      { name: 'temperature-raw-eta-fixed', title: 'Training loss at fixed raw η', yTitle: 'full training loss', xTitle: 'examples', points: raw.flatMap((m) => m.curve.filter((_, i) => i % 4 === 0)), logScale: true },
    ],
  };
}
