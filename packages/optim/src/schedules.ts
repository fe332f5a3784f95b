/**
 * Temperature schedules: functions of the step index s (0 for the first update) returning η0 (or
 * η, or anything else a plugin accepts as a HyperValue). Every factory checks its arguments and
 * names the bad one; plugins check each returned value at the step (finite and >= 0).
 *
 *     constant           v(s) = v
 *     step               v(s) = v0 · γ^⌊s / stepSize⌋
 *     multiStep          v(s) = v0 · γ^#{m ∈ milestones : m ≤ s}
 *     exponential        v(s) = v0 · r^(s / transitionSteps)        (⌊·⌋ of the exponent if staircase)
 *     cosine             v(s) = vf + ½ (v0 − vf)(1 + cos(π s / S)) for s < S, vf after;
 *                        with warm restarts (SGDR, Loshchilov & Hutter 2017) the cosine restarts at
 *                        the end of each period, period i lasting S·periodMult^i steps and starting
 *                        from v0·restartDecay^i
 *     linearWarmup       v(s) = v_init + (v_peak − v_init) · s / W for s < W; then v_peak (or after(s − W))
 *     oneCycle           PyTorch's OneCycleLR: from max/divFactor up to max at s = pctStart·S − 1, then
 *                        down to max/(divFactor·finalDivFactor) at s = S − 1 (cosine or linear), and
 *                        held there after the end
 *     piecewiseConstant  v(s) = values[i] where i = #{b ∈ boundaries : b ≤ s}: the value changes AT the boundary
 *     join               schedule i runs on [boundary_{i−1}, boundary_i) and sees s − boundary_{i−1},
 *                        as optax's join_schedules
 */
import { checkCount, checkNonNegative, checkPositive, type Schedule } from './hyper.js';

export type { Schedule } from './hyper.js';

function checkIncreasing(where: string, name: string, values: unknown): number[] {
  if (!Array.isArray(values))
    throw new TypeError(
      `${where}: ${name} must be an array of step indices, got ${JSON.stringify(values)}`,
    );
  values.forEach((v, i) => {
    checkCount(where, `${name}[${i}]`, v, 0);
    if (i > 0 && v <= values[i - 1]) {
      throw new RangeError(
        `${where}: ${name} must be strictly increasing, got ${JSON.stringify(values)}`,
      );
    }
  });
  return values as number[];
}

function checkStep(where: string, s: number): void {
  if (!Number.isInteger(s) || s < 0)
    throw new RangeError(`${where}: the step must be an integer >= 0, got ${s}`);
}

export function constantSchedule(value: number): Schedule {
  checkNonNegative('constantSchedule', 'value', value);
  return () => value;
}

export interface StepScheduleOptions {
  init: number;
  /** Multiply by gamma every stepSize steps. */
  stepSize: number;
  gamma: number;
}

export function stepSchedule({ init, stepSize, gamma }: StepScheduleOptions): Schedule {
  const where = 'stepSchedule';
  checkNonNegative(where, 'init', init);
  checkCount(where, 'stepSize', stepSize);
  checkNonNegative(where, 'gamma', gamma);
  return (s) => {
    checkStep(where, s);
    return init * gamma ** Math.floor(s / stepSize);
  };
}

export interface MultiStepScheduleOptions {
  init: number;
  /** Step indices at which the value is multiplied by gamma (strictly increasing). */
  milestones: number[];
  gamma: number;
}

export function multiStepSchedule({ init, milestones, gamma }: MultiStepScheduleOptions): Schedule {
  const where = 'multiStepSchedule';
  checkNonNegative(where, 'init', init);
  const ms = [...checkIncreasing(where, 'milestones', milestones)];
  checkNonNegative(where, 'gamma', gamma);
  return (s) => {
    checkStep(where, s);
    let passed = 0;
    while (passed < ms.length && ms[passed] <= s) passed++;
    return init * gamma ** passed;
  };
}

export interface ExponentialScheduleOptions {
  init: number;
  /** Factor r per transitionSteps steps (r < 1 decays, r > 1 grows). */
  decayRate: number;
  transitionSteps?: number;
  /** Decay in whole transitions (⌊s / transitionSteps⌋) rather than continuously. */
  staircase?: boolean;
}

export function exponentialSchedule({
  init,
  decayRate,
  transitionSteps = 1,
  staircase = false,
}: ExponentialScheduleOptions): Schedule {
  const where = 'exponentialSchedule';
  checkNonNegative(where, 'init', init);
  checkPositive(where, 'decayRate', decayRate);
  checkCount(where, 'transitionSteps', transitionSteps);
  return (s) => {
    checkStep(where, s);
    const e = s / transitionSteps;
    return init * decayRate ** (staircase ? Math.floor(e) : e);
  };
}

