/**
 * The TensorFlow.js training step both tfjs models use: optimizer.minimize (sgd, or momentum), one
 * batch per call (cycling), the loss returned and read back with dataSync() as thermograd's steps
 * read theirs, so both sides wait for the step's work to finish.
 */
import * as tf from '@tensorflow/tfjs';
import { SGD, tfjsOptimizer, type BenchOptimizer } from './optimizer.js';

export function tfjsSteps(
  lr: number,
  vars: tf.Variable[],
  batches: number,
  lossAt: (k: number) => tf.Scalar,
  spec: BenchOptimizer = SGD,
): () => number {
  const optimizer = tfjsOptimizer(lr, spec);
  let i = 0;
  return (): number => {
    const k = i++ % batches;
    const loss = optimizer.minimize(() => lossAt(k), true, vars)!;
    const value = loss.dataSync()[0];
    loss.dispose();
    return value;
  };
}
