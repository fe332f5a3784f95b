/**
 * Every plugin in the registry, by its registry name, on a parabola and on Rosenbrock's valley (the
 * optax test suite's pair): each must reach the known minimum. The test iterates pluginNames(), so
 * a newly registered plugin fails here until SETUPS says how to run it. A plugin that updates in the
 * wrong direction, mis-scales its step or drops its state fails here whatever its own file's tests
 * say. Gradient transformations (clipping, weight decay) run in a chain before sgd.
 */
import { describe, expect, it } from 'vitest';
import { createPlugin, pluginNames, type OptimizerPlugin, type ParamTree } from '../src/index.js';
import { run } from './helpers.js';

type Problem = 'parabola' | 'rosenbrock';
type Gradient = (p: ParamTree) => ParamTree;

/** ½ Σ k_i (x_i − 1)², minimum at (1, 1), condition number 10. */
const parabola: Gradient = (p) => ({
  x: Float64Array.from(p.x, (v, i) => [1, 10][i] * (v - 1)),
});

/** (1 − x)² + 100 (y − x²)², minimum at (1, 1) at the end of a curved, ill-conditioned valley. */
const rosenbrock: Gradient = (p) => {
  const [x, y] = p.x;
  return { x: Float64Array.of(-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)) };
};

const start = (): ParamTree => ({ x: Float64Array.of(-1.2, 1) });

/** A transformation from the registry, followed by sgd at step η, through the registry's chain. */
const beforeSgd = (name: string, options: object, eta: number): OptimizerPlugin =>
  createPlugin('chain', {
    plugins: [
      { name, options },
      { name: 'sgd', options: { eta } },
    ],
  });

/** Coupled weight decay λ moves the parabola's minimum to k/(k + λ). */
const LAMBDA = 0.1;

interface Setup {
  /** The plugin at step size η (the same effective step η/(1−μ) for every first-order method). */
  make(eta: number, gradient: Gradient): OptimizerPlugin;
  /** Where it must end, when not at (1, 1). */
  minimum?: Partial<Record<Problem, [number, number]>>;
}

/** How to run each registered plugin; a registered name without an entry fails the test. */
const SETUPS: Record<string, Setup> = {
  sgd: { make: (eta) => createPlugin('sgd', { eta }) },
  momentum: { make: (eta) => createPlugin('momentum', { eta: eta * (1 - 0.9), mu: 0.9 }) },
  'momentum-avg': {
    make: (eta) => createPlugin('momentum-avg', { eta: eta * (1 - 0.9), mu: 0.9 }),
  },
  // T = 0: the deterministic limit, which must still descend.
  langevin: { make: (eta) => createPlugin('langevin', { eta, temperature: 0, seed: 1 }) },
  'gradient-flow': {
    make: (eta, gradient) =>
      createPlugin('gradient-flow', { gradient, interval: eta * 10, method: 'dopri5' }),
  },
  'clip-by-global-norm': { make: (eta) => beforeSgd('clip-by-global-norm', { maxNorm: 5 }, eta) },
  'clip-by-value': { make: (eta) => beforeSgd('clip-by-value', { maxValue: 5 }, eta) },
  'weight-decay': {
    make: (eta) => beforeSgd('weight-decay', { lambda: LAMBDA }, eta),
    // Rosenbrock's minimum with the decay has no closed form; the parabola's does.
    minimum: { parabola: [1 / (1 + LAMBDA), 10 / (10 + LAMBDA)] },
  },
  chain: { make: (eta) => createPlugin('chain', { plugins: [{ name: 'sgd', options: { eta } }] }) },
};

const PROBLEMS: {
  problem: Problem;
  gradient: Gradient;
  eta: number;
  steps: number;
  tol: [number, number];
}[] = [
  { problem: 'parabola', gradient: parabola, eta: 0.05, steps: 2000, tol: [1e-6, 1e-6] },
  { problem: 'rosenbrock', gradient: rosenbrock, eta: 1e-3, steps: 40000, tol: [1e-2, 2e-2] },
];

describe('every registered plugin reaches the minimum', () => {
  it('the registry holds at least the built-in plugins', () => {
    expect(pluginNames()).toEqual(expect.arrayContaining(Object.keys(SETUPS)));
  });

  for (const name of pluginNames()) {
    for (const { problem, gradient, eta, steps, tol } of PROBLEMS) {
      const setup = SETUPS[name];
      const minimum = setup?.minimum ? setup.minimum[problem] : [1, 1];
      if (setup && !minimum) continue;
      it(`${name} on ${problem}`, () => {
        expect(setup, `registered plugin '${name}' has no entry in SETUPS`).toBeDefined();
        const plugin = setup.make(eta, gradient);
        const { params } = run(plugin, start(), gradient, steps, { keepTrace: false });
        expect(Math.abs(params.x[0] - minimum![0])).toBeLessThan(tol[0]);
        expect(Math.abs(params.x[1] - minimum![1])).toBeLessThan(tol[1]);
      });
    }
  }
});
