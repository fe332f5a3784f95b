/**
 * One training run in the page, step by step, built from the CLI's own pieces (the demo's config,
 * plugin, models, standardisation and accuracy, @thermograd/data's batching): a page run with the
 * CLI's settings takes the CLI's steps, and its checkpoint is the CLI's checkpoint, resumable with
 * `demo --resume`. The temperature slider scales the scheduled η0 (or η) from the next step on.
 */
import { Generator, crossEntropy, noGrad, softmax, tensor, tidy } from '@thermograd/autograd';
import { Batcher, validationSplit, type Dataset, type MnistData } from '@thermograd/data';
import {
  GradientNoiseMeter,
  Optimizer,
  measureGradientNoise,
  type GradientNoiseMeterState,
} from '@thermograd/optim';
import {
  accuracy,
  buildModel,
  buildPlugin,
  countCorrect,
  standardize,
  validateConfig,
  type CheckpointBody,
  type DemoModel,
  type MetricRecord,
  type PixelStatistics,
  type TrainConfig,
} from '@thermograd/demo/browser';

/** What one step reports to the page. */
export interface StepRecord {
  step: number;
  epoch: number;
  loss: number;
  /** Training accuracy on this step's minibatch. */
  batchAccuracy: number;
  eta0: number | null;
  eta: number | null;
  /** Present on logged steps (every logEvery and at each epoch's end). */
  valAccuracy?: number;
  noiseScale?: number | null;
  /** Present at each epoch's end. */
  testAccuracy?: number;
  /** Examples per second of this step's training work. */
  examplesPerSec: number;
}

export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';
}

/** Standardised copies of the MNIST arrays and the training-set statistics used for them. */
export interface PreparedData {
  train: Dataset;
  validation: Dataset;
  test: Dataset;
  pixels: PixelStatistics;
}

/** The CLI's data preparation (train.ts): standardise with the training statistics, hold out validation. */
export function prepareData(data: MnistData, validation: number): PreparedData {
  const train = { ...data.train, images: data.train.images.slice() };
  const test = { ...data.test, images: data.test.images.slice() };
  const pixels = standardize(train.images);
  standardize(test.images, pixels);
  const split = validationSplit(train, { size: validation });
  return { train: split.train, validation: split.validation, test, pixels };
}

export class Session {
  readonly config: TrainConfig;
  readonly model: DemoModel;
  readonly batcher: Batcher;
  readonly optimizer: Optimizer;
  readonly totalSteps: number;
  step = 0;
  private meter = new GradientNoiseMeter({ decay: 0.9 });
  private metrics: MetricRecord[] = [];
  private window = { lossSum: 0, correct: 0, seen: 0, steps: 0, trainSeconds: 0 };
  private noise: { noiseScale: number; traceSigma: number } | null = null;
  private trainSeconds = 0;
  private liveBase: number;

  constructor(
    config: TrainConfig,
    readonly data: PreparedData,
  ) {
    this.config = validateConfig({ ...config });
    const c = this.config;
    const train = data.train;
    this.model = buildModel(
      {
        kind: c.model,
        hidden: c.hidden,
        channels: c.channels,
        fc: c.fc,
        rows: train.rows,
        cols: train.cols,
        classes: train.numClasses,
      },
      new Generator(c.seed),
    );
    this.batcher = new Batcher(train, {
      batchSize: c.batch,
      seed: c.seed,
      dropLast: true,
      sampling: c.sampling ?? 'shuffle',
    });
    if (this.batcher.stepsPerEpoch < 1)
      throw new RangeError(`batch ${c.batch} is larger than the ${train.n} training examples`);
    this.totalSteps = c.epochs * this.batcher.stepsPerEpoch;
    const base = this.baseValue();
    this.liveBase = base;
    this.optimizer = new Optimizer(
      this.model.module,
      buildPlugin(c, this.batcher.stepsPerEpoch, c.seed, () => this.liveBase / base),
      { skipNonFinite: true },
    );
  }

  /** η0 (or η with a raw step size) before the schedule: what the slider sets. */
  baseValue(): number {
    return this.config.lr ?? this.config.eta0!;
  }

  /** Moves the slider: the schedule's base from the next step on (and in the checkpoint). */
  setBase(value: number): void {
    if (!(Number.isFinite(value) && value > 0))
      throw new RangeError(`temperature must be a finite number > 0, got ${value}`);
    this.liveBase = value;
  }

  get done(): boolean {
    return this.step >= this.totalSteps;
  }

