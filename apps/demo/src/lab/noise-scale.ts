/**
 * lab noise-scale: the gradient noise scale B_noise = tr(Σ)/|g|² (McCandlish et al. 2018) through
 * MNIST training, and training speed at batch sizes around it.
 *
 * Phase 1 trains with B = 32 and measures, at 100 points, the unbiased single-batch estimates
 * of tr(Σ) and |g|² from autograd's per-example gradient norms of a few separate, larger
 * measurement batches (the noise of a batch's |g|² estimate falls as 1/B). A single batch's |g|² estimate is
 * noisy and can be ≤ 0, so B_noise is never a ratio of single estimates: it is a ratio of
 * averages, tr(Σ) and |g|² each averaged over the many batches of a stretch of training before
 * dividing (as GradientNoiseMeter does), with an interval from the standard errors of the two
 * averages. It grows as the loss falls, since |g| shrinks while the per-example spread does not.
 * The target loss is the loss phase 1 reaches halfway through; B_n is the noise scale measured
 * over the middle fifth of phase 1.
 *
 * Phase 2 counts the steps S(B) to reach the target for B ∈ {B_n/4, B_n, 4·B_n}, each with the
 * best of five step sizes around McCandlish's η(B) = η_max/(1 + B_n/B) and averaged over a few
 * sampler seeds, which give its standard error. The model
 * S(B) = S_min(1 + B_n/B) predicts diminishing returns above B_n: quadrupling B from B_n/4 to B_n
 * cuts the steps by 5/2 = 2.5×, from B_n to 4B_n only by 2/1.25 = 1.6×. When B_n cannot be
 * determined (its |g|² average is not clearly positive) phase 2 does not run and its claim is
 * inconclusive: a non-finite estimate never becomes a batch size.
 */
import { crossEntropy, Generator } from '@thermograd/autograd';
import { measureGradientNoise, sgd } from '@thermograd/optim';
import type { SeriesPoint } from '../plots.js';
import {
  batchOf,
  loadLabMnist,
  Sampler,
  softmaxRegression,
  trainRun,
  LAB_SAMPLING,
  type LabData,
} from './mnist.js';
import {
  fmt,
  judge,
  outcome,
  Z_HELD,
  Z_NOT_HELD,
  type Claim,
  type LabOptions,
  type LabResult,
  type LabTable,
  type Verdict,
} from './results.js';
import { detrendedStd, mean, std } from './stats.js';

interface Settings {
  n: number;
  pool: number;
  eta0: number;
  examples: number;
  /** Measurement batches drawn at each of the 100 evaluations of phase 1, and their size. */
  measureBatches: number;
  measureBatchSize: number;
  maxSteps: number;
  /** Sampler seeds per (B, η) in phase 2. */
  repeats: number;
}
const QUICK: Settings = {
  n: 500,
  pool: 4,
  eta0: 2e-3,
  examples: 20_000,
  measureBatches: 2,
  measureBatchSize: 256,
  maxSteps: 1500,
  repeats: 2,
};
const DEFAULT: Settings = {
  n: 4000,
  pool: 2,
  eta0: 1e-3,
  examples: 120_000,
  measureBatches: 4,
  measureBatchSize: 512,
  maxSteps: 6000,
  repeats: 4,
};

/** Stretches of phase 1 with one B_noise estimate each (the trace chart). */
const SEGMENTS = 20;

/** One batch's unbiased estimates, at a number of examples seen. */
export interface NoiseSample {
  examples: number;
  traceSigma: number;
  trueGradSqNorm: number;
}

/** B_noise as a ratio of averages, with an interval at z standard errors of the two averages. */
export interface NoiseScaleEstimate {
  /** mean tr(Σ) / mean |g|²; NaN when the |g|² average is ≤ 0. */
  value: number;
  traceSigma: number;
  traceSigmaError: number;
  trueGradSqNorm: number;
  trueGradSqNormError: number;
  samples: number;
}

/**
 * B_noise from many batches: tr(Σ) and |g|² each averaged before dividing, with the standard
 * errors of the averages. The batches are independent draws, but the parameters drift within a
 * stretch, so the scatter is taken about a fitted line: the drift is not noise.
 */
