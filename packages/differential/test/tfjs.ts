/**
 * TensorFlow.js as the independent implementation the differential suite compares against: its
 * CPU backend (plain JavaScript, float32), with gradients from tf.grads. Loaded once per test file.
 */
import * as tf from '@tensorflow/tfjs';

// PROD silences the "install tfjs-node" banner (backend_util.warn), nothing else that matters here.
tf.env().set('PROD', true);
await tf.setBackend('cpu');

export { tf };

/** What TF.js computed: the output and, when asked, the gradients. */
export interface TfjsResult {
  y: Float32Array;
  shape: number[];
  /** The output gradient used, and d⟨dy, f⟩/d(input) for each input; null without makeDy. */
  dy: Float32Array | null;
  grads: Float32Array[] | null;
}

/**
 * TF.js's value of f at `inputs` and, with makeDy (which draws an output gradient dy of the
 * output's size), the gradients of ⟨dy, f⟩ for each input marked `grad`; the others are constants
 * (their gradient slot is empty): TF.js's comparisons, say, have no gradient to take.
 */
export function tfjsRun(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: { values: Float32Array; shape: number[]; grad: boolean }[],
  makeDy: ((size: number) => Float32Array) | null,
): TfjsResult {
  let result: TfjsResult | undefined;
  // Values are copied out, so every TF.js tensor made here is released with the scope.
  tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(i.values, i.shape, 'float32'));
    const y = f(...xs);
    let grads: Float32Array[] | null = null;
    const dy = makeDy === null ? null : makeDy(y.size);
    if (dy !== null) {
      const wrt = inputs.flatMap((input, k) => (input.grad ? [k] : []));
      const g = tf.grads((...args: tf.Tensor[]) =>
        f(...xs.map((x, k) => (wrt.includes(k) ? args[wrt.indexOf(k)] : x))),
      )(
        wrt.map((k) => xs[k]),
        tf.tensor(dy, y.shape, 'float32'),
      );
      grads = xs.map((_, k) =>
        wrt.includes(k) ? Float32Array.from(g[wrt.indexOf(k)].dataSync()) : new Float32Array(0),
      );
    }
    result = { y: Float32Array.from(y.dataSync()), shape: [...y.shape], dy, grads };
  });
  return result!;
}
