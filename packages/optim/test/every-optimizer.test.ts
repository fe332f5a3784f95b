/**
 * Every built-in optimizer, by its registry name, on a parabola and on Rosenbrock's valley (the
 * optax test suite's pair): each must reach the known minimum. A plugin that updates in the wrong
 * direction, mis-scales its step or drops its state fails here whatever its own file's tests say.
 */
import { describe, expect, it } from 'vitest';
import { createPlugin, type ParamTree } from '../src/index.js';
import { run } from './helpers.js';

/** ½ Σ k_i (x_i − 1)², minimum at (1, 1), condition number 10. */
const parabola = (p: ParamTree): ParamTree => ({
  x: Float64Array.from(p.x, (v, i) => [1, 10][i] * (v - 1)),
});

/** (1 − x)² + 100 (y − x²)², minimum at (1, 1) at the end of a curved, ill-conditioned valley. */
const rosenbrock = (p: ParamTree): ParamTree => {
  const [x, y] = p.x;
  return { x: Float64Array.of(-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)) };
};

const start = (): ParamTree => ({ x: Float64Array.of(-1.2, 1) });

/** Options per plugin name: the same effective step η/(1−μ) for every first-order method. */
function options(name: string, eta: number, gradient: (p: ParamTree) => ParamTree): object {
  switch (name) {
    case 'sgd':
      return { eta };
    case 'momentum':
    case 'momentum-avg':
      return { eta: eta * (1 - 0.9), mu: 0.9 };
    case 'langevin':
      // T = 0: the deterministic limit, which must still descend.
      return { eta, temperature: 0, seed: 1 };
    case 'gradient-flow':
      return { gradient, interval: eta * 10, method: 'dopri5' };
    default:
      throw new Error(name);
  }
}

const NAMES = ['sgd', 'momentum', 'momentum-avg', 'langevin', 'gradient-flow'];

describe('every optimizer reaches the minimum', () => {
  for (const name of NAMES) {
    it(`${name} on a parabola`, () => {
      const plugin = createPlugin(name, options(name, 0.05, parabola));
      const { params } = run(plugin, start(), parabola, 2000, { keepTrace: false });
      expect(Math.abs(params.x[0] - 1)).toBeLessThan(1e-6);
      expect(Math.abs(params.x[1] - 1)).toBeLessThan(1e-6);
    });

    it(`${name} on Rosenbrock`, () => {
      const plugin = createPlugin(name, options(name, 1e-3, rosenbrock));
      const { params } = run(plugin, start(), rosenbrock, 40000, { keepTrace: false });
      expect(Math.abs(params.x[0] - 1)).toBeLessThan(1e-2);
      expect(Math.abs(params.x[1] - 1)).toBeLessThan(2e-2);
    });
  }
});