export function noiseScaleOf(samples: NoiseSample[]): NoiseScaleEstimate {
  if (samples.length < 2)
    throw new Error(`noise scale: needs at least 2 batches to average, got ${samples.length}`);
  const t = samples.map((x) => x.traceSigma);
  const g = samples.map((x) => x.trueGradSqNorm);
  const n = samples.length;
  const traceSigma = mean(t);
  const trueGradSqNorm = mean(g);
  return {
    value: trueGradSqNorm > 0 ? traceSigma / trueGradSqNorm : NaN,
    traceSigma,
    traceSigmaError: detrendedStd(t) / Math.sqrt(n),
    trueGradSqNorm,
    trueGradSqNormError: detrendedStd(g) / Math.sqrt(n),
    samples: n,
  };
}

/**
 * The interval of B_noise at z standard errors of both averages: [(T − zσ_T)/(G + zσ_G),
 * (T + zσ_T)/(G − zσ_G)], its upper end Infinity when G − zσ_G ≤ 0 (|g|² not clearly positive).
 */
export function noiseScaleInterval(e: NoiseScaleEstimate, z: number): [number, number] {
  const lowG = e.trueGradSqNorm - z * e.trueGradSqNormError;
  const highG = e.trueGradSqNorm + z * e.trueGradSqNormError;
  const lower = highG > 0 ? Math.max(0, e.traceSigma - z * e.traceSigmaError) / highG : 0;
  const upper = lowG > 0 ? (e.traceSigma + z * e.traceSigmaError) / lowG : Infinity;
  return [lower, upper];
}

/**
 * The batch sizes of phase 2 around a noise scale B_n: B_n/4, B_n and 4·B_n, rounded, at least 1.
 * Minibatches are drawn with replacement, so a batch may be larger than the data set. A B_n that
 * is not a finite positive number is an error here, never a batch size.
 */
export function batchSizesAround(bNoise: number): number[] {
  if (!(Number.isFinite(bNoise) && bNoise > 0))
    throw new RangeError(
      `noise scale: B_noise must be a finite number > 0 to choose batch sizes around it, got ${bNoise}`,
    );
  return [bNoise / 4, bNoise, 4 * bNoise].map((B) => Math.max(1, Math.round(B)));
}

/** Multiples of McCandlish's η(B) = η_max/(1 + B_n/B) tried in phase 2. */
const ETA_FACTORS = [0.5, 0.71, 1, 1.41, 2];

/** Steps SGD at (η, B) takes to bring the full training loss to `target` (Infinity if it does not). */
function stepsToTarget(
  data: LabData,
  seed: number,
  eta: number,
  B: number,
  maxSteps: number,
  target: number,
  samplerSeed: number,
): number {
  let reached = Infinity;
  try {
    trainRun({
      data,
      model: softmaxRegression(data, seed),
      plugin: sgd({ eta, batchSize: B }),
      batch: B,
      examples: maxSteps * B,
      evalEvery: B,
      samplerSeed,
      onEval: (r) => {
        if (r.loss <= target) {
          reached = r.step;
          throw new StopRun();
        }
      },
    });
  } catch (e) {
    if (!(e instanceof StopRun) && !/non-finite/i.test(String(e))) throw e;
  }
  return reached;
}

/** Verdict on "B_noise grew by more than `factor`" from the early and late estimates. */
function growthVerdict(
  early: NoiseScaleEstimate,
  late: NoiseScaleEstimate,
  factor: number,
): Verdict {
  const [, earlyHigh] = noiseScaleInterval(early, Z_HELD);
  const [lateLow] = noiseScaleInterval(late, Z_HELD);
  if (lateLow > factor * earlyHigh) return 'held';
  const [earlyLow] = noiseScaleInterval(early, Z_NOT_HELD);
  const [, lateHigh] = noiseScaleInterval(late, Z_NOT_HELD);
  if (lateHigh < factor * earlyLow) return 'not held';
  return 'inconclusive';
}

