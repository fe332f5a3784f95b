/**
 * One training run: data, model, optimizer plugin and schedule from a TrainConfig; metrics,
 * checkpoints, plots and a summary written into the run's directory.
 *
 * Resuming: a checkpoint holds the config, the model's state dict, the optimizer state (including
 * any RNG it draws from), the batcher's position, the noise meter and the metrics so far. Every
 * number is stored exactly (float32 values survive JSON), and nothing else in a step is random, so
 * a resumed run is bit-identical to one that never stopped.
 */
import { dirname, join, resolve } from 'node:path';
import {
  crossEntropy,
  Generator,
  getBackend,
  setBackend,
  tensor,
  tidy,
  type StateDict,
} from '@thermograd/autograd';
import { Batcher, loadMnist, validationSplit, type BatcherState } from '@thermograd/data';
import {
  GradientNoiseMeter,
  measureGradientNoise,
  Optimizer,
  pluginNames,
  type GradientNoiseMeterState,
  type OptimizerCheckpoint,
} from '@thermograd/optim';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { buildPlugin, validateConfig, type TrainConfig } from './config.js';
import { prepareBackend } from './backends.js';
import { appendDurably, removeStaleTemporaries, writeFileDurably } from './durable-write.js';
import { accuracy, countCorrect } from './evaluate.js';
import { buildModel } from './models.js';
import { loadPluginModules } from './plugins.js';
import { createProgress } from './progress.js';
import { RUN_FILES, writeRunPlots } from './report.js';
import { checkResumedState, mergeResumedConfig, ResumeError, type ConfigChange } from './resume.js';
import { claimRunDirectory } from './run-dir.js';
import { standardize } from './standardize.js';
import { versions } from './versions.js';

/** One line of metrics.jsonl. */
export interface MetricRecord {
  step: number;
  epoch: number;
  /** Mean training loss over the steps since the previous record. */
  loss: number;
  /** Training accuracy over the same steps (the model as it was at each step). */
  trainAccuracy: number;
  /** Accuracy on the first evalSize validation examples. */
  valAccuracy: number;
  /** Accuracy on the full test set; only on the record that ends an epoch, else null. */
  testAccuracy: number | null;
  eta0: number | null;
  eta: number | null;
  /** Gradient noise scale B_noise = tr(Σ)/|g|² (running estimate), null when not measured. */
  noiseScale: number | null;
  /** This step's single-batch tr(Σ) estimate. */
  traceSigma: number | null;
  examplesPerSec: number;
  wallSeconds: number;
}

export interface RunSummary {
  finalTestAccuracy: number;
  finalValAccuracy: number;
  steps: number;
  epochsCompleted: number;
  stoppedEarly: boolean;
  /** Why the run ended before its last step: 'SIGINT', 'SIGTERM', 'max-steps'; null when it did not. */
  stopReason: string | null;
  /** Set when a non-finite loss or gradient ended the run. */
  diverged: { step: number; cause: string } | null;
  /** Flags changed on --resume, in order. */
  changes: ConfigChange[];
  wallSeconds: number;
  trainSeconds: number;
  examplesPerSec: number;
  model: string;
  parameters: number;
  config: TrainConfig;
  seed: number;
  /** Steps between metric records, and how many records the run made (0: shorter than --log-every). */
  metricRecords: number;
  versions: Record<string, string>;
  out: string;
  checkpoint: string;
}

export interface CheckpointBody {
  kind: 'thermograd-demo-run';
  config: TrainConfig;
  step: number;
  model: StateDict;
  optimizer: OptimizerCheckpoint;
  batcher: BatcherState;
  noiseMeter: GradientNoiseMeterState;
  metrics: MetricRecord[];
  /** Running sums since the last metric record, so that a resume mid-window logs the same record. */
  window: MetricWindow;
  trainSeconds: number;
  changes?: ConfigChange[];
}

export interface MetricWindow {
  lossSum: number;
  correct: number;
  seen: number;
  steps: number;
  trainSeconds: number;
  noise: { noiseScale: number; traceSigma: number } | null;
}

const emptyWindow = (): MetricWindow => ({
  lossSum: 0,
  correct: 0,
  seen: 0,
  steps: 0,
  trainSeconds: 0,
  noise: null,
});

/** How often to checkpoint besides each epoch's end and the run's end: every n steps or seconds. */
export type CheckpointEvery = { steps: number } | { seconds: number };
export const DEFAULT_CHECKPOINT_EVERY: CheckpointEvery = { seconds: 60 };

/** A stop request: set `stop` (and `reason`, e.g. 'SIGINT') to end after the current step. */
export interface StopSignal {
  stop: boolean;
  reason?: string;
}

