/**
 * Continuing a run from its checkpoint: which flags may change, and checks that a checkpoint's
 * fields are in range and agree with each other (a checksum only proves the file is the one that
 * was written, not that what was written makes sense).
 *
 * Flags that may change on --resume: --epochs (extend or shorten the run, not below the steps
 * done) and --log-every. Extending rebuilds the schedule for the new length: from the resume step
 * on, η0 is what a run started with the new --epochs would have at that step, so a decaying
 * schedule (cosine, onecycle, warmup-cosine) steps back up to that value; steps already taken keep
 * what they had. Every change is recorded in the checkpoint (`changes`) and in summary.json.
 * Any other flag that differs from the run's setting is an error listing all of them.
 */
import type { TrainConfig } from './config.js';

/** Config keys whose flags may change when resuming. */
export const RESUMABLE_CHANGES: readonly (keyof TrainConfig)[] = ['epochs', 'logEvery'];

/** One flag changed on --resume, as recorded in the checkpoint. */
export interface ConfigChange {
  step: number;
  key: keyof TrainConfig;
  from: unknown;
  to: unknown;
}

export class ResumeError extends Error {
  override name = 'ResumeError';
}

/** The flag that sets a config key: logEvery → --log-every. */
export const flagOf = (key: string): string =>
  '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The config to continue with: the saved one, with the changes `given` makes to the keys the
 * user set explicitly (`explicit`). Plugin paths are not compared (the module may have moved; the
 * optimizer's name is checked once it is loaded) and are taken from `given`.
 */
export function mergeResumedConfig(
  saved: TrainConfig,
  given: TrainConfig,
  explicit: readonly (keyof TrainConfig)[],
  step: number,
): { config: TrainConfig; changes: ConfigChange[] } {
  const config: TrainConfig = { ...saved, plugins: given.plugins };
  const changes: ConfigChange[] = [];
  const conflicts: string[] = [];
  for (const key of explicit) {
    if (key === 'plugins' || same(given[key], saved[key])) continue;
    if (RESUMABLE_CHANGES.includes(key)) {
      changes.push({ step, key, from: saved[key], to: given[key] });
      (config as unknown as Record<string, unknown>)[key] = given[key];
    } else {
      conflicts.push(`${flagOf(key)} ${String(given[key])} (the run has ${String(saved[key])})`);
    }
  }
  if (conflicts.length > 0) {
    throw new ResumeError(
      `--resume: these flags conflict with the run's settings: ${conflicts.join('; ')}. ` +
        `Only ${RESUMABLE_CHANGES.map(flagOf).join(' and ')} may change when resuming; start a new run for the others`,
    );
  }
  return { config, changes };
}

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/**
 * Range and consistency checks of a loaded checkpoint against the run it is resumed into.
 * Throws naming the first field that is wrong.
 */
export function checkResumedState(
  path: string,
  body: {
    step: unknown;
    trainSeconds: unknown;
    batcher: { epoch: unknown; step: unknown };
    metrics: unknown;
    window: { steps: unknown; seen: unknown; correct: unknown } | undefined;
  },
  run: { stepsPerEpoch: number; totalSteps: number; batch: number },
): void {
  const fail = (what: string) => {
    throw new ResumeError(`checkpoint ${path}: ${what}; the file was not written by this run`);
  };
  const { step } = body;
  if (!isCount(step)) return fail(`step ${String(step)} is not a step count`);
  if (step > run.totalSteps)
    throw new ResumeError(
      `checkpoint ${path}: step ${step} is past the run's end (${run.totalSteps} steps); --epochs ${Math.ceil(step / run.stepsPerEpoch)} or more continues it`,
    );
  const position = body.batcher;
  if (
    !isCount(position?.epoch) ||
    !isCount(position.step) ||
    position.epoch * run.stepsPerEpoch + position.step !== step
  )
    fail(
      `the data position (epoch ${String(position?.epoch)}, batch ${String(position?.step)}) is not step ${step}`,
    );
  if (typeof body.trainSeconds !== 'number' || !(body.trainSeconds >= 0))
    fail(`training time ${String(body.trainSeconds)} is not a duration`);
  if (!Array.isArray(body.metrics)) return fail('metrics is not a list');
  let previous = 0;
  for (const record of body.metrics as { step?: unknown }[]) {
    if (!isCount(record?.step) || record.step <= previous || record.step > step)
      fail(`metric record at step ${String(record?.step)} is out of order or past step ${step}`);
    previous = record.step as number;
  }
  const w = body.window;
  if (
    !w ||
    !isCount(w.steps) ||
    w.steps !== step - previous ||
    !isCount(w.seen) ||
    w.seen !== w.steps * run.batch ||
    !isCount(w.correct) ||
    w.correct > w.seen
  )
    fail('the running metric window does not match the steps since the last record');
}
