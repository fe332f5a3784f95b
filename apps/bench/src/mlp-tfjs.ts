/**
 * The same MLP step in TensorFlow.js, written the idiomatic low-level way: variables, matMul + add +
 * relu, tf.losses.softmaxCrossEntropy on one-hot labels, optimizer.minimize (sgd, or momentum) with the loss returned
 * and read back with dataSync() every step. Weights are the same numbers, stored [in, out] as tfjs
 * layers do.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from './data.js';
import { initialWeights, transposed } from './data.js';
import { tfjsSteps } from './tfjs-step.js';
import { SGD, type BenchOptimizer } from './optimizer.js';

export function tfjsMlp(
  sizes: readonly number[],
  lr: number,
  batches: readonly Batch[],
  optimizer: BenchOptimizer = SGD,
) {
  const batch = batches[0].labels.length;
  const vars = initialWeights(sizes).flatMap(({ w, b }, l) => {
    const [inF, out] = [sizes[l], sizes[l + 1]];
    const wt = transposed(w, out, inF);
    return [tf.variable(tf.tensor2d(wt, [inF, out])), tf.variable(tf.tensor1d(b))];
  });
  const xs = batches.map((d) => tf.tensor2d(d.x, [batch, sizes[0]]));
  const ys = batches.map((d) =>
    tf.oneHot(tf.tensor1d(d.labels, 'int32'), sizes[sizes.length - 1]).toFloat(),
  );
  return tfjsSteps(
    lr,
    vars,
    batches.length,
    (k) => {
      let h: tf.Tensor = xs[k];
      for (let l = 0; l < vars.length; l += 2) {
        h = tf.add(tf.matMul(h, vars[l]), vars[l + 1]);
        if (l + 2 < vars.length) h = tf.relu(h);
      }
      return tf.losses.softmaxCrossEntropy(ys[k], h) as tf.Scalar;
    },
    optimizer,
  );
}
