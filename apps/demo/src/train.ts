/**
 * One training run: data, model, optimizer plugin and schedule from a TrainConfig; metrics,
 * checkpoints, plots and a summary written into the run's directory.
 *
 * Resuming: a checkpoint holds the config, the model's state dict, the optimizer state (including
 * any RNG it draws from), the batcher's position, the noise meter and the metrics so far. Every
 * number is stored exactly (float32 values survive JSON), and nothing else in a step is random, so
 * a resumed run is bit-identical to one that never stopped.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  crossEntropy,
  Generator,
  getBackend,
  setBackend,
  tensor,
  type StateDict,
} from '@thermograd/autograd';
import { Batcher, loadMnist, validationSplit, type BatcherState } from '@thermograd/data';
import {
  GradientNoiseMeter,
  measureGradientNoise,
  Optimizer,
  type GradientNoiseMeterState,
  type OptimizerCheckpoint,
} from '@thermograd/optim';
import * as optim from '@thermograd/optim';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { buildPlugin, validateConfig, type TrainConfig } from './config.js';
import { prepareBackend, scoped } from './backends.js';
import { accuracy, countCorrect } from './evaluate.js';
import { buildModel } from './models.js';
import { createProgress } from './progress.js';
import { writeRunPlots } from './report.js';
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
  wallSeconds: number;
  trainSeconds: number;
  examplesPerSec: number;
  model: string;
  parameters: number;
  config: TrainConfig;
  seed: number;
  versions: Record<string, string>;
  out: string;
  checkpoint: string;
}

interface CheckpointBody {
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
}

interface MetricWindow {
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

export interface RunOptions {
  out: string;
  /** Continue from this checkpoint (its config wins over `config`). */
  resume?: string;
  progress: 'tty' | 'lines' | 'none';
  log: (line: string) => void;
  /** Stop after this many steps in total (as if interrupted); for tests and time-boxed runs. */
  stopAfterSteps?: number;
  /** Set `stop` to true to end after the current step (Ctrl-C). */
  signal?: { stop: boolean };
  /** Skip the plots (tests). */
  plots?: boolean;
}

