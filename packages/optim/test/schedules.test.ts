import { describe, expect, it } from 'vitest';
import {
  constantSchedule,
  cosineSchedule,
  exponentialSchedule,
  joinSchedules,
  linearWarmup,
  multiStepSchedule,
  oneCycleSchedule,
  piecewiseConstantSchedule,
  scheduleFromSpec,
  schedules,
  sgd,
  stepSchedule,
} from '../src/index.js';
import { tensors, updateOnArrays } from './helpers.js';

const at = (f: (s: number) => number, steps: number[]) => steps.map(f);

describe('schedules at their boundaries', () => {
  it('constant', () => {
    expect(at(constantSchedule(0.1), [0, 1, 10_000])).toEqual([0.1, 0.1, 0.1]);
  });

  it('step: ×γ every stepSize steps, changing AT the multiple', () => {
    expect(at(stepSchedule({ init: 1, stepSize: 10, gamma: 0.5 }), [0, 9, 10, 19, 20])).toEqual([
      1, 1, 0.5, 0.5, 0.25,
    ]);
  });

  it('multiStep: ×γ at each milestone, inclusive', () => {
    const f = multiStepSchedule({ init: 1, milestones: [3, 7], gamma: 0.1 });
    const v = at(f, [0, 2, 3, 6, 7, 100]);
    expect(v.slice(0, 4)).toEqual([1, 1, 0.1, 0.1]);
    expect(v[4]).toBeCloseTo(0.01, 15);
    expect(v[5]).toBeCloseTo(0.01, 15);
  });

  it('exponential: continuous and staircase', () => {
    const f = exponentialSchedule({ init: 2, decayRate: 0.5, transitionSteps: 10 });
    expect(at(f, [0, 10, 20])).toEqual([2, 1, 0.5]);
    expect(f(5)).toBeCloseTo(2 * Math.SQRT1_2, 15);
    const g = exponentialSchedule({
      init: 2,
      decayRate: 0.5,
      transitionSteps: 10,
      staircase: true,
    });
    expect(at(g, [0, 9, 10, 19, 20])).toEqual([2, 2, 1, 1, 0.5]);
  });

  it('cosine: init at 0, midpoint halfway, final at and after decaySteps', () => {
    const f = cosineSchedule({ init: 1, decaySteps: 10, final: 0.1 });
    expect(f(0)).toBe(1);
    expect(f(5)).toBeCloseTo(0.55, 15);
    expect(at(f, [10, 11, 1000])).toEqual([0.1, 0.1, 0.1]);
  });

  it('cosine with warm restarts (SGDR): periods 10, 20, 40, starts 1, 0.5, 0.25', () => {
    const f = cosineSchedule({
      init: 1,
      decaySteps: 10,
      warmRestarts: true,
      periodMult: 2,
      restartDecay: 0.5,
    });
    expect(f(0)).toBe(1);
    expect(f(9)).toBeCloseTo(0.5 * (1 + Math.cos((Math.PI * 9) / 10)), 15);
    expect(f(10)).toBe(0.5);
    expect(f(20)).toBeCloseTo(0.25, 15); // middle of the second period: half of 0.5
    expect(f(30)).toBe(0.25);
    expect(f(70)).toBe(0.125);
    const plain = cosineSchedule({ init: 2, decaySteps: 4, warmRestarts: true });
    expect(at(plain, [0, 4, 8])).toEqual([2, 2, 2]);
  });

  it('linearWarmup: linear to the peak, then the peak or the schedule after it', () => {
    const f = linearWarmup({ peak: 1, warmupSteps: 4 });
    expect(at(f, [0, 2, 4, 100])).toEqual([0, 0.5, 1, 1]);
    const g = linearWarmup({
      init: 0.1,
      peak: 1,
      warmupSteps: 3,
      after: cosineSchedule({ init: 1, decaySteps: 10 }),
    });
    expect(g(0)).toBe(0.1);
    expect(g(3)).toBe(1);
    expect(g(8)).toBeCloseTo(0.5, 15);
    expect(g(13)).toBe(0);
  });

  it('oneCycle (PyTorch OneCycleLR): max/25 at 0, max at pctStart·S − 1, max/25e4 at S − 1 and after', () => {
    const f = oneCycleSchedule({ max: 1, totalSteps: 100 });
    expect(f(0)).toBeCloseTo(0.04, 15);
    expect(f(29)).toBe(1);
    expect(f(99)).toBeCloseTo(4e-6, 18);
    expect(f(150)).toBeCloseTo(4e-6, 18);
    expect(f(64)).toBeCloseTo(4e-6 + (1 - 4e-6) / 2, 12); // halfway down (step 29 + 35 of 70)
    const lin = oneCycleSchedule({
      max: 1,
      totalSteps: 11,
      pctStart: 0.5,
      divFactor: 10,
      finalDivFactor: 10,
      anneal: 'linear',
    });
    // peak at step 0.5·11 − 1 = 4.5: linear from 0.1 up, then down to 0.01 at step 10.
    expect(lin(0)).toBeCloseTo(0.1, 15);
    expect(lin(4)).toBeCloseTo(0.1 + 0.9 * (4 / 4.5), 15);
    expect(lin(10)).toBeCloseTo(0.01, 15);
  });

  it('piecewiseConstant: the value changes AT each boundary', () => {
    const f = piecewiseConstantSchedule({ boundaries: [10, 20], values: [1, 0.5, 0.1] });
    expect(at(f, [0, 9, 10, 19, 20, 1000])).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1]);
  });

  it('join: each schedule sees the steps since its boundary', () => {
    const f = joinSchedules(
      [
        linearWarmup({ peak: 1, warmupSteps: 5 }),
        cosineSchedule({ init: 1, decaySteps: 10, final: 0 }),
      ],
      [5],
    );
    expect(at(f, [0, 4, 5, 15, 20])).toEqual([0, 0.8, 1, 0, 0]);
    expect(f(10)).toBeCloseTo(0.5, 15);
  });

  it('scheduleFromSpec builds the same schedules from data, and schedules.* are the factories', () => {
    const f = scheduleFromSpec({
      kind: 'join',
      schedules: [
        { kind: 'linearWarmup', peak: 1, warmupSteps: 5 },
        { kind: 'cosine', init: 1, decaySteps: 10 },
      ],
      boundaries: [5],
    });
    expect(at(f, [0, 4, 5, 15])).toEqual([0, 0.8, 1, 0]);
    expect(schedules.multiStep).toBe(multiStepSchedule);
    expect(() => scheduleFromSpec({ kind: 'triangle' } as never)).toThrow(
      /unknown schedule kind "triangle"; known: constant, step/,
    );
  });
});