  /** One optimizer step; throws TrainingDivergedError on a non-finite loss or gradient. */
  trainStep(): StepRecord {
    const c = this.config;
    const features = this.data.train.rows * this.data.train.cols;
    const t0 = performance.now();
    const batch = this.batcher.next();
    const willLog = (this.step + 1) % c.logEvery === 0 || batch.lastInEpoch;
    const outcome = tidy(() => {
      const x = tensor(batch.images.subarray(0, batch.size * features), [batch.size, features]);
      const labels = batch.labels.subarray(0, batch.size);
      const logits = this.model.forward(x);
      const loss = crossEntropy(logits, labels);
      const lossValue = loss.item();
      if (!Number.isFinite(lossValue)) return { diverged: `loss ${lossValue}` };
      this.optimizer.zeroGrad();
      loss.backward({ perExample: c.noise && willLog ? 'norms' : false });
      const report = this.optimizer.step();
      if (report.skipped) return { diverged: 'non-finite gradient' };
      if (c.noise && willLog) {
        const stats = measureGradientNoise(this.model.module, report.hyper);
        const running = this.meter.update(stats);
        this.noise = { noiseScale: running.noiseScale, traceSigma: stats.traceSigma };
      }
      return { report, lossValue, correct: countCorrect(logits, labels) };
    });
    if ('diverged' in outcome)
      throw new TrainingDivergedError(
        `training diverged at step ${this.step + 1} (${outcome.diverged}): lower the temperature and reset`,
      );
    const seconds = (performance.now() - t0) / 1000;
    this.step++;
    this.trainSeconds += seconds;
    const w = this.window;
    w.lossSum += outcome.lossValue;
    w.correct += outcome.correct;
    w.seen += batch.size;
    w.steps++;
    w.trainSeconds += seconds;
    const hyper = outcome.report.hyper as { eta0?: number; eta?: number };
    const record: StepRecord = {
      step: this.step,
      epoch: Math.floor((this.step - 1) / this.batcher.stepsPerEpoch) + 1,
      loss: outcome.lossValue,
      batchAccuracy: outcome.correct / batch.size,
      eta0: hyper.eta0 ?? null,
      eta: hyper.eta ?? null,
      examplesPerSec: batch.size / Math.max(seconds, 1e-9),
    };
    if (willLog) {
      record.valAccuracy = accuracy(this.model, this.data.validation, c.evalSize);
      record.noiseScale =
        this.noise && Number.isFinite(this.noise.noiseScale) ? this.noise.noiseScale : null;
      if (batch.lastInEpoch) record.testAccuracy = accuracy(this.model, this.data.test);
      // The CLI's metric record, so that a downloaded checkpoint carries the same history.
      this.metrics.push({
        step: this.step,
        epoch: record.epoch,
        loss: w.lossSum / w.steps,
        trainAccuracy: w.correct / w.seen,
        valAccuracy: record.valAccuracy,
        testAccuracy: record.testAccuracy ?? null,
        eta0: record.eta0,
        eta: record.eta,
        noiseScale: record.noiseScale,
        traceSigma: this.noise ? this.noise.traceSigma : null,
        examplesPerSec: w.seen / Math.max(w.trainSeconds, 1e-9),
        wallSeconds: w.trainSeconds,
      });
      this.window = { lossSum: 0, correct: 0, seen: 0, steps: 0, trainSeconds: 0 };
      this.noise = null;
    }
    return record;
  }

  /** Class probabilities for one image of raw pixels in [0, 1] (rows·cols values). */
  predict(pixels: Float32Array): number[] {
    const { rows, cols } = this.data.train;
    if (pixels.length !== rows * cols)
      throw new RangeError(`predict: expected ${rows * cols} pixels, got ${pixels.length}`);
    const x = pixels.slice();
    standardize(x, this.data.pixels);
    return noGrad(() =>
      tidy(() =>
        Array.from(softmax(this.model.forward(tensor(x, [1, rows * cols])), -1).dataSync()),
      ),
    );
  }

  /** The CLI's checkpoint body (train.ts), with the slider's current value as η0 (or η). */
  checkpointBody(): CheckpointBody {
    const config: TrainConfig = { ...this.config };
    if (config.lr !== undefined) config.lr = this.liveBase;
    else config.eta0 = this.liveBase;
    return {
      kind: 'thermograd-demo-run',
      config,
      step: this.step,
      model: this.model.module.stateDict(),
      optimizer: this.optimizer.state(),
      batcher: this.batcher.state(),
      noiseMeter: this.meter.state() as GradientNoiseMeterState,
      metrics: this.metrics,
      window: { ...this.window, noise: this.noise },
      trainSeconds: this.trainSeconds,
      changes: [],
    };
  }
}