export async function train(configIn: TrainConfig, run: RunOptions): Promise<RunSummary> {
  const wallStart = performance.now();
  const resumed = run.resume ? loadCheckpoint<CheckpointBody>(run.resume) : undefined;
  if (resumed && resumed.kind !== 'thermograd-demo-run')
    throw new Error(`--resume ${run.resume}: not a demo run checkpoint`);
  const chosen = resumed ? resumed.config : { ...configIn };
  // Plugin modules first: they may register the optimizer the config names, either when imported
  // or through an exported register(optim), which gets this process's @thermograd/optim.
  for (const module of chosen.plugins ?? []) {
    const loaded = (await import(pathToFileURL(module).href)) as {
      register?: (o: typeof optim) => unknown;
    };
    if (typeof loaded.register === 'function') await loaded.register(optim);
  }
  const config = validateConfig(chosen);
  await prepareBackend(config.backend, config.gpuMode, run.log);
  setBackend(config.backend);
  mkdirSync(run.out, { recursive: true });

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
  const optimizer = new Optimizer(
    model.module,
    buildPlugin(config, batcher.stepsPerEpoch, config.seed),
  );
  let meter = new GradientNoiseMeter({ decay: 0.9 });
  const metrics: MetricRecord[] = [];
  let step = 0;
  let trainSeconds = 0;
  let win = emptyWindow();
  if (resumed) {
    model.module.loadStateDict(resumed.model);
    optimizer.loadState(resumed.optimizer);
    batcher.restore(resumed.batcher);
    meter = new GradientNoiseMeter(resumed.noiseMeter);
    metrics.push(...resumed.metrics);
    step = resumed.step;
    trainSeconds = resumed.trainSeconds;
    win = resumed.window;
    run.log(`resumed from ${run.resume} at step ${step}`);
  }

  const features = trainSet.rows * trainSet.cols;
  const totalSteps = config.epochs * batcher.stepsPerEpoch;
  const checkpointPath = join(run.out, 'checkpoint.json');
  const metricsPath = join(run.out, 'metrics.jsonl');
  const progress = createProgress(run.progress, run.log);
  run.log(
    `${model.describe} (${model.module.numParameters()} parameters), ${config.optimizer}, schedule ${config.schedule}, backend ${config.backend}, ` +
      `${trainSet.n} training / ${split.validation.n} validation / ${data.test.n} test examples, ${totalSteps} steps`,
  );

  const save = () => {
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
    };
    saveCheckpoint(checkpointPath, body);
    writeFileSync(
      metricsPath,
      metrics.map((m) => JSON.stringify(m)).join('\n') + (metrics.length ? '\n' : ''),
    );
  };

  let windowStart = performance.now();
  let stoppedEarly = false;

  let lastYield = performance.now();
  while (step < totalSteps) {
    // The loop is synchronous work; let the event loop run now and then so that Ctrl-C (a signal
    // handler setting run.signal.stop) is seen after the current step, not after the whole run.
    if (performance.now() - lastYield > 50) {
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
    if (run.signal?.stop || (run.stopAfterSteps !== undefined && step >= run.stopAfterSteps)) {
      stoppedEarly = true;
      break;
    }
    const t0 = performance.now();
    const batch = batcher.next();
    const willLog = (step + 1) % config.logEvery === 0 || batch.lastInEpoch;
    const { report, lossValue, correctCount } = scoped(() => {
      const x = tensor(batch.images.subarray(0, batch.size * features), [batch.size, features]);
      const labels = batch.labels.subarray(0, batch.size);
      const logits = model.forward(x);
      const loss = crossEntropy(logits, labels);
      optimizer.zeroGrad();
      // Per-example norms only on logged steps: the noise scale needs them, the update does not.
      loss.backward({ perExample: config.noise && willLog ? 'norms' : false });
      const stepReport = optimizer.step();
      if (config.noise && willLog) {
        const stats = measureGradientNoise(model.module, stepReport.hyper);
        const running = meter.update(stats);
        win.noise = { noiseScale: running.noiseScale, traceSigma: stats.traceSigma };
      }
      return {
        report: stepReport,
        lossValue: loss.item(),
        correctCount: countCorrect(logits, labels),
      };
    });
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
      if (batch.lastInEpoch) {
        progress.epochEnd({ ...fields, testAccuracy: testAccuracy ?? NaN });
        save();
      }
      win = emptyWindow();
      windowStart = performance.now();
    }
  }
  progress.stop();
  save();

  const finalTestAccuracy = accuracy(model, data.test);
  const finalValAccuracy = accuracy(model, split.validation);
  const summary: RunSummary = {
    finalTestAccuracy,
    finalValAccuracy,
    steps: step,
    epochsCompleted: Math.floor(step / batcher.stepsPerEpoch),
    stoppedEarly,
    wallSeconds: (performance.now() - wallStart) / 1000,
    trainSeconds,
    examplesPerSec: (step * config.batch) / Math.max(trainSeconds, 1e-9),
    model: model.describe,
    parameters: model.module.numParameters(),
    config,
    seed: config.seed,
    versions: versions(config.backend),
    out: run.out,
    checkpoint: checkpointPath,
  };
  writeFileSync(join(run.out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  if (run.plots !== false) await writeRunPlots(run.out, metrics, summary);
  if (stoppedEarly)
    run.log(`stopped at step ${step}/${totalSteps}; continue with --resume ${checkpointPath}`);
  run.log(
    `test accuracy ${(100 * finalTestAccuracy).toFixed(2)}% after ${step} steps, ${summary.trainSeconds.toFixed(1)} s training, ` +
      `${Math.round(summary.examplesPerSec)} examples/s; wrote ${run.out}/{metrics.jsonl,summary.json,checkpoint.json,report.html}`,
  );
  return summary;
}
