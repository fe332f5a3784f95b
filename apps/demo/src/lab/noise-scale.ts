/**
 * lab noise-scale: the gradient noise scale B_noise = tr(Σ)/|g|² (McCandlish et al. 2018) through
 * MNIST training, and training speed at batch sizes around it.
 *
 * Phase 1 trains with B = 32 and measures B_noise from autograd's per-example gradient norms
 * (GradientNoiseMeter: moving averages of the unbiased tr(Σ) and |g|² estimates) — it grows as the
 * loss falls, since |g| shrinks while the per-example spread does not. The target loss is the loss
 * phase 1 reaches halfway through; B_n is the noise scale measured there.
 *
 * Phase 2 counts the steps S(B) to reach the target for B ∈ {B_n/4, B_n, 4·B_n}, each with the
 * best of three step sizes around McCandlish's η(B) = η_max/(1 + B_n/B). The model
 * S(B) = S_min(1 + B_n/B) predicts diminishing returns above B_n: quadrupling B from B_n/4 to B_n
 * cuts the steps by 5/2 = 2.5×, from B_n to 4B_n only by 2/1.25 = 1.6×.
 */
import { Generator } from '@thermograd/autograd';
import { GradientNoiseMeter, measureGradientNoise, sgd } from '@thermograd/optim';
import type { SeriesPoint } from '../plots.js';
import { loadLabMnist, softmaxRegression, trainRun } from './mnist.js';
import { fmt, type Claim, type LabOptions, type LabResult, type LabTable } from './results.js';

interface Settings {
  n: number;
  pool: number;
  eta0: number;
  examples: number;
  measureEvery: number;
  maxSteps: number;
}
const QUICK: Settings = {
  n: 500,
  pool: 4,
  eta0: 2e-3,
  examples: 20_000,
  measureEvery: 5,
  maxSteps: 1500,
};
const DEFAULT: Settings = {
  n: 4000,
  pool: 2,
  eta0: 1e-3,
  examples: 120_000,
  measureEvery: 5,
  maxSteps: 6000,
};