export interface CosineScheduleOptions {
  init: number;
  /** Length S of the decay (of the first period with warm restarts). */
  decaySteps: number;
  /** The value at the end of the decay (default 0). */
  final?: number;
  /** Restart the cosine at the end of each period (SGDR). */
  warmRestarts?: boolean;
  /** Each period lasts periodMult times the previous one (default 1). */
  periodMult?: number;
  /** Each restart starts from restartDecay times the previous start (default 1). */
  restartDecay?: number;
}

export function cosineSchedule({
  init,
  decaySteps,
  final = 0,
  warmRestarts = false,
  periodMult = 1,
  restartDecay = 1,
}: CosineScheduleOptions): Schedule {
  const where = 'cosineSchedule';
  checkNonNegative(where, 'init', init);
  checkCount(where, 'decaySteps', decaySteps);
  checkNonNegative(where, 'final', final);
  checkCount(where, 'periodMult', periodMult);
  checkNonNegative(where, 'restartDecay', restartDecay);
  const cosine = (from: number, position: number, period: number) =>
    final + 0.5 * (from - final) * (1 + Math.cos((Math.PI * position) / period));
  if (!warmRestarts) {
    return (s) => {
      checkStep(where, s);
      return s >= decaySteps ? final : cosine(init, s, decaySteps);
    };
  }
  return (s) => {
    checkStep(where, s);
    let position = s;
    let period = decaySteps;
    let start = init;
    while (position >= period) {
      position -= period;
      period *= periodMult;
      start *= restartDecay;
    }
    return cosine(start, position, period);
  };
}

export interface LinearWarmupOptions {
  /** Value at step 0 (default 0). */
  init?: number;
  /** Value reached at step warmupSteps. */
  peak: number;
  warmupSteps: number;
  /** What follows the warm-up, seeing s − warmupSteps (default: stay at peak). */
  after?: Schedule;
}

export function linearWarmup({
  init = 0,
  peak,
  warmupSteps,
  after,
}: LinearWarmupOptions): Schedule {
  const where = 'linearWarmup';
  checkNonNegative(where, 'init', init);
  checkNonNegative(where, 'peak', peak);
  checkCount(where, 'warmupSteps', warmupSteps, 0);
  return (s) => {
    checkStep(where, s);
    if (s < warmupSteps) return init + ((peak - init) * s) / warmupSteps;
    return after ? after(s - warmupSteps) : peak;
  };
}

export interface OneCycleOptions {
  /** The peak value. */
  max: number;
  totalSteps: number;
  /** Fraction of the steps spent rising (default 0.3). */
  pctStart?: number;
  /** Start at max / divFactor (default 25). */
  divFactor?: number;
  /** End at max / (divFactor · finalDivFactor) (default 1e4). */
  finalDivFactor?: number;
  anneal?: 'cos' | 'linear';
}

export function oneCycleSchedule({
  max,
  totalSteps,
  pctStart = 0.3,
  divFactor = 25,
  finalDivFactor = 1e4,
  anneal = 'cos',
}: OneCycleOptions): Schedule {
  const where = 'oneCycleSchedule';
  checkNonNegative(where, 'max', max);
  checkCount(where, 'totalSteps', totalSteps, 2);
  if (!(pctStart > 0 && pctStart < 1))
    throw new RangeError(`${where}: pctStart must be in (0, 1), got ${pctStart}`);
  checkPositive(where, 'divFactor', divFactor);
  checkPositive(where, 'finalDivFactor', finalDivFactor);
  if (anneal !== 'cos' && anneal !== 'linear')
    throw new RangeError(
      `${where}: anneal must be 'cos' or 'linear', got ${JSON.stringify(anneal)}`,
    );
  const initial = max / divFactor;
  const min = initial / finalDivFactor;
  const peakStep = pctStart * totalSteps - 1;
  const lastStep = totalSteps - 1;
  if (!(peakStep > 0 && peakStep < lastStep)) {
    throw new RangeError(
      `${where}: pctStart·totalSteps − 1 = ${peakStep} must lie strictly between 0 and totalSteps − 1 = ${lastStep}`,
    );
  }
  const interp = (from: number, to: number, pct: number) =>
    anneal === 'cos'
      ? to + ((from - to) / 2) * (1 + Math.cos(Math.PI * pct))
      : from + (to - from) * pct;
  return (s) => {
    checkStep(where, s);
    if (s <= peakStep) return interp(initial, max, s / peakStep);
    if (s >= lastStep) return min;
    return interp(max, min, (s - peakStep) / (lastStep - peakStep));
  };
}