export async function runNoiseScale(opts: LabOptions): Promise<LabResult> {
  const start = performance.now();
  const s = opts.quick ? QUICK : DEFAULT;
  const data = loadLabMnist(s.n, s.pool);
  const B1 = 32;
  opts.log(
    `lab noise-scale: softmax regression, ${data.n} examples × ${data.features} features; phase 1 B=${B1}, η0=${s.eta0}, ${s.examples} examples`,
  );

  // Phase 1: B_noise through training, from single-batch estimates averaged over stretches.
  const model = softmaxRegression(data, opts.seed);
  const samples: NoiseSample[] = [];
  const loss: SeriesPoint[] = [];
  const evals: { examples: number; loss: number }[] = [];
  const measureSampler = new Sampler(data.n, opts.seed + 21);
  trainRun({
    data,
    model,
    plugin: sgd({ eta0: s.eta0, batchSize: B1 }),
    batch: B1,
    examples: s.examples,
    evalEvery: s.examples / 100,
    samplerSeed: opts.seed + 9,
    onEval: (r) => {
      loss.push({ step: r.examples, value: r.loss, series: 'full training loss' });
      evals.push({ examples: r.examples, loss: r.loss });
      // Separate measurement batches, larger than the training batch: a batch of B estimates
      // |g|² with noise ∝ tr(Σ)/B, so B = 32 ≪ B_noise would need hundreds of times more batches.
      // The gradients they leave are cleared by the next step's zeroGrad.
      for (let k = 0; k < s.measureBatches; k++) {
        const { x, y } = batchOf(data, measureSampler.next(s.measureBatchSize));
        model.zeroGrad();
        crossEntropy(model.forward(x), y).backward({ perExample: 'norms' });
        const m = measureGradientNoise(model);
        samples.push({
          examples: r.examples,
          traceSigma: m.traceSigma,
          trueGradSqNorm: m.trueGradSqNorm,
        });
      }
    },
  });
  /** The samples of the fraction [from, to) of phase 1. */
  const stretch = (from: number, to: number) =>
    samples.filter((x) => x.examples >= from * s.examples && x.examples < to * s.examples);
  const segments = Array.from({ length: SEGMENTS }, (_, k) => {
    const e = noiseScaleOf(stretch(k / SEGMENTS, (k + 1) / SEGMENTS));
    const [low, high] = noiseScaleInterval(e, Z_HELD);
    return { examples: ((k + 0.5) / SEGMENTS) * s.examples, estimate: e, low, high };
  });
  const noise: SeriesPoint[] = [];
  for (const seg of segments) {
    if (Number.isFinite(seg.estimate.value))
      noise.push({ step: seg.examples, value: seg.estimate.value, series: 'B_noise' });
    if (seg.low > 0)
      noise.push({ step: seg.examples, value: seg.low, series: `lower end (${Z_HELD} SE)` });
    if (Number.isFinite(seg.high))
      noise.push({ step: seg.examples, value: seg.high, series: `upper end (${Z_HELD} SE)` });
  }
  const early = noiseScaleOf(stretch(0, 0.25));
  const late = noiseScaleOf(stretch(0.75, 1));
  const middle = noiseScaleOf(stretch(0.4, 0.6));
  const [midLow, midHigh] = noiseScaleInterval(middle, Z_HELD);
  const mid = evals[Math.floor(evals.length / 2)];
  const target = mid.loss;
  // B_n must be a finite positive estimate with a bounded interval, or phase 2 cannot run.
  const Bn = Number.isFinite(midHigh) && middle.value > 0 ? middle.value : NaN;
  opts.log(
    `  target loss ${fmt(target)} (reached at ${mid.examples} examples), B_noise over the middle fifth ${fmt(middle.value)} [${fmt(midLow)}, ${fmt(midHigh)}]`,
  );

  // Phase 2: steps to the target at B around B_n. η_max chosen so that η(32) is phase 1's η.
  // Each (B, η) runs with `repeats` sampler seeds; S(B) is the smallest mean over the η grid.
  const rows: { B: number; eta: number; steps: number; stepsError: number; examples: number }[] =
    [];
  const etaMax = B1 * s.eta0 * (1 + Bn / B1);
  const batches = Number.isNaN(Bn) ? [] : batchSizesAround(Bn);
  const rng = new Generator(opts.seed);
  for (const B of batches) {
    let best = { eta: NaN, steps: Infinity, stepsError: NaN };
    for (const factor of ETA_FACTORS) {
      const eta = (factor * etaMax) / (1 + Bn / B);
      const counts: number[] = [];
      for (let r = 0; r < s.repeats; r++)
        counts.push(stepsToTarget(data, opts.seed, eta, B, s.maxSteps, target, rng.int(1 << 30)));
      const steps = mean(counts);
      if (steps < best.steps)
        best = { eta, steps, stepsError: std(counts) / Math.sqrt(counts.length) };
    }
    rows.push({ B, ...best, examples: best.steps * B });
    opts.log(
      `  B=${B}: ${fmt(best.steps)} ± ${fmt(best.stepsError)} steps to the target (η=${fmt(best.eta)})`,
    );
  }
  // For B_n below 2, B_n/4 and B_n round to the same batch size: then there is nothing to compare.
  const distinct = batches.length === 3 && batches[0] < batches[1] && batches[1] < batches[2];
  const below = rows.length ? rows[0].steps / rows[1].steps : NaN;
  const above = rows.length ? rows[1].steps / rows[2].steps : NaN;
  // below/above = S0·S2/S1²: relative errors add in quadrature, S1's twice.
  const rel = rows.map((r) => r.stepsError / r.steps);
  const logRatioError = rows.length ? Math.hypot(rel[0], 2 * rel[1], rel[2]) : NaN;
  const [earlyLow, earlyHigh] = noiseScaleInterval(early, Z_HELD);
  const [lateLow, lateHigh] = noiseScaleInterval(late, Z_HELD);
  const claims: Claim[] = [
    {
      id: 'noise-scale-grows',
      claim:
        'the gradient noise scale grows as training proceeds (the gradient shrinks, its per-example spread does not)',
      criterion: `B_noise over the last quarter of phase 1 > 2 × B_noise over the first quarter, each a ratio of averages over its batches: held when the late interval's lower end exceeds 2 × the early one's upper end (intervals at ${Z_HELD} SE), not held when the late upper end is below 2 × the early lower end (at ${Z_NOT_HELD} SE), else inconclusive`,
      measured: {
        firstQuarter: early.value,
        firstQuarterLow: earlyLow,
        firstQuarterHigh: earlyHigh,
        lastQuarter: late.value,
        lastQuarterLow: lateLow,
        lastQuarterHigh: lateHigh,
        batchesPerQuarter: early.samples,
      },
      ...outcome(growthVerdict(early, late, 2)),
    },
    {
      id: 'diminishing-returns-above-noise-scale',
      claim: 'larger batches speed training up until about B_noise, then returns diminish',
      criterion: `steps saved by quadrupling B below B_noise (S(B_n/4)/S(B_n)) exceed those above it (S(B_n)/S(4B_n)) (model: 2.5 vs 1.6): held when log(below/above) > ${Z_HELD} standard errors (from the spread of the steps over ${s.repeats} sampler seeds), not held when < −${Z_NOT_HELD}; else inconclusive, as when B_n could not be determined, the three batch sizes are not distinct (B_n < 2) or no run reached the target`,
      measured: {
        bNoise: Bn,
        bNoiseLow: midLow,
        bNoiseHigh: midHigh,
        speedupBelow: below,
        speedupAbove: above,
        logRatioError,
      },
      ...outcome(distinct ? judge(Math.log(below / above), logRatioError) : 'inconclusive'),
    },
  ];
  const table: LabTable = {
    title: 'Steps to the target loss',
    header: ['B', 'best η', 'steps S(B) (mean over seeds)', '± steps', 'examples B·S(B)'],
    rows: rows.map((r) => [r.B, r.eta, r.steps, r.stepsError, r.examples]),
  };
  const speed: SeriesPoint[] = rows.map((r) => ({
    step: r.B,
    value: r.steps,
    series: 'measured steps to target',
  }));
  const sMin = rows.length ? rows[2].steps / (1 + Bn / rows[2].B) : NaN;
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
    sampling: LAB_SAMPLING,
    wallSeconds: (performance.now() - start) / 1000,
    setup: [
      `softmax regression on the first ${data.n} MNIST images (${s.pool}×${s.pool} pooled, ${data.features} features)`,
      `phase 1: sgd, B = ${B1}, η0 = ${s.eta0}; unbiased tr(Σ) and |g|² from per-example gradient norms of ${s.measureBatches} separate batches of ${s.measureBatchSize} (drawn with replacement) at each of 100 evaluations; B_noise = mean tr(Σ) / mean |g|² over ${SEGMENTS} stretches for the trace, over the first and last quarters for the growth claim, and over the middle fifth for B_n = ${fmt(Bn)} [${fmt(midLow)}, ${fmt(midHigh)}] (${Z_HELD} SE)`,
      batches.length
        ? `phase 2: target loss ${fmt(target)}; B ∈ {${batches.join(', ')}}; η ∈ {${ETA_FACTORS.join(', ')}}·η_max/(1 + B_n/B), ${s.repeats} sampler seeds each, η_max = ${fmt(etaMax)}; at most ${s.maxSteps} steps; batches drawn with replacement, so B may exceed the ${data.n} examples`
        : `phase 2 skipped: B_noise at the target loss could not be determined (its |g|² average is not clearly positive)`,
    ],
    claims,
    tables: [table],
    charts: [
      {
        name: 'noise-scale-trace',
        title: 'Gradient noise scale through training',
        yTitle: 'B_noise, ratio of averages per stretch (log)',
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