export async function runNoiseScale(opts: LabOptions): Promise<LabResult> {
  const start = performance.now();
  const s = opts.quick ? QUICK : DEFAULT;
  const data = loadLabMnist(s.n, s.pool);
  const B1 = 32;
  opts.log(
    `lab noise-scale: softmax regression, ${data.n} examples × ${data.features} features; phase 1 B=${B1}, η0=${s.eta0}, ${s.examples} examples`,
  );

  // Phase 1: B_noise through training.
  const model = softmaxRegression(data, opts.seed);
  const meter = new GradientNoiseMeter({ decay: 0.95 });
  const noise: SeriesPoint[] = [];
  const loss: SeriesPoint[] = [];
  const trace: { examples: number; loss: number; bNoise: number }[] = [];
  let latest = NaN;
  trainRun({
    data,
    model,
    plugin: sgd({ eta0: s.eta0, batchSize: B1 }),
    batch: B1,
    examples: s.examples,
    evalEvery: s.examples / 100,
    samplerSeed: opts.seed + 9,
    perExample: true,
    afterBackward: (step, hyper) => {
      if (step % s.measureEvery !== 0) return;
      latest = meter.update(measureGradientNoise(model, hyper)).noiseScale;
    },
    onEval: (r) => {
      loss.push({ step: r.examples, value: r.loss, series: 'full training loss' });
      if (Number.isFinite(latest))
        noise.push({ step: r.examples, value: latest, series: 'B_noise (moving average)' });
      trace.push({ examples: r.examples, loss: r.loss, bNoise: latest });
    },
  });
  const mid = trace[Math.floor(trace.length / 2)];
  const target = mid.loss;
  const Bn = Math.max(1, mid.bNoise);
  opts.log(
    `  target loss ${fmt(target)} (reached at ${mid.examples} examples), B_noise there ${fmt(Bn)}`,
  );

  // Phase 2: steps to the target at B around B_n. η_max chosen so that η(32) is phase 1's η.
  const etaMax = B1 * s.eta0 * (1 + Bn / B1);
  const batches = [
    Math.max(1, Math.round(Bn / 4)),
    Math.max(1, Math.round(Bn)),
    Math.min(data.n, Math.round(4 * Bn)),
  ];
  const rows: { B: number; eta: number; steps: number; examples: number }[] = [];
  const rng = new Generator(opts.seed);
  for (const B of batches) {
    let best = { eta: NaN, steps: Infinity };
    for (const factor of [0.5, 1, 2]) {
      const eta = (factor * etaMax) / (1 + Bn / B);
      const m = softmaxRegression(data, opts.seed);
      let reached = Infinity;
      try {
        trainRun({
          data,
          model: m,
          plugin: sgd({ eta, batchSize: B }),
          batch: B,
          examples: s.maxSteps * B,
          evalEvery: B,
          samplerSeed: rng.int(1 << 30),
          onEval: (r) => {
            if (r.loss <= target && r.step < reached) reached = r.step;
            if (reached < Infinity) throw new StopRun();
          },
        });
      } catch (e) {
        if (!(e instanceof StopRun) && !/non-finite/i.test(String(e))) throw e;
      }
      if (reached < best.steps) best = { eta, steps: reached };
    }
    rows.push({ B, eta: best.eta, steps: best.steps, examples: best.steps * B });
    opts.log(`  B=${B}: ${best.steps} steps to the target (η=${fmt(best.eta)})`);
  }
  const median = (xs: number[]) => {
    const v = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    return v.length ? v[Math.floor(v.length / 2)] : NaN;
  };
  const quarter = Math.max(1, Math.floor(trace.length / 4));
  const early = median(trace.slice(0, quarter).map((t) => t.bNoise));
  const late = median(trace.slice(-quarter).map((t) => t.bNoise));
  const below = rows[0].steps / rows[1].steps;
  const above = rows[1].steps / rows[2].steps;
  const claims: Claim[] = [
    {
      id: 'noise-scale-grows',
      claim:
        'the gradient noise scale grows as training proceeds (the gradient shrinks, its per-example spread does not)',
      criterion:
        'median B_noise over the last quarter of phase 1 > 2 × its median over the first quarter (Infinity, where the |g|² estimate is ≤ 0, counts as large)',
      measured: { firstQuarter: early, lastQuarter: late },
      held: late > 2 * early,
    },
    {
      id: 'diminishing-returns-above-noise-scale',
      claim: 'larger batches speed training up until about B_noise, then returns diminish',
      criterion:
        'steps saved by quadrupling B below B_noise (S(B_n/4)/S(B_n)) exceed those above it (S(B_n)/S(4B_n)); model: 2.5 vs 1.6',
      measured: { bNoise: Bn, speedupBelow: below, speedupAbove: above },
      held: Number.isFinite(below) && Number.isFinite(above) && below > above,
    },
  ];
  const table: LabTable = {
    title: 'Steps to the target loss',
    header: ['B', 'best η', 'steps S(B)', 'examples B·S(B)'],
    rows: rows.map((r) => [r.B, r.eta, r.steps, r.examples]),
  };
  const speed: SeriesPoint[] = rows.map((r) => ({
    step: r.B,
    value: r.steps,
    series: 'measured steps to target',
  }));
  const sMin = rows[2].steps / (1 + Bn / rows[2].B);
  for (const B of batches)
    speed.push({
      step: B,
      value: sMin * (1 + Bn / B),
      series: 'S_min(1 + B_noise/B), fitted at 4B_n',
    });
  return {
    experiment: 'noise-scale',
    seed: opts.seed,
    quick: opts.quick,
    wallSeconds: (performance.now() - start) / 1000,
    setup: [
      `softmax regression on the first ${data.n} MNIST images (${s.pool}×${s.pool} pooled, ${data.features} features)`,
      `phase 1: sgd, B = ${B1}, η0 = ${s.eta0}, B_noise from per-example gradient norms every ${s.measureEvery} steps (GradientNoiseMeter, decay 0.95)`,
      `phase 2: target loss ${fmt(target)}; B ∈ {${batches.join(', ')}}; η ∈ {½, 1, 2}·η_max/(1 + B_n/B), η_max = ${fmt(etaMax)}; at most ${s.maxSteps} steps`,
    ],
    claims,
    tables: [table],
    charts: [
      {
        name: 'noise-scale-trace',
        title: 'Gradient noise scale through training',
        yTitle: 'B_noise (log)',
        xTitle: 'examples',
        points: noise,
        logScale: true,
      },
      {
        name: 'noise-scale-loss',
        title: 'Training loss (phase 1)',
        yTitle: 'full training loss',
        xTitle: 'examples',
        points: loss,
      },
      {
        name: 'noise-scale-steps',
        title: 'Steps to the target loss against batch size',
        yTitle: 'steps (log)',
        xTitle: 'batch size B',
        points: speed,
        logScale: true,
      },
    ],
  };
}

class StopRun extends Error {}