export interface PiecewiseConstantOptions {
  /** Strictly increasing step indices where the value changes. */
  boundaries: number[];
  /** boundaries.length + 1 values; values[i] holds from boundaries[i − 1] (inclusive) to boundaries[i]. */
  values: number[];
}

export function piecewiseConstantSchedule({
  boundaries,
  values,
}: PiecewiseConstantOptions): Schedule {
  const where = 'piecewiseConstantSchedule';
  const bs = [...checkIncreasing(where, 'boundaries', boundaries)];
  if (!Array.isArray(values) || values.length !== bs.length + 1) {
    throw new RangeError(
      `${where}: needs boundaries.length + 1 = ${bs.length + 1} values, got ${Array.isArray(values) ? values.length : JSON.stringify(values)}`,
    );
  }
  const vs = values.map((v, i) => checkNonNegative(where, `values[${i}]`, v));
  return (s) => {
    checkStep(where, s);
    let i = 0;
    while (i < bs.length && bs[i] <= s) i++;
    return vs[i];
  };
}

/** Runs schedules[i] from boundaries[i − 1] on, restarting its step count there (optax join_schedules). */
export function joinSchedules(schedules: Schedule[], boundaries: number[]): Schedule {
  const where = 'joinSchedules';
  if (
    !Array.isArray(schedules) ||
    schedules.length === 0 ||
    schedules.some((f) => typeof f !== 'function')
  ) {
    throw new TypeError(`${where}: schedules must be a non-empty array of functions`);
  }
  const bs = [...checkIncreasing(where, 'boundaries', boundaries)];
  if (bs.length !== schedules.length - 1) {
    throw new RangeError(
      `${where}: ${schedules.length} schedules need ${schedules.length - 1} boundaries, got ${bs.length}`,
    );
  }
  const fs = [...schedules];
  return (s) => {
    checkStep(where, s);
    let i = 0;
    while (i < bs.length && bs[i] <= s) i++;
    return fs[i](i === 0 ? s : s - bs[i - 1]);
  };
}

/** The schedules under short names, for `schedules.cosine({...})`. */
export const schedules = {
  constant: constantSchedule,
  step: stepSchedule,
  multiStep: multiStepSchedule,
  exponential: exponentialSchedule,
  cosine: cosineSchedule,
  linearWarmup,
  oneCycle: oneCycleSchedule,
  piecewiseConstant: piecewiseConstantSchedule,
  join: joinSchedules,
} as const;

/** A schedule described as data (for command-line flags and config files). */
export type ScheduleSpec =
  | { kind: 'constant'; value: number }
  | ({ kind: 'step' } & StepScheduleOptions)
  | ({ kind: 'multiStep' } & MultiStepScheduleOptions)
  | ({ kind: 'exponential' } & ExponentialScheduleOptions)
  | ({ kind: 'cosine' } & CosineScheduleOptions)
  | ({ kind: 'linearWarmup' } & Omit<LinearWarmupOptions, 'after'> & { after?: ScheduleSpec })
  | ({ kind: 'oneCycle' } & OneCycleOptions)
  | ({ kind: 'piecewiseConstant' } & PiecewiseConstantOptions)
  | { kind: 'join'; schedules: ScheduleSpec[]; boundaries: number[] };

/** Builds a schedule from its data description, e.g. { kind: 'cosine', init: 1e-3, decaySteps: 1000 }. */
export function scheduleFromSpec(spec: ScheduleSpec): Schedule {
  switch (spec.kind) {
    case 'constant':
      return constantSchedule(spec.value);
    case 'step':
      return stepSchedule(spec);
    case 'multiStep':
      return multiStepSchedule(spec);
    case 'exponential':
      return exponentialSchedule(spec);
    case 'cosine':
      return cosineSchedule(spec);
    case 'linearWarmup':
      return linearWarmup({
        ...spec,
        after: spec.after ? scheduleFromSpec(spec.after) : undefined,
      });
    case 'oneCycle':
      return oneCycleSchedule(spec);
    case 'piecewiseConstant':
      return piecewiseConstantSchedule(spec);
    case 'join':
      return joinSchedules(spec.schedules.map(scheduleFromSpec), spec.boundaries);
    default:
      throw new RangeError(
        `scheduleFromSpec: unknown schedule kind ${JSON.stringify((spec as { kind?: unknown }).kind)}; known: ${Object.keys(schedules).join(', ')}`,
      );
  }
}
