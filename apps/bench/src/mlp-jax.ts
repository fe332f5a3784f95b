/**
 * The same MLP step in jax-js (`@jax-js/jax`, wasm device), written the JAX way: a pure loss
 * function of the parameters, `valueAndGrad` of it, and the whole step (forward, backward and the
 * SGD update p ← p − lr·∇p) compiled once with `jit`; the loss is read back every step. Weights
 * are the same numbers, stored [in, out]. jax-js arrays are reference-counted: passing an array to
 * a function consumes it, `.ref` keeps it alive for another use.
 */
import { defaultDevice, init, jit, nn, numpy as np, valueAndGrad } from '@jax-js/jax';
import type { Batch } from './data.js';
import { initialWeights, transposed } from './data.js';

/** Starts jax-js's wasm device (once per process) and makes it the default. */
export async function initJax(): Promise<void> {
  const devices = await init('wasm');
  if (!devices.includes('wasm'))
    throw new Error(`jax-js: no wasm device (got ${devices.join(', ')})`);
  defaultDevice('wasm');
}

export function jaxMlp(sizes: readonly number[], lr: number, batches: readonly Batch[]) {
  const batch = batches[0].labels.length;
  const classes = sizes[sizes.length - 1];
  let params: np.Array[] = initialWeights(sizes).flatMap(({ w, b }, l) => [
    np.array(transposed(w, sizes[l + 1], sizes[l])).reshape([sizes[l], sizes[l + 1]]),
    np.array(b),
  ]);
  const xs = batches.map((d) => np.array(d.x).reshape([batch, sizes[0]]));
  const ys = batches.map((d) =>
    nn.oneHot(np.array(d.labels, { dtype: np.int32 }), classes).astype(np.float32),
  );
  const loss = (ps: np.Array[], x: np.Array, y: np.Array): np.Array => {
    let h = x;
    for (let l = 0; l < ps.length; l += 2) {
      h = np.matmul(h, ps[l]).add(ps[l + 1]);
      if (l + 2 < ps.length) h = nn.relu(h);
    }
    // Mean softmax cross-entropy: −Σ y·log softmax(h) / batch.
    return nn
      .logSoftmax(h, -1)
      .mul(y)
      .sum()
      .mul(-1 / batch);
  };
  const step = jit((ps: np.Array[], x: np.Array, y: np.Array): [np.Array, np.Array[]] => {
    const [value, grads] = valueAndGrad(loss)(
      ps.map((p) => p.ref),
      x,
      y,
    );
    return [value, ps.map((p, i) => p.sub(grads[i].mul(lr)))];
  });
  let i = 0;
  return (): number => {
    const k = i++ % batches.length;
    const [value, next] = step(params, xs[k].ref, ys[k].ref);
    params = next;
    return value.item();
  };
}