describe('schedule errors', () => {
  it('bad arguments name the schedule, the argument and the value', () => {
    expect(() => stepSchedule({ init: -1, stepSize: 10, gamma: 0.5 })).toThrow(
      'stepSchedule: init must be a finite number >= 0, got -1',
    );
    expect(() => stepSchedule({ init: 1, stepSize: 0, gamma: 0.5 })).toThrow(
      'stepSchedule: stepSize must be an integer >= 1, got 0',
    );
    expect(() => multiStepSchedule({ init: 1, milestones: [5, 5], gamma: 0.1 })).toThrow(
      /milestones must be strictly increasing, got \[5,5\]/,
    );
    expect(() => piecewiseConstantSchedule({ boundaries: [10], values: [1] })).toThrow(
      /needs boundaries.length \+ 1 = 2 values, got 1/,
    );
    expect(() => cosineSchedule({ init: NaN, decaySteps: 10 })).toThrow(
      'cosineSchedule: init must be a finite number >= 0, got NaN',
    );
    expect(() => joinSchedules([constantSchedule(1)], [3])).toThrow(
      /1 schedules need 0 boundaries, got 1/,
    );
    expect(() => oneCycleSchedule({ max: 1, totalSteps: 100, pctStart: 1.5 })).toThrow(
      /pctStart must be in \(0, 1\), got 1.5/,
    );
    expect(() => stepSchedule({ init: 1, stepSize: 2, gamma: 0.5 })(-1)).toThrow(
      /the step must be an integer >= 0, got -1/,
    );
  });

  it('a schedule returning a non-finite value is an error at that step, naming the plugin and hyperparameter', () => {
    const eta0 = (s: number) => (s < 3 ? 0.01 : Infinity);
    const plugin = sgd({ eta0, batchSize: 4 });
    const p = { x: Float64Array.of(1) };
    let state = plugin.init(tensors(p));
    for (let s = 0; s < 3; s++) state = updateOnArrays(plugin, p, state, p).state;
    expect(() => updateOnArrays(plugin, p, state, p)).toThrow(
      'sgd: eta0 schedule returned Infinity at step 3; expected a finite number >= 0',
    );
    expect(() => sgd({ eta: () => NaN }).init(tensors(p))).toThrow(
      'sgd: eta schedule returned NaN at step 0',
    );
  });
});
