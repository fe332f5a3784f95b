/**
 * The optimizer a bench training step runs: thermograd's library Optimizer with a registered
 * plugin (what users run), and TensorFlow.js's counterpart, set up to take the same update.
 *
 * tfjs's momentum optimizer (tf.train.momentum) steps v ← μv + g, θ ← θ − ηv: thermograd's
 * momentum plugin in its 'pytorch' convention with the same raw η and μ takes that very update.
 */
import * as tf from '@tensorflow/tfjs';
import type { Tensor } from '@thermograd/autograd';
import { Optimizer } from '@thermograd/optim';

export type BenchOptimizer = { plugin: 'sgd' } | { plugin: 'momentum'; mu: number };

export const SGD: BenchOptimizer = { plugin: 'sgd' };

/** The library's Optimizer over the step's parameters (named param0, param1, ... in order). */
export function thermogradOptimizer(
  params: readonly Tensor[],
  lr: number,
  spec: BenchOptimizer,
): Optimizer {
  const named = params.map((p, i): [string, Tensor] => [`param${i}`, p]);
  const options =
    spec.plugin === 'sgd' ? { eta: lr } : { eta: lr, mu: spec.mu, convention: 'pytorch' };
  return Optimizer.byName(named, spec.plugin, options);
}

export function tfjsOptimizer(lr: number, spec: BenchOptimizer): tf.Optimizer {
  return spec.plugin === 'sgd' ? tf.train.sgd(lr) : tf.train.momentum(lr, spec.mu);
}