export interface RunOptions {
  out: string;
  /** Continue from this checkpoint (its config wins over `config` except for `explicit` keys). */
  resume?: string;
  /** Config keys the user set on the command line; on resume they are checked against the run's. */
  explicit?: readonly (keyof TrainConfig)[];
  /** Replace the files of a run already in `out` (else such a directory is refused). */
  overwrite?: boolean;
  progress: 'tty' | 'lines' | 'none';
  log: (line: string) => void;
  /** Stop after this many steps in total (as if interrupted); for tests and time-boxed runs. */
  stopAfterSteps?: number;
  checkpointEvery?: CheckpointEvery;
  /** Set `stop` to true to end after the current step (Ctrl-C, SIGTERM). */
  signal?: StopSignal;
  /** Skip the plots (tests). */
  plots?: boolean;
}

export class TrainingDiverged extends Error {
  override name = 'TrainingDiverged';
}

export async function train(configIn: TrainConfig, run: RunOptions): Promise<RunSummary> {
  const wallStart = performance.now();
  const resumed = run.resume ? loadCheckpoint<CheckpointBody>(run.resume) : undefined;
  if (resumed && resumed.kind !== 'thermograd-demo-run')
    throw new ResumeError(`--resume ${run.resume}: not a demo run checkpoint`);
  // Plugin modules come from the command line only, never from the checkpoint.
  await loadPluginModules(configIn.plugins);
  let chosen = { ...configIn };
  let changes: ConfigChange[] = [];
  if (resumed) {
    if (typeof resumed.config !== 'object' || resumed.config === null)
      throw new ResumeError(`checkpoint ${run.resume}: it holds no run settings`);
    const merged = mergeResumedConfig(
      resumed.config,
      configIn,
      run.explicit ?? [],
      Number(resumed.step),
    );
    chosen = merged.config;
    changes = [...(resumed.changes ?? []), ...merged.changes];
    if (!pluginNames().includes(chosen.optimizer)) {
      const from = resumed.config.plugins?.length ? ` (${resumed.config.plugins.join(', ')})` : '';
      throw new ResumeError(
        `--resume: the run used optimizer '${chosen.optimizer}' from a plugin module${from}; give the same --plugin <module> to continue it`,
      );
    }
  }
  const config = validateConfig(chosen);
  await prepareBackend(config.backend, config.gpuMode, run.log);
  setBackend(config.backend);
  const checkpointPath = join(run.out, 'checkpoint.json');
  const metricsPath = join(run.out, 'metrics.jsonl');
  const continuingInPlace =
    run.resume !== undefined && resolve(dirname(run.resume)) === resolve(run.out);
  if (continuingInPlace) removeStaleTemporaries(run.out);
  else
    claimRunDirectory(run.out, {
      overwrite: run.overwrite === true,
      runFiles: RUN_FILES,
      resumeHint: checkpointPath,
    });

  const data = loadMnist({ dir: config.data, trainLimit: config.limit });
  // Standardise train and test pixels with the training set's statistics.
  const pixels = standardize(data.train.images);
  standardize(data.test.images, pixels);
  const split = validationSplit(data.train, { size: config.validation });
  const trainSet = split.train;
  const rng = new Generator(config.seed);
  const model = buildModel(
    {
      kind: config.model,
      hidden: config.hidden,
      channels: config.channels,
      fc: config.fc,
      rows: trainSet.rows,
      cols: trainSet.cols,
      classes: trainSet.numClasses,
    },
    rng,
  );
  const maxElements = getBackend().maxElements ?? Infinity;
  if (config.batch * model.elementsPerExample > maxElements) {
    throw new Error(
      `--batch ${config.batch}: ${model.describe} makes tensors of ${config.batch * model.elementsPerExample} elements at that batch, ` +
        `and backend ${config.backend} holds at most ${maxElements} per tensor: use --batch ${Math.floor(maxElements / model.elementsPerExample)} or less`,
    );
  }
  // Constant B keeps the temperature η0 = η/((1−μ)B) exact at every step: drop the short last batch.
  const batcher = new Batcher(trainSet, {
    batchSize: config.batch,
    seed: config.seed,
    dropLast: true,
    sampling: config.sampling ?? 'shuffle',
  });
  if (batcher.stepsPerEpoch < 1)
    throw new Error(`--batch ${config.batch} is larger than the ${trainSet.n} training examples`);
  // skipNonFinite: a non-finite gradient comes back as a skipped step, which ends the run as
  // diverged (with the CLI's advice) instead of an error naming a library option.
  const optimizer = new Optimizer(
    model.module,
    buildPlugin(config, batcher.stepsPerEpoch, config.seed),
    { skipNonFinite: true },
  );
  let meter = new GradientNoiseMeter({ decay: 0.9 });
  const metrics: MetricRecord[] = [];
  let step = 0;
  let trainSeconds = 0;
  let win = emptyWindow();
  const totalSteps = config.epochs * batcher.stepsPerEpoch;
  if (resumed) {
    checkResumedState(run.resume!, resumed, {
      stepsPerEpoch: batcher.stepsPerEpoch,
      totalSteps,
      batch: config.batch,
    });
    model.module.loadStateDict(resumed.model);
    optimizer.loadState(resumed.optimizer);
    batcher.restore(resumed.batcher);
    meter = new GradientNoiseMeter(resumed.noiseMeter);
    metrics.push(...resumed.metrics);
    step = resumed.step;
    trainSeconds = resumed.trainSeconds;
    win = resumed.window;
    for (const c of changes.filter((c) => c.step === step))
      run.log(`resume: ${c.key} ${String(c.from)} → ${String(c.to)}`);
    run.log(`resumed from ${run.resume} at step ${step}`);
  }
  // metrics.jsonl is append-only from here on; it starts as exactly the checkpoint's records (a
  // run killed after appending but before its checkpoint is cut back to the checkpoint's step).
  writeFileDurably(
    metricsPath,
    metrics.map((m) => JSON.stringify(m) + '\n'),
    'metrics file',
  );
  let metricsFlushed = metrics.length;
  const flushMetrics = () => {
    appendDurably(
      metricsPath,
      metrics
        .slice(metricsFlushed)
        .map((m) => JSON.stringify(m) + '\n')
        .join(''),
    );
    metricsFlushed = metrics.length;
  };

  const features = trainSet.rows * trainSet.cols;
  const progress = createProgress(run.progress, run.log);
  run.log(
    `${model.describe} (${model.module.numParameters()} parameters), ${config.optimizer}, schedule ${config.schedule}, backend ${config.backend}, ` +
      `${trainSet.n} training / ${split.validation.n} validation / ${data.test.n} test examples, ${totalSteps} steps`,
  );

  const every = run.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  /** The step of the last checkpoint this process wrote; null before its first. */
  let savedAtStep: number | null = null;
  let savedAtTime = performance.now();
  const startStep = step;
  const save = () => {
    flushMetrics();
    const body: CheckpointBody = {
      kind: 'thermograd-demo-run',
      config,
      step,
      model: model.module.stateDict(),
      optimizer: optimizer.state(),
      batcher: batcher.state(),
      noiseMeter: meter.state(),
      metrics,
      window: win,
      trainSeconds,
      changes,
    };
    saveCheckpoint(checkpointPath, body);
    savedAtStep = step;
    savedAtTime = performance.now();
  };
  const checkpointDue = () =>
    'steps' in every
      ? step - (savedAtStep ?? startStep) >= every.steps
      : performance.now() - savedAtTime >= every.seconds * 1000;

  let windowStart = performance.now();
  let stopReason: string | null = null;
  let diverged: RunSummary['diverged'] = null;

  let lastYield = performance.now();
  while (step < totalSteps) {
    // The loop is synchronous work; let the event loop run now and then so that a signal handler
    // setting run.signal.stop is seen after the current step, not after the whole run.
    if (performance.now() - lastYield > 50) {
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
    if (run.signal?.stop || (run.stopAfterSteps !== undefined && step >= run.stopAfterSteps)) {
      stopReason = run.signal?.stop ? (run.signal.reason ?? 'stop requested') : 'max-steps';
      progress.stop();
      if (run.signal?.stop)
        run.log(
          `${stopReason}: stopping at step ${step}/${totalSteps} and saving a checkpoint (a second ${stopReason} quits at once)…`,
        );
      break;
    }
    const t0 = performance.now();
    const batch = batcher.next();
    const willLog = (step + 1) % config.logEvery === 0 || batch.lastInEpoch;
    const outcome = tidy(() => {
      const x = tensor(batch.images.subarray(0, batch.size * features), [batch.size, features]);
      const labels = batch.labels.subarray(0, batch.size);
      const logits = model.forward(x);
      const loss = crossEntropy(logits, labels);
      const lossValue = loss.item();
      if (!Number.isFinite(lossValue)) return { diverged: `loss ${lossValue}` };
      optimizer.zeroGrad();
      // Per-example norms only on logged steps: the noise scale needs them, the update does not.
      loss.backward({ perExample: config.noise && willLog ? 'norms' : false });
      let stepReport;
      try {
        stepReport = optimizer.step();
      } catch (err) {
        // The update would overflow a parameter to ±Infinity.
        if (err instanceof RangeError) return { diverged: err.message };
        throw err;
      }
      if (stepReport.skipped) return { diverged: 'non-finite gradient' };
      if (config.noise && willLog) {
        const stats = measureGradientNoise(model.module, stepReport.hyper);
        const running = meter.update(stats);
        win.noise = { noiseScale: running.noiseScale, traceSigma: stats.traceSigma };
      }
      return {
        report: stepReport,
        lossValue,
        correctCount: countCorrect(logits, labels),
      };
    });
    if ('diverged' in outcome) {
      diverged = { step: step + 1, cause: outcome.diverged! };
      progress.stop();
      break;
    }
    const { report, lossValue, correctCount } = outcome;
    win.lossSum += lossValue;
    win.correct += correctCount;
    win.seen += batch.size;
    win.steps++;
    step++;
    const stepSeconds = (performance.now() - t0) / 1000;
    trainSeconds += stepSeconds;
    win.trainSeconds += stepSeconds;
    const hyper = report.hyper as { eta0?: number; eta?: number };
    const epochNumber = Math.floor((step - 1) / batcher.stepsPerEpoch) + 1;
    const fields = {
      epoch: epochNumber,
      epochs: config.epochs,
      step,
      totalSteps,
      loss: win.lossSum / win.steps,
      accuracy: win.correct / win.seen,
      examplesPerSec: win.seen / Math.max(win.trainSeconds, 1e-9),
      eta0: hyper.eta0 ?? NaN,
    };
    if (step % 10 === 0) progress.update(fields);
    if (willLog) {
      const testAccuracy = batch.lastInEpoch ? accuracy(model, data.test) : null;
      metrics.push({
        step,
        epoch: epochNumber,
        loss: fields.loss,
        trainAccuracy: fields.accuracy,
        valAccuracy: accuracy(model, split.validation, config.evalSize),
        testAccuracy,
        eta0: hyper.eta0 ?? null,
        eta: hyper.eta ?? null,
        noiseScale:
          win.noise && Number.isFinite(win.noise.noiseScale) ? win.noise.noiseScale : null,
        traceSigma: win.noise ? win.noise.traceSigma : null,
        examplesPerSec: fields.examplesPerSec,
        wallSeconds: (performance.now() - windowStart) / 1000,
      });
      if (batch.lastInEpoch) progress.epochEnd({ ...fields, testAccuracy: testAccuracy ?? NaN });
      win = emptyWindow();
      windowStart = performance.now();
    }
    if (batch.lastInEpoch || checkpointDue()) save();
  }
  progress.stop();
  // A diverged run keeps its last good checkpoint; its metrics up to the divergence are kept too.
  if (diverged) flushMetrics();
  else if (savedAtStep !== step) save();

  const finalTestAccuracy = accuracy(model, data.test);
  const finalValAccuracy = accuracy(model, split.validation);
  const summary: RunSummary = {
    finalTestAccuracy,
    finalValAccuracy,
    steps: step,
    epochsCompleted: Math.floor(step / batcher.stepsPerEpoch),
    stoppedEarly: step < totalSteps,
    stopReason,
    diverged,
    changes,
    wallSeconds: (performance.now() - wallStart) / 1000,
    trainSeconds,
    examplesPerSec: (step * config.batch) / Math.max(trainSeconds, 1e-9),
    model: model.describe,
    parameters: model.module.numParameters(),
    config,
    seed: config.seed,
    metricRecords: metrics.length,
    versions: versions(config.backend),
    out: run.out,
    checkpoint: checkpointPath,
  };
  writeFileDurably(join(run.out, 'summary.json'), [JSON.stringify(summary, null, 2) + '\n']);
  if (run.plots !== false) await writeRunPlots(run.out, metrics, summary);
  if (diverged) {
    throw new TrainingDiverged(
      `training diverged at step ${diverged.step} (${diverged.cause}): lower --eta0/--lr. ` +
        (savedAtStep !== null || resumed
          ? `The checkpoint of step ${savedAtStep ?? startStep} is kept (${checkpointPath}); `
          : 'No checkpoint was written; ') +
        `metrics and report are in ${run.out}`,
    );
  }
  if (metrics.length === 0)
    run.log(
      `the run stopped at step ${step}, before its first metric record (--log-every ${config.logEvery}): nothing to plot`,
    );
  if (stopReason)
    run.log(`stopped at step ${step}/${totalSteps}; continue with --resume ${checkpointPath}`);
  run.log(
    `test accuracy ${(100 * finalTestAccuracy).toFixed(2)}% after ${step} steps, ${summary.trainSeconds.toFixed(1)} s training, ` +
      `${Math.round(summary.examplesPerSec)} examples/s; wrote ${run.out}/{metrics.jsonl,summary.json,checkpoint.json,report.html}`,
  );
  return summary;
}
