/**
 * The demo's CNN (cnn-weights.ts) in TensorFlow.js with tf ops, NHWC as tfjs convolves natively:
 * conv2d 'same' (pad 2) and 'valid', relu, maxPool 2, flatten, matMul + bias, relu, matMul + bias,
 * tf.losses.softmaxCrossEntropy on one-hot labels, plain SGD through optimizer.minimize, the loss
 * read back with dataSync() every step. The shared weights are converted to tfjs's layouts (filters
 * [kh, kw, in, out], dense [in, out], and the first dense layer's rows reordered from C·H·W to
 * H·W·C flattening), so both libraries compute the same function from the same numbers.
 *
 * tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel, so the convolution's gradient is
 * given explicitly (tf.customGrad): the input gradient by conv2dTranspose (Conv2DBackpropInput,
 * which both backends have) and the filter gradient as a forward convolution of the input with the
 * output gradient, batch and channel axes swapped: dW[i, j, c, o] = Σ_{b,y,x} X[b, y+i, x+j, c] ·
 * dY[b, y, x, o]. The same code runs on the cpu backend, whose own Conv2DBackpropFilter took
 * about 30 s per step here.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from './data.js';
import { CNN, cnnWeights } from './cnn-weights.js';
import { tfjsSteps } from './tfjs-step.js';
import { SGD, type BenchOptimizer } from './optimizer.js';

/** [out, in, kh, kw] → [kh, kw, in, out] */
function filterNhwc(w: Float32Array, out: number, inC: number, k: number): Float32Array {
  const f = new Float32Array(w.length);
  for (let o = 0; o < out; o++)
    for (let c = 0; c < inC; c++)
      for (let i = 0; i < k; i++)
        for (let j = 0; j < k; j++)
          f[((i * k + j) * inC + c) * out + o] = w[((o * inC + c) * k + i) * k + j];
  return f;
}

/** Dense [out, in] → [in, out], with input index c·H·W + h·W + w moved to (h·W + w)·C + c when `chw` is given. */
function denseInOut(
  w: Float32Array,
  out: number,
  inF: number,
  chw?: { c: number; h: number; w: number },
): Float32Array {
  const t = new Float32Array(w.length);
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < inF; i++) {
      let row = i;
      if (chw) {
        const c = Math.floor(i / (chw.h * chw.w));
        const hw = i % (chw.h * chw.w);
        row = hw * chw.c + c;
      }
      t[row * out + o] = w[o * inF + i];
    }
  }
  return t;
}

type Pad = 'same' | 'valid';

/** conv2d, stride 1, with the gradient written in kernels every backend has. */
function conv2dTrainable(pad: Pad, padding: number) {
  const f = (x: tf.Tensor4D, w: tf.Tensor4D, save: tf.GradSaveFunc) => {
    const [x4, w4] = [x, w];
    save([x4, w4]);
    return {
      value: tf.conv2d(x4, w4, 1, pad),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as tf.Tensor4D[];
        const dy4 = dy as tf.Tensor4D;
        const dx = tf.conv2dTranspose(dy4, ws, xs.shape, 1, pad);
        const xp =
          padding > 0
            ? tf.pad(xs, [
                [0, 0],
                [padding, padding],
                [padding, padding],
                [0, 0],
              ])
            : xs;
        // [C, H, W, B] ⋆ [Hy, Wy, B, O] → [C, kh, kw, O] → [kh, kw, C, O]
        const r = tf.conv2d(
          tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D,
          tf.transpose(dy4, [1, 2, 0, 3]) as tf.Tensor4D,
          1,
          'valid',
        );
        return [dx, tf.transpose(r, [1, 2, 0, 3])];
      },
    };
  };
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
    x: tf.Tensor4D,
    w: tf.Variable,
  ) => tf.Tensor4D;
}

export function tfjsCnn(lr: number, batches: readonly Batch[], optimizer: BenchOptimizer = SGD) {
  const batch = batches[0].labels.length;
  const init = cnnWeights();
  const conv = CNN.conv.map(({ inC, outC, k, pad }, l) => ({
    w: tf.variable(tf.tensor4d(filterNhwc(init.conv[l].w, outC, inC, k), [k, k, inC, outC])),
    b: tf.variable(tf.tensor1d(init.conv[l].b)),
    conv2d: conv2dTrainable(pad > 0 ? 'same' : 'valid', pad),
  }));
  const fc = CNN.fc.map(({ inF, out }, l) => ({
    w: tf.variable(
      tf.tensor2d(denseInOut(init.fc[l].w, out, inF, l === 0 ? CNN.flat : undefined), [inF, out]),
    ),
    b: tf.variable(tf.tensor1d(init.fc[l].b)),
  }));
  const vars = [...conv.flatMap((c) => [c.w, c.b]), ...fc.flatMap((f) => [f.w, f.b])];
  const xs = batches.map((d) => tf.tensor4d(d.x, [batch, CNN.size, CNN.size, 1]));
  const ys = batches.map((d) => tf.oneHot(tf.tensor1d(d.labels, 'int32'), CNN.fc[1].out).toFloat());
  return tfjsSteps(
    lr,
    vars,
    batches.length,
    (k) => {
      let h: tf.Tensor4D = xs[k];
      for (const c of conv) {
        const y = tf.relu(tf.add(c.conv2d(h, c.w), c.b)) as tf.Tensor4D;
        h = tf.maxPool(y, 2, 2, 'valid');
      }
      let z: tf.Tensor = tf.reshape(h, [batch, -1]);
      z = tf.relu(tf.add(tf.matMul(z, fc[0].w), fc[0].b));
      z = tf.add(tf.matMul(z, fc[1].w), fc[1].b);
      return tf.losses.softmaxCrossEntropy(ys[k], z) as tf.Scalar;
    },
    optimizer,
  );
}
